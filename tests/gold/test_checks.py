"""`validate` with and without re-derivation, and `derive` building every table once as Arrow."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from ceasefire_news import DatasetError, validate
from ceasefire_news.dataset.build import base_records
from ceasefire_news.errors import ProblemLog
from ceasefire_news.gold.checks import derive
from ceasefire_news.gold.seeds import read_seeds
from ceasefire_news.schema.tables import data_file


def test_derive_gives_the_built_tables(built: Path) -> None:
    log = ProblemLog()
    tables = derive(base_records(read_seeds()), log)
    assert log.problems == []
    assert sorted(tables) == ["documents", "duplicate_groups", "entities", "ner", "sentences"]
    for name, table in tables.items():
        stored = pq.read_table(built / data_file(name))
        assert table.equals(stored) and table.schema.metadata == stored.schema.metadata, name


def test_footer_only_validation_checks_counts_and_schemas(built: Path, tmp_path: Path) -> None:
    copy = tmp_path / "ds"
    shutil.copytree(built, copy)
    assert validate(copy, rederive=False).tables["pairs"].num_rows == 10
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["tables"]["ner"]["num_rows"] = 151
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DatasetError) as err:
        validate(copy, rederive=False)
    assert any(data_file("ner") in str(p) and "150 rows but manifest.json says 151" in str(p) for p in err.value.problems)
