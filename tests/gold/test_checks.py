"""`derive_tables` (what the build writes) against the readable record path, and the build's footer-only check."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from ceasefire_news import DatasetError, validate
from ceasefire_news.dataset.build import base_records
from ceasefire_news.dataset.storage import to_arrow
from ceasefire_news.errors import ProblemLog
from ceasefire_news.gold.checks import derive, derive_tables
from ceasefire_news.gold.entities import checked_mentions, ner_rows, ner_table
from ceasefire_news.gold.seeds import read_seeds
from ceasefire_news.gold.segments import check_sentences
from ceasefire_news.schema.tables import TABLES, data_file


def test_derive_tables_gives_the_built_tables(built: Path) -> None:
    log = ProblemLog()
    tables = derive_tables(base_records(read_seeds()), log)
    assert log.problems == []
    assert sorted(tables) == ["alignments", "documents", "duplicate_groups", "entities", "ner", "sentences"]
    for name, table in tables.items():
        stored = pq.read_table(built / data_file(name))
        assert table.equals(stored.replace_schema_metadata(None)), name
        assert table.schema.metadata is None


def test_derive_tables_equals_the_record_path() -> None:
    """The Arrow tables equal the records of the readable reference `derive`, sorted by key."""
    base = base_records(read_seeds())
    log = ProblemLog()
    tables = derive_tables(base, log)
    records = derive(base, log)
    assert log.problems == []
    for name in ("documents", "sentences", "entities", "ner", "duplicate_groups", "alignments"):
        key = TABLES[name].key
        rows = sorted((i.record for i in records[name]), key=lambda r: tuple(getattr(r, k) for k in key))
        assert tables[name].equals(to_arrow(TABLES[name], rows).replace_schema_metadata(None)), name
        assert tables[name].nbytes == to_arrow(TABLES[name], rows).nbytes, name


@pytest.mark.parametrize("batch_tokens", [1, 100, 1 << 16])
def test_ner_table_equals_ner_rows_across_batches(batch_tokens: int) -> None:
    seeds = read_seeds()
    base = base_records(seeds)
    log = ProblemLog()
    texts = {i.record.doc_id: i.record.text for i in base["documents"]}
    segments = check_sentences(texts, base["sentences"], log)
    mentions = checked_mentions(texts, segments, base["entities"], log)
    table = ner_table(texts, segments, mentions, log, batch_tokens=batch_tokens)
    from ceasefire_news.gold.entities import check_mentions

    rows = ner_rows(texts, segments, check_mentions(texts, segments, base["entities"], log), log)
    assert log.problems == []
    assert table.num_rows == len(rows) == 150
    assert table.to_pylist() == [r.model_dump() for r in sorted(rows, key=lambda r: (r.doc_id, r.sentence_index))]


def test_footer_only_validation_checks_counts_schemas_and_checksums(built: Path, tmp_path: Path) -> None:
    copy = tmp_path / "ds"
    shutil.copytree(built, copy)
    assert validate(copy, rederive=False).tables["pairs"].num_rows == 10
    ner = copy / data_file("ner")
    ner.write_bytes(ner.read_bytes()[:-1] + b"!")  # a damaged footer: checksum and file both wrong
    with pytest.raises(DatasetError) as err:
        validate(copy, rederive=False)
    found = [str(p) for p in err.value.problems]
    assert any(f.startswith(f"{ner} field 'sha256': sha256 ") and "differs from manifest.json" in f for f in found), found
    assert any(f.startswith(f"{ner}: cannot read Parquet file") for f in found), found


def test_footer_only_validation_reports_a_wrong_row_count(built: Path, tmp_path: Path) -> None:
    copy = tmp_path / "ds"
    shutil.copytree(built, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["tables"]["ner"]["num_rows"] = 151
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DatasetError) as err:
        validate(copy, rederive=False)
    found = [str(p) for p in err.value.problems]
    assert f"{copy / data_file('ner')} field 'num_rows': 150 rows but manifest.json says 151" in found, found


def test_compare_light_rows_with_model_rows_field_by_field(built: Path) -> None:
    """Stored rows read back as light records (storage.row_type) equal derived pydantic rows with the same fields."""
    from ceasefire_news.dataset.storage import read_parquet
    from ceasefire_news.errors import Located, ProblemLog
    from ceasefire_news.gold.checks import _compare
    from ceasefire_news.schema.tables import TABLES, data_file

    log = ProblemLog()
    stored = read_parquet("entities", built / data_file("entities"), log)
    derived = [Located(TABLES["entities"].from_row(i.record._asdict()), i.file, row=i.row) for i in stored]
    _compare("entities", stored, derived, log)
    assert log.problems == []
    changed = derived[0].record.model_copy(update={"entity_id": "nil:other"})
    _compare("entities", stored, [Located(changed, derived[0].file, row=0), *derived[1:]], log)
    (problem,) = log.problems
    assert problem.row == 0 and problem.field == "entity_id" and "differs from the value derived" in problem.message
