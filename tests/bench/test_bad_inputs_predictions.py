"""Bad prediction files through `ceasefire-news evaluate`: exit 1, no traceback, file:line, doc_id and field named, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from ceasefire_news.cli import main

from ..helpers import assert_clean_failure, tree_state

DOC = "001_962f232c241942aa"
GOOD = f'{{"doc_id": "{DOC}", "start": 0, "end": 51}}'.encode()

#: name: (task, file content, fragments expected in one problem line after "<file>")
CASES: dict[str, tuple[str, bytes, list[str]]] = {
    "blank lines only": ("segmentation", b"\n" * 1000, [":1:", "empty line"]),
    "blank line between records": ("segmentation", GOOD + b"\n\n" + GOOD.replace(b"51", b"50") + b"\n", [":2:", "empty line"]),
    "whitespace line at the end": ("segmentation", GOOD + b"\n   ", [":2:", "empty line"]),
    "empty file": ("segmentation", b"", [": prediction file is empty"]),
    "huge integer": ("segmentation", f'{{"doc_id": "{DOC}", "start": 0, "end": {"9" * 5000}}}\n'.encode(), [":1", f"doc_id={DOC}", "field 'end'", "5000 characters"]),
    "negative huge integer": ("segmentation", f'{{"doc_id": "{DOC}", "start": -{"9" * 100}, "end": 3}}\n'.encode(), [":1", f"doc_id={DOC}", "field 'start'", "out of range"]),
    "100k nesting": ("segmentation", b'{"doc_id": ' + b"[" * 100_000 + b"\n", [":1:", "nested too deeply"]),
    "nested object as a value": ("segmentation", f'{{"doc_id": "{DOC}", "start": {{"a": {{"b": 1}}}}, "end": 3}}\n'.encode(), [":1", f"doc_id={DOC}", "field 'start'", "valid integer"]),
    "invalid UTF-8 on line 2": ("segmentation", GOOD + b'\n{"doc_id": "\xff"}\n', [":2:", "not valid UTF-8 at byte 13 of the line"]),
    "duplicate key": ("segmentation", f'{{"doc_id": "{DOC}", "start": 0, "start": 5, "end": 51}}\n'.encode(), [":1", f"doc_id={DOC}", "field 'start'", "duplicate key 'start'"]),
    "duplicate doc_id key": ("near_duplicate", b'{"doc_id": "a", "doc_id": "b", "group": 1}\n', [":1", "doc_id=a", "field 'doc_id'", "duplicate key"]),
    "byte order mark": ("segmentation", b"\xef\xbb\xbf" + GOOD + b"\n", [":1:", "byte order mark"]),
    "lone surrogate": ("event", f'{{"doc_id": "{DOC}", "group": "\\udc80"}}\n'.encode(), [":1", f"doc_id={DOC}", "field 'group'", "lone UTF-16 surrogate"]),
    "array record": ("segmentation", b"[1, 2, 3]\n", [":1:", "expected a JSON object, got an array"]),
    "string record": ("segmentation", b'"hello"\n', [":1:", "got a string"]),
    "trailing garbage": ("segmentation", GOOD + b" x\n", [":1:", "invalid JSON: Extra data"]),
    "truncated record": ("segmentation", GOOD[:-5] + b"\n", [":1:", "invalid JSON"]),
    "NaN score": ("event_pairs", f'{{"doc_a": "{DOC}", "doc_b": "000_a604801cb8896bbe", "score": NaN}}\n'.encode(), [":1", "field 'score'", "finite number"]),
    "unknown field": ("segmentation", f'{{"doc_id": "{DOC}", "start": 0, "end": 51, "conf": 1}}\n'.encode(), [":1", f"doc_id={DOC}", "field 'conf'", "Extra inputs"]),
    "boolean offset": ("segmentation", f'{{"doc_id": "{DOC}", "start": true, "end": 51}}\n'.encode(), [":1", f"doc_id={DOC}", "field 'start'"]),
    "end past the document": ("segmentation", f'{{"doc_id": "{DOC}", "start": 0, "end": 999999}}\n'.encode(), [":1", f"doc_id={DOC}", "field 'end'", "past the end"]),
    "control characters in doc_id": ("event", b'{"doc_id": "a\\u001b[31m", "group": 1}\n', [":1", "doc_id=a\\x1b[31m", "field 'doc_id'"]),
    "huge string value": ("event", b'{"doc_id": "' + b"x" * 1_000_000 + b'!", "group": 1}\n', [":1", "field 'doc_id'", "..."]),
    "empty group": ("event", f'{{"doc_id": "{DOC}", "group": ""}}\n'.encode(), [":1", f"doc_id={DOC}", "field 'group"]),
    "NUL byte": ("segmentation", b'{"doc_id": "a\x00"}\n', [":1:", "invalid JSON: Invalid control character"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_prediction_file(case: str, built: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    task, content, fragments = CASES[case]
    path = tmp_path / "predictions.jsonl"
    path.write_bytes(content)
    before = {**tree_state(tmp_path), **{f"built/{k}": v for k, v in tree_state(built).items()}}
    code = main(["evaluate", "--task", task, "--predictions", str(path), "--data", str(built)])
    err = capsys.readouterr().err
    assert_clean_failure(code, err, [f"{path}{fragments[0]}", *fragments[1:]])
    assert max(len(line) for line in err.splitlines()) < 1000  # one short line per problem, whatever the input
    assert {**tree_state(tmp_path), **{f"built/{k}": v for k, v in tree_state(built).items()}} == before


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_prediction_path_that_is_not_a_file(kind: str, built: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "predictions.jsonl"
    if kind == "directory":
        path.mkdir()
    before = tree_state(tmp_path)
    code = main(["evaluate", "--task", "event", "--predictions", str(path), "--data", str(built)])
    expected = "does not exist" if kind == "missing" else "is a directory"
    assert_clean_failure(code, capsys.readouterr().err, [str(path), expected])
    assert tree_state(tmp_path) == before


def test_200k_blank_lines_are_counted(built: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every blank line is a problem; the first 50 are shown, the rest counted (speed: scripts/benchmark.py)."""
    path = tmp_path / "blank.jsonl"
    path.write_bytes(b"\n" * 200_000)
    code = main(["evaluate", "--task", "event", "--predictions", str(path), "--data", str(built)])
    err = capsys.readouterr().err
    assert_clean_failure(code, err, [f"{path}:1: empty line"])
    assert err.startswith("error: 200000 problem(s) found:")
    assert err.rstrip().endswith("... and 199950 more")
