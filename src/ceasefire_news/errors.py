"""Located errors: every problem names the file, the record and the field."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Generic, TypeVar

R = TypeVar("R")

#: Characters that must not reach a terminal raw: C0/C1 controls, DEL, and the lone surrogates
#: Python uses for undecodable bytes in file names (printing those would itself raise).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")

#: How many problems a ProblemLog keeps; beyond that it only counts them (bounded memory).
MAX_KEPT_PROBLEMS = 1000


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not valid UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _clip(text: str, limit: int = 100) -> str:
    """text, or its start and end around an ellipsis when longer than limit (ids come from user input)."""
    return text if len(text) <= limit else f"{text[: limit // 2]}...{text[-limit // 4 :]}"


def printable(text: str) -> str:
    """text with control characters and undecodable bytes escaped (safe to print, one line)."""
    return _UNPRINTABLE.sub(_escape, text)


@dataclass(frozen=True)
class Problem:
    """One invalid value, located by file, record (line or row, doc_id) and field."""

    file: str
    message: str
    line: int | None = None
    row: int | None = None
    doc_id: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        if self.row is not None:
            where += f" row {self.row}"
        record = f" doc_id={_clip(self.doc_id)}" if self.doc_id is not None else ""
        field = f" field '{_clip(self.field)}'" if self.field is not None else ""
        return printable(f"{where}{record}{field}: {self.message}")


@dataclass(frozen=True, slots=True)
class Located(Generic[R]):
    """A record together with where it was read from (a JSONL line or a Parquet row)."""

    record: R
    file: str
    line: int | None = None
    row: int | None = None

    @property
    def doc_id(self) -> str | None:
        """The record's doc_id, if it has one."""
        return getattr(self.record, "doc_id", None)


class DatasetError(Exception):
    """Raised when inputs or a built dataset are invalid; carries every problem found."""

    def __init__(self, problems: list[Problem], total: int | None = None):
        self.problems = list(problems)
        self.total = max(total if total is not None else 0, len(self.problems))
        shown = "\n".join(f"  - {p}" for p in self.problems[:50])
        more = f"\n  ... and {self.total - 50} more" if self.total > 50 else ""
        super().__init__(f"{self.total} problem(s) found:\n{shown}{more}")


class ProblemLog:
    """Collects problems so that one run reports all of them: the first ones in full, the rest as a count."""

    def __init__(self, keep: int = MAX_KEPT_PROBLEMS) -> None:
        self.problems: list[Problem] = []
        self.count = 0
        self.keep = keep

    def add(
        self,
        file: str,
        message: str,
        *,
        line: int | None = None,
        row: int | None = None,
        doc_id: str | None = None,
        field: str | None = None,
    ) -> None:
        """Record one problem (kept in full while fewer than `keep` are kept, counted always)."""
        self.count += 1
        if len(self.problems) < self.keep:
            self.problems.append(Problem(file, message, line, row, doc_id, field))

    def at(self, item: Located, message: str, field: str | None = None) -> None:
        """Record a problem located at a record."""
        self.add(item.file, message, line=item.line, row=item.row, doc_id=item.doc_id, field=field)

    def raise_if_any(self) -> None:
        """Raise a DatasetError if any problem was recorded."""
        if self.count:
            raise DatasetError(self.problems, self.count)


class Terminated(BaseException):
    """Raised in the main thread when SIGTERM or SIGHUP arrives while an output is being written."""

    def __init__(self, signum: int) -> None:
        import signal

        self.signum = signum
        super().__init__(f"stopped by {signal.Signals(signum).name}")
