"""The JSON Lines reader: any bytes give records or located problems, never an exception (hypothesis)."""

from __future__ import annotations

import io
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict

from ceasefire_news.errors import ProblemLog
from ceasefire_news.jsonl import MAX_INT_CHARS, parse_line, read_jsonl, read_lines

NAME = "p.jsonl"


class Rec(BaseModel):
    """A small strict record like the package's prediction and annotation models."""

    model_config = ConfigDict(extra="forbid", strict=True)
    doc_id: str
    start: int


def read(data: bytes, allow_empty: bool = False) -> tuple[list, ProblemLog]:
    log = ProblemLog()
    return read_lines(io.BytesIO(data), NAME, Rec, log, allow_empty=allow_empty), log


def line_count(data: bytes) -> int:
    """Lines as a text editor counts them: a final newline ends the last line, it does not start one."""
    return data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_give_records_or_located_problems(data: bytes) -> None:
    records, log = read(data)
    n = line_count(data)
    assert len(records) + len({p.line for p in log.problems}) <= max(n, 1)
    for item in records:
        assert item.file == NAME and 1 <= item.line <= n
    for problem in log.problems:
        assert problem.file == NAME
        assert (problem.line is not None and 1 <= problem.line <= n) or (n == 0 and "empty" in problem.message)
        assert "\n" not in str(problem)
    assert log.count == len(log.problems)


#: Pieces that make hostile lines: valid records, JSON of every shape, broken syntax and bytes.
FRAGMENTS = st.one_of(
    st.sampled_from([b"{", b"}", b"[", b"]", b'"', b":", b",", b"\\u", b"\\ud800", b"\xff", b"\xef\xbb\xbf", b"\x00",
                     b"NaN", b"-", b"1e999", b"9" * 30, b'"doc_id"', b'"start"', b" ", b"\r", b"\t"]),
    st.binary(max_size=8),
)
LINES = st.one_of(
    st.builds(lambda d, s: json.dumps({"doc_id": d, "start": s}).encode(), st.text(max_size=10), st.integers(-(10**25), 10**25)),
    st.builds(lambda v: json.dumps(v).encode(), st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                                                              lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=3), c, max_size=3),
                                                              max_leaves=8)),
    st.lists(FRAGMENTS, max_size=12).map(b"".join),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINES, max_size=12), st.booleans())
def test_every_line_is_a_record_or_a_located_problem(lines: list[bytes], final_newline: bool) -> None:
    lines = [line.replace(b"\n", b" ") for line in lines]
    data = b"\n".join(lines) + (b"\n" if final_newline and lines else b"")
    records, log = read(data, allow_empty=True)
    bad = {p.line for p in log.problems}
    good = {r.line for r in records}
    assert not (bad & good)
    assert bad | good == set(range(1, line_count(data) + 1))
    for item in records:
        raw = json.loads(lines[item.line - 1])
        assert raw == {"doc_id": item.record.doc_id, "start": item.record.start}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=20), st.integers(-(2**63), 2**63 - 1)), max_size=20))
def test_valid_records_round_trip(pairs: list[tuple[str, int]]) -> None:
    data = b"".join(json.dumps({"doc_id": d, "start": s}, ensure_ascii=False).encode() + b"\n" for d, s in pairs)
    records, log = read(data, allow_empty=True)
    assert log.count == 0
    assert [(r.record.doc_id, r.record.start, r.line) for r in records] == [(d, s, i) for i, (d, s) in enumerate(pairs, 1)]


def test_messages_of_each_kind() -> None:
    cases = {
        b'{"doc_id": "a", "doc_id": "b", "start": 1}': ("duplicate key 'doc_id'", "doc_id"),
        b'{"doc_id": "a", "start": ' + b"1" * (MAX_INT_CHARS + 1) + b"}": (f"{MAX_INT_CHARS + 1} characters is out of range", "start"),
        b"[" * 100_000: ("nested too deeply", None),
        b'{"doc_id": "\xc3"}': ("not valid UTF-8 at byte 13 of the line", None),
        b'{"doc_id": "\\udfff", "start": 1}': ("lone UTF-16 surrogate", "doc_id"),
        b"\xef\xbb\xbf{}": ("byte order mark", None),
    }
    for line, (message, field) in cases.items():
        _, problems = parse_line(line)
        assert len(problems) == 1 and message in problems[0][0] and problems[0][1] == field, (line[:40], problems)


def test_largest_int64_is_accepted() -> None:
    value, problems = parse_line(b'{"start": -9223372036854775808, "end": 9223372036854775807}')
    assert problems == [] and value == {"start": -(2**63), "end": 2**63 - 1}


def test_empty_file_named_by_path(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(b"")
    log = ProblemLog()
    assert read_jsonl(path, Rec, log) == []
    assert [str(p) for p in log.problems] == [f"{path}: file is empty (expected one JSON record per line)"]
    log = ProblemLog()
    assert read_jsonl(path, Rec, log, allow_empty=True) == [] and log.count == 0


def test_blank_lines_are_linear_and_counted() -> None:
    """200k blank lines: one located problem each, only the first ones kept (bounded memory)."""
    records, log = read(b"\n" * 200_000)
    assert records == []
    assert log.count == 200_000
    assert len(log.problems) == log.keep
    assert [p.line for p in log.problems[:3]] == [1, 2, 3]


def test_crlf_line_endings_are_accepted() -> None:
    records, log = read(b'{"doc_id": "a", "start": 1}\r\n{"doc_id": "b", "start": 2}\r\n')
    assert log.count == 0 and [r.record.doc_id for r in records] == ["a", "b"]
