"""diff_datasets / format_diff: keyed row changes between two builds, rendered as release notes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ceasefire_news import DatasetError, build
from ceasefire_news.dataset.diff import DatasetDiff, diff_datasets, diff_tables, format_diff
from ceasefire_news.dataset.manifest import MANIFEST_FILE
from ceasefire_news.gold.seeds import default_seeds_dir

RELATED_DOC = "003_dbbfab3a559acc3c"
RELATED_INDEX = 18  # "(Related: Trump says ...)": boilerplate in the project's seeds
LAST_DOC = "004_8a3745de7e51fef9"


def sentences_file(seeds: Path, doc_id: str) -> Path:
    """A document's gold segments file in a seeds directory."""
    return seeds / "annotations" / "sentences" / f"{doc_id}.jsonl"


def edit_segments(seeds: Path, doc_id: str, edit) -> None:
    """Rewrite a document's segments file through edit(list of dicts) -> list of dicts."""
    path = sentences_file(seeds, doc_id)
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in edit(rows)), encoding="utf-8")


def num_rows(root: Path, table: str) -> int:
    """A table's row count from a built dataset's manifest."""
    return json.loads((root / MANIFEST_FILE).read_text(encoding="utf-8"))["tables"][table]["num_rows"]


def copy_seeds(dest: Path) -> Path:
    """A private copy of the project's seeds directory."""
    return Path(shutil.copytree(default_seeds_dir(), dest))


@pytest.fixture
def current(built: Path) -> Path:
    """The dataset built from the project's seeds (conftest's shared, read-only build)."""
    return built


@pytest.fixture(scope="module")
def uncorrected(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dataset as it was before one role correction: the Related: line still marked body."""
    seeds = copy_seeds(tmp_path_factory.mktemp("seeds-uncorrected") / "seeds")

    def mark_body(rows: list[dict]) -> list[dict]:
        assert rows[RELATED_INDEX]["role"] == "boilerplate"
        rows[RELATED_INDEX]["role"] = "body"
        return rows

    edit_segments(seeds, RELATED_DOC, mark_body)
    return build(seeds, tmp_path_factory.mktemp("uncorrected") / "ds")


@pytest.fixture(scope="module")
def merged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dataset with the last two segments of one document merged into one (a row disappears)."""
    seeds = copy_seeds(tmp_path_factory.mktemp("seeds-merged") / "seeds")
    text = (seeds / "articles" / f"{LAST_DOC}.txt").read_text(encoding="utf-8")

    def merge_last_two(rows: list[dict]) -> list[dict]:
        *head, a, b = rows
        a = {**a, "end": b["end"], "text": text[a["start"] : b["end"]]}
        return [*head, a]

    edit_segments(seeds, LAST_DOC, merge_last_two)
    return build(seeds, tmp_path_factory.mktemp("merged") / "ds")


def test_one_corrected_role_is_one_changed_row(uncorrected: Path, current: Path) -> None:
    diff = diff_datasets(uncorrected, current)
    assert isinstance(diff, DatasetDiff)
    assert diff.old_version == diff.new_version == "1.1.0"
    assert diff.tables_added == diff.tables_removed == ()
    assert all(t.is_empty for name, t in diff.tables.items() if name != "sentences")
    sentences = diff.tables["sentences"]
    assert (sentences.added, sentences.removed) == ((), ())
    assert len(sentences.changed) == 1
    change = sentences.changed[0]
    assert change.key == (RELATED_DOC, RELATED_INDEX)
    assert change.columns == ("role",)
    assert (change.old, change.new) == ({"role": "body"}, {"role": "boilerplate"})
    assert sentences.changed_columns() == {"role": 1}

    summary = format_diff(diff)
    n, docs = num_rows(current, "sentences"), num_rows(current, "documents")
    assert f"| `sentences` | {n} | {n} | 0 | 0 | 1 |" in summary
    assert f"| `documents` | {docs} | {docs} | 0 | 0 | 0 |" in summary
    assert f'doc_id=`{RELATED_DOC}`, index=`{RELATED_INDEX}`: `role`: `"body"` → `"boilerplate"`' in summary
    assert "### `documents`" not in summary


def test_merged_segments_remove_a_row_and_reverse_adds_it(current: Path, merged: Path) -> None:
    segments = len(sentences_file(default_seeds_dir(), LAST_DOC).read_text(encoding="utf-8").splitlines())
    last = segments - 1
    diff = diff_datasets(current, merged)
    sentences = diff.tables["sentences"]
    assert sentences.removed == ((LAST_DOC, last),)
    assert sentences.added == ()
    assert [(c.key, c.columns) for c in sentences.changed] == [((LAST_DOC, last - 1), ("end", "text"))]
    n = num_rows(current, "sentences")
    assert (sentences.old_rows, sentences.new_rows) == (n, n - 1)
    documents = diff.tables["documents"]
    assert [(c.key, c.columns, c.old, c.new) for c in documents.changed] == [
        ((LAST_DOC,), ("num_sentences",), {"num_sentences": segments}, {"num_sentences": segments - 1})
    ]
    summary = format_diff(diff)
    assert f"| `sentences` | {n} | {n - 1} | 0 | 1 | 1 |" in summary
    assert f"Removed rows: 1.\n\n- doc_id=`{LAST_DOC}`, index=`{last}`" in summary
    assert f"`num_sentences`: `{segments}` → `{segments - 1}`" in summary

    back = diff_datasets(merged, current)
    assert back.tables["sentences"].added == ((LAST_DOC, last),)
    assert back.tables["sentences"].removed == ()
    assert f"Added rows: 1.\n\n- doc_id=`{LAST_DOC}`, index=`{last}`" in format_diff(back)


def test_identical_builds_have_no_changes(current: Path) -> None:
    diff = diff_datasets(current, current)
    assert diff.is_empty
    assert "No data changes." in format_diff(diff)


def test_table_added_and_removed_and_version_change(current: Path, tmp_path: Path) -> None:
    old = Path(shutil.copytree(current, tmp_path / "old"))
    manifest = json.loads((old / MANIFEST_FILE).read_text(encoding="utf-8"))
    del manifest["tables"]["sentences"]
    manifest["dataset_version"] = "0.9.0"
    (old / MANIFEST_FILE).write_text(json.dumps(manifest), encoding="utf-8")

    diff = diff_datasets(old, current)
    n = num_rows(current, "sentences")
    assert diff.tables_added == ("sentences",)
    assert diff.tables["sentences"].new_rows == n and len(diff.tables["sentences"].added) == n
    assert (diff.old_version, diff.new_version) == ("0.9.0", "1.1.0")
    summary = format_diff(diff)
    assert summary.startswith("## Changes: ceasefire-news 0.9.0 → 1.1.0")
    assert f"| `sentences` | — | {n} | {n} | 0 | 0 |" in summary
    assert f"Table added ({n} rows)." in summary

    reverse = diff_datasets(current, old)
    assert reverse.tables_removed == ("sentences",)
    assert f"Table removed ({n} rows)." in format_diff(reverse)


def test_examples_are_capped_and_long_values_shortened() -> None:
    def row(i: int, role: str, text: str) -> dict:
        return {"doc_id": "d", "index": i, "start": 0, "end": 1, "text": text, "role": role}

    old = {("d", i): row(i, "body", "x") for i in range(8)}
    new = {("d", i): row(i, "heading", "y" * 200) for i in range(8)}
    columns = ("doc_id", "index", "start", "end", "text", "role")
    table = diff_tables("sentences", old, new, columns, columns)
    assert table.changed_columns() == {"text": 8, "role": 8}
    versions = {f: ("1.0.0", "1.0.1") for f in ("dataset_version", "schema_version", "format_version")}
    summary = format_diff(DatasetDiff("a", "b", versions, {"sentences": table}, ("ceasefire-news", "ceasefire-news")), max_examples=3)
    assert summary.startswith("## Changes: ceasefire-news 1.0.0 → 1.0.1")
    assert "Also changed: schema version 1.0.0 → 1.0.1; format version 1.0.0 → 1.0.1." in summary
    assert "Changed rows: 8 (`text` 8, `role` 8)." in summary
    assert summary.count("\n- doc_id=") == 3
    assert "- … and 5 more" in summary
    assert "y" * 200 not in summary
    assert '`text`: `"x"` → `"' + "y" * 59 + '…`' in summary


def test_missing_directory_is_a_located_error(tmp_path: Path, current: Path) -> None:
    with pytest.raises(DatasetError, match="does not exist"):
        diff_datasets(tmp_path / "nope", current)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DatasetError, match="manifest.json is missing"):
        diff_datasets(empty, current)


def test_cli_diff_prints_release_notes(built: Path, capsys) -> None:
    from ceasefire_news.cli import main

    assert main(["diff", str(built), str(built)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("## Changes: ceasefire-news 1.1.0 (version unchanged)")
    assert "No data changes." in out
