"""Located errors: every problem names the file, the record and the field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

R = TypeVar("R")


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
        record = f" doc_id={self.doc_id}" if self.doc_id is not None else ""
        field = f" field '{self.field}'" if self.field is not None else ""
        return f"{where}{record}{field}: {self.message}"


@dataclass(frozen=True)
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

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        shown = "\n".join(f"  - {p}" for p in self.problems[:50])
        more = f"\n  ... and {len(self.problems) - 50} more" if len(self.problems) > 50 else ""
        super().__init__(f"{len(self.problems)} problem(s) found:\n{shown}{more}")


class ProblemLog:
    """Collects problems so that one run reports all of them, not only the first."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

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
        """Record one problem."""
        self.problems.append(Problem(file, message, line, row, doc_id, field))

    def at(self, item: Located, message: str, field: str | None = None) -> None:
        """Record a problem located at a record."""
        self.add(item.file, message, line=item.line, row=item.row, doc_id=item.doc_id, field=field)

    def raise_if_any(self) -> None:
        """Raise a DatasetError if any problem was recorded."""
        if self.problems:
            raise DatasetError(self.problems)
