"""JSON Lines: the one reader for seed annotations and prediction files, streaming and strict, every problem located.

One JSON object per line, UTF-8, no blank lines. The reader goes through the file once, line by
line, and keeps only the validated records: time is linear in the size of the file, memory is
the records plus the longest line. Whatever the bytes, it returns records or reports located
problems to the ProblemLog; it never raises on bad content.
"""

from __future__ import annotations

import json
import re
import reprlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any, TypeVar

from pydantic import BaseModel, ValidationError

from .errors import Located, ProblemLog

M = TypeVar("M", bound=BaseModel)

#: Longest integer literal accepted, sign included. Every integer of a record fits in 64 bits
#: (at most 20 characters); Python refuses to convert more than 4300 digits at all.
MAX_INT_CHARS = 20

#: Short string values shared between records (see _LineDecoder): at most this long, this many per file.
MAX_SHARED_CHARS = 64
MAX_SHARED_STRINGS = 100_000

#: A JSON escape of a UTF-16 surrogate; only then can a decoded string hold a lone surrogate.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")

_SHORT = reprlib.Repr()
_SHORT.maxstring = 80
_SHORT.maxother = 80
_SHORT.maxlevel = 3
_SHORT.maxlist = _SHORT.maxdict = _SHORT.maxtuple = 6

#: JSON names of the Python types json.loads produces.
_JSON_TYPES = {dict: "an object", list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean", type(None): "null"}


def short_repr(value: Any) -> str:
    """A repr of value short enough for one line of an error message, however large or deep value is."""
    return _SHORT.repr(value)


class _TooLong:
    """Stands in for an integer literal too long to convert, so that its field can be named."""

    def __init__(self, chars: int) -> None:
        self.chars = chars


class _LineDecoder:
    """json.JSONDecoder that refuses duplicate keys and over-long integers instead of guessing."""

    def __init__(self) -> None:
        self.duplicates: list[str] = []
        self.too_long = False
        # Short string values (doc_ids, labels) repeat from line to line: one shared object each
        # keeps the records' memory down. json only shares keys; the cap bounds the table itself.
        self._strings: dict[str, str] = {}
        self._decoder = json.JSONDecoder(object_pairs_hook=self._object, parse_int=self._int)

    def _object(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        strings = self._strings
        for key, value in pairs:
            if key in out:
                self.duplicates.append(key)
                continue
            if type(value) is str and len(value) <= MAX_SHARED_CHARS:
                shared = strings.get(value)
                if shared is not None:
                    value = shared
                elif len(strings) < MAX_SHARED_STRINGS:
                    strings[value] = value
            out[key] = value
        return out

    def _int(self, text: str) -> int | _TooLong:
        if len(text) > MAX_INT_CHARS:
            self.too_long = True
            return _TooLong(len(text))
        return int(text)

    def decode(self, text: str) -> Any:
        """Parse one line (raises json.JSONDecodeError or RecursionError)."""
        self.duplicates = []
        self.too_long = False
        return self._decoder.decode(text)


def _locate(value: Any, wanted: Callable[[Any], bool]) -> tuple[str | None, Any] | None:
    """(dotted path like pydantic's loc, item) of the first key or value for which wanted holds, or None."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if wanted(item):
            return path or None, item
        if isinstance(item, dict):
            children = list(item.items())
        elif isinstance(item, list):
            children = list(enumerate(item))
        else:
            continue
        for key, child in reversed(children):
            where = f"{path}.{key}".lstrip(".")
            if wanted(key):
                return where, key
            stack.append((where, child))
    return None


def _is_lone_surrogate(value: Any) -> bool:
    return isinstance(value, str) and any("\ud800" <= c <= "\udfff" for c in value)


def _doc_id(raw: Any) -> str | None:
    value = raw.get("doc_id") if isinstance(raw, dict) else None
    return value if isinstance(value, str) else None


def validate_record(
    raw: Any, model: type[M], log: ProblemLog, file: str, *, line: int | None = None, row: int | None = None
) -> Located[M] | None:
    """Validate one parsed record against model; report every invalid field located, return None if any."""
    if not isinstance(raw, Mapping):
        what = "a JSON object" if line is not None else "a dict"
        log.add(file, f"expected {what}, got {_JSON_TYPES.get(type(raw), type(raw).__name__)}", line=line, row=row)
        return None
    doc_id = _doc_id(dict(raw))
    try:
        record = model.model_validate(dict(raw))
    except ValidationError as err:
        for e in err.errors():
            loc = ".".join(str(p) for p in e["loc"]) or None
            got = f" (got {short_repr(e['input'])})" if loc is not None else ""
            log.add(file, f"{e['msg']}{got}", line=line, row=row, doc_id=doc_id, field=loc)
        return None
    return Located(record, file, line=line, row=row)


def parse_line(body: bytes, decoder: _LineDecoder | None = None) -> tuple[Any, list[tuple[str, str | None]]]:
    """Parse one line's bytes into a JSON value; return it (None if unparsable) and its problems (message, field)."""
    decoder = decoder or _LineDecoder()
    if body.startswith(b"\xef\xbb\xbf"):
        return None, [("invalid JSON: the line starts with a byte order mark (BOM); save the file as UTF-8 without BOM", None)]
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as err:
        bad = body[err.start : err.start + 1]
        return None, [(f"not valid UTF-8 at byte {err.start + 1} of the line ({bad!r}: {err.reason})", None)]
    try:
        value = decoder.decode(text)
    except json.JSONDecodeError as err:
        return None, [(f"invalid JSON: {err.msg} at column {err.colno}", None)]
    except RecursionError:
        return None, [("invalid record: JSON nested too deeply (records are flat objects)", None)]
    problems: list[tuple[str, str | None]] = []
    for key in dict.fromkeys(decoder.duplicates):
        problems.append((f"duplicate key {short_repr(key)} in one object (which value is meant is ambiguous)", key))
    if decoder.too_long:
        found = _locate(value, lambda v: isinstance(v, _TooLong))
        assert found is not None
        message = f"integer with {found[1].chars} characters is out of range (at most {MAX_INT_CHARS})"
        problems.append((message, found[0]))
    if _SURROGATE_ESCAPE.search(text):
        found = _locate(value, _is_lone_surrogate)
        if found is not None:
            problems.append(("string holds a lone UTF-16 surrogate escape (not a Unicode character)", found[0]))
    return value, problems


def read_lines(stream: IO[bytes], name: str, model: type[M], log: ProblemLog, *, allow_empty: bool = False) -> list[Located[M]]:
    """Read JSON Lines from a binary stream into validated records located as name:line; report every bad line."""
    out: list[Located[M]] = []
    decoder = _LineDecoder()
    line_no = 0
    for line_no, raw in enumerate(stream, 1):
        body = raw[:-1] if raw.endswith(b"\n") else raw
        if not body.strip():
            log.add(name, "empty line (expected one JSON record per line)", line=line_no)
            continue
        value, problems = parse_line(body, decoder)
        for message, field in problems:
            log.add(name, message, line=line_no, doc_id=_doc_id(value), field=field)
        if problems:
            continue
        item = validate_record(value, model, log, name, line=line_no)
        if item is not None:
            out.append(item)
    if line_no == 0 and not allow_empty:
        log.add(name, "file is empty (expected one JSON record per line)")
    return out


def read_jsonl(path: Path | str, model: type[M], log: ProblemLog, *, allow_empty: bool = False) -> list[Located[M]]:
    """Read one JSON Lines file into validated records; every bad line, or an unreadable file, is a located problem."""
    path = Path(path)
    name = str(path)
    if path.is_dir():
        log.add(name, "is a directory, expected a JSON Lines file")
        return []
    try:
        with open(path, "rb") as stream:
            return read_lines(stream, name, model, log, allow_empty=allow_empty)
    except OSError as err:
        log.add(name, f"cannot read the file: {err.strerror or err}")
        return []
