"""Bad inputs: each fails with a located message (file, record, field) and leaves no output."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ceasefire_news import DatasetError, build
from ceasefire_news.cli import main

from ..helpers import assert_build_fails_located, edit_jsonl

DOC = "001_962f232c241942aa"


def edit_segments(seeds: Path, doc: str, change: Callable[[list[dict]], object]) -> Path:
    return edit_jsonl(seeds / "annotations" / "sentences" / f"{doc}.jsonl", change)


def shift_offset(seeds: Path) -> None:
    def change(records: list[dict]) -> None:
        records[3]["start"] += 1
        records[3]["end"] += 1

    edit_segments(seeds, DOC, change)


def overlap(seeds: Path) -> None:
    text = (seeds / "articles" / f"{DOC}.txt").read_text(encoding="utf-8")

    def change(records: list[dict]) -> None:
        seg = records[2]
        seg["start"] = records[1]["end"] - 8  # reach back into the previous segment
        seg["text"] = text[seg["start"] : seg["end"]]

    edit_segments(seeds, DOC, change)


def unknown_role(seeds: Path) -> None:
    edit_segments(seeds, DOC, lambda records: records[4].update(role="caption"))


def unknown_doc(seeds: Path) -> None:
    src = seeds / "annotations" / "sentences" / f"{DOC}.jsonl"
    (seeds / "annotations" / "sentences" / "999_nonexistent.jsonl").write_text(src.read_text())


def bad_utf8(seeds: Path) -> None:
    (seeds / "articles" / f"{DOC}.txt").write_bytes(b"Caf\xe9 au lait.\n")


def empty_article(seeds: Path) -> None:
    (seeds / "articles" / f"{DOC}.txt").write_bytes(b"")


def missing_annotation(seeds: Path) -> None:
    (seeds / "annotations" / "sentences" / f"{DOC}.jsonl").unlink()


def uncovered_text(seeds: Path) -> None:
    edit_segments(seeds, DOC, lambda records: records.pop(5) and [r.update(index=i) for i, r in enumerate(records)])


def bad_json(seeds: Path) -> None:
    path = seeds / "annotations" / "sentences" / f"{DOC}.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[6] = lines[6][:-1]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


CASES = {
    # name: (mutation, expected fragments of one problem line)
    "shifted offset": (shift_offset, [f"sentences/{DOC}.jsonl:4", f"doc_id={DOC}", "field 'text'", "does not equal"]),
    "overlapping segments": (overlap, [f"sentences/{DOC}.jsonl:3", "field 'start'", "overlaps the previous"]),
    "unknown role": (unknown_role, [f"sentences/{DOC}.jsonl:5", "field 'role'", "'caption'"]),
    "unknown doc_id": (unknown_doc, ["999_nonexistent.jsonl", "doc_id=999_nonexistent", "unknown doc_id"]),
    "invalid UTF-8": (bad_utf8, [f"articles/{DOC}.txt", f"doc_id={DOC}", "field 'text'", "not valid UTF-8: byte 3"]),
    "empty article": (empty_article, [f"articles/{DOC}.txt", f"doc_id={DOC}", "field 'text'", "empty"]),
    "missing annotation file": (missing_annotation, [f"sentences/{DOC}.jsonl", f"doc_id={DOC}", "missing sentences annotation file"]),
    "uncovered text": (uncovered_text, [f"sentences/{DOC}.jsonl", "is not covered by any segment"]),
    "malformed JSON": (bad_json, [f"sentences/{DOC}.jsonl:7", "invalid JSON"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_located_and_writes_nothing(case: str, seeds_copy: Path, tmp_path: Path) -> None:
    mutate, fragments = CASES[case]
    mutate(seeds_copy)
    assert_build_fails_located(seeds_copy, tmp_path / "out" / "ceasefire-news", fragments)
    assert not (tmp_path / "out").exists()


def test_cli_exits_non_zero_with_located_message(seeds_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    unknown_role(seeds_copy)
    out = tmp_path / "ds"
    assert main(["build", "--seeds", str(seeds_copy), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"{DOC}.jsonl:5 doc_id={DOC} field 'role'" in err
    assert not out.exists()


def test_failed_build_keeps_the_previous_output(seeds_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    build(seeds_copy, out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    unknown_role(seeds_copy)
    with pytest.raises(DatasetError):
        build(seeds_copy, out)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
