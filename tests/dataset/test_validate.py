"""`validate` of a built directory: checksums, missing and extra files, row counts, invariants."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ceasefire_news import DatasetError, validate
from ceasefire_news.cli import main
from ceasefire_news.schema.tables import TABLES, data_file


@pytest.fixture
def copy(built: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "ds"
    shutil.copytree(built, dest)
    return dest


def problems(root: Path) -> list[str]:
    with pytest.raises(DatasetError) as err:
        validate(root)
    return [str(p) for p in err.value.problems]


def test_fresh_build_is_valid(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert validate(built).tables["documents"].num_rows == 5
    assert main(["validate", str(built)]) == 0


@pytest.mark.parametrize("config", list(TABLES))
def test_flipped_byte_is_named(copy: Path, config: str) -> None:
    path = copy / data_file(config)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    found = problems(copy)
    assert any(str(path) in p and "sha256" in p for p in found), found


def test_deleted_file_is_named(copy: Path) -> None:
    (copy / data_file("sentences")).unlink()
    found = problems(copy)
    assert any(data_file("sentences") in p and "missing" in p for p in found), found


def test_extra_file_is_named(copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (copy / "data" / "notes.txt").write_text("hello")
    found = problems(copy)
    assert any("data/notes.txt" in p and "not listed in manifest.json" in p for p in found), found
    assert main(["validate", str(copy)]) == 1
    assert "data/notes.txt" in capsys.readouterr().err


def test_row_count_mismatch_is_named(copy: Path) -> None:
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["tables"]["sentences"]["num_rows"] = 149
    (copy / "manifest.json").write_text(json.dumps(manifest))
    found = problems(copy)
    assert any(data_file("sentences") in p and "150 rows but manifest.json says 149" in p for p in found), found


def test_missing_manifest(copy: Path) -> None:
    (copy / "manifest.json").unlink()
    assert any("manifest.json is missing" in p for p in problems(copy))


def test_tampered_derived_row_is_located(copy: Path) -> None:
    """A row edited consistently with its checksums is still caught by re-deriving the table."""
    import pyarrow.parquet as pq

    from ceasefire_news.dataset.manifest import TableEntry, write_manifest

    path = copy / data_file("entities")
    table = pq.read_table(path)
    rows = table.to_pylist()
    rows[0]["sentence_index"] = 3
    pq.write_table(type(table).from_pylist(rows, schema=table.schema), path)
    manifest = json.loads((copy / "manifest.json").read_text())
    write_manifest(
        copy,
        {k: TableEntry(**v) for k, v in manifest["tables"].items()},
        manifest["inputs"],
        name=manifest["name"],
        dataset_version=manifest["dataset_version"],
    )
    found = problems(copy)
    assert any(data_file("entities") in p and "row 0" in p and "sentence_index" in p for p in found), found
