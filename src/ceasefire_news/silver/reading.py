"""Reading raw articles: a folder of .txt files, a JSON Lines file or a Parquet file of doc_id and text.

The reader streams: it yields Arrow tables of at most `batch_size` documents (doc_id, text, sha256)
in input order and never holds the corpus. Every bad record is a located problem (file, line or
row, doc_id, field); reading goes on to the end so that one run reports all of them, and
`Reader.raise_if_any()` raises them together.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from ..errors import ProblemLog
from ..schema.models import DOC_ID_PATTERN

_DOC_ID = re.compile(DOC_ID_PATTERN)
#: The same rules for Arrow's RE2 (columnar checks of a Parquet batch). RE2's `$` is the end of the
#: text only, stricter than Python's (which also matches before a final newline): a row RE2 flags
#: goes to the record checks, which decide. PYTHON_SPACE is every character str.isspace() accepts
#: (what str.strip() removes; a test compares it with Python's own), so _BLANK_RE2 flags exactly the
#: texts `_check` calls empty.
PYTHON_SPACE = (0x9, 0xA, 0xB, 0xC, 0xD, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F, 0x205F, 0x3000)
_BLANK_RE2 = "^[" + "".join(f"\\x{{{c:x}}}" for c in PYTHON_SPACE) + "]*$"

#: Columns of a raw batch.
RAW_SCHEMA = pa.schema([("doc_id", pa.string()), ("text", pa.string()), ("sha256", pa.string())])

#: The input kinds `open_articles` recognises.
KINDS = ("txt", "jsonl", "parquet")
#: At most this many problems are kept (the count of the rest is reported).
MAX_PROBLEMS = 1000


def input_kind(path: Path) -> str | None:
    """'txt' (a folder of .txt files, or a seeds folder's articles/), 'jsonl', 'parquet', or None."""
    if path.is_dir():
        return "txt"
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json", ".ndjson"):
        return "jsonl"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    return None


@dataclass
class Reader:
    """Streams validated raw articles from one input, recording located problems."""

    path: Path
    kind: str
    batch_size: int = 1000
    log: ProblemLog = field(default_factory=ProblemLog)
    num_docs: int = 0
    num_bytes: int = 0
    #: doc_ids and their line or row, per batch, as Arrow arrays (duplicates are found at the end
    #: with one group_by, so no Python object per document is kept).
    _ids: list[pa.Array] = field(default_factory=list)
    _lines: list[pa.Array] = field(default_factory=list)
    _dropped: int = 0
    #: Running sha256 of the input as read (see input_digests).
    _digest: hashlib._Hash = field(default_factory=hashlib.sha256)

    def problem(self, file: str, message: str, **where: object) -> None:
        """Record a problem, keeping at most MAX_PROBLEMS."""
        if len(self.log.problems) < MAX_PROBLEMS:
            self.log.add(file, message, **where)  # type: ignore[arg-type]
        else:
            self._dropped += 1

    def raise_if_any(self) -> None:
        """Raise a DatasetError listing every problem found (and how many were not kept)."""
        if self._dropped:
            self.log.add(str(self.path), f"... and {self._dropped} more problem(s) not listed")
        self.log.raise_if_any()

    def batches(self) -> Iterator[pa.Table]:
        """Raw batches (doc_id, text, sha256) in input order; bad records are skipped and logged."""
        yield from self._parquet_batches() if self.kind == "parquet" else self._record_batches()
        self._check_duplicates()
        if self.num_docs == 0 and not self.log.problems:
            self.problem(str(self.path), "no articles found (expected at least one document with text)")

    def _record_batches(self) -> Iterator[pa.Table]:
        """Batches of a .txt folder or a JSON Lines file, one record at a time."""
        records = {"txt": self._txt, "jsonl": self._jsonl}[self.kind]()
        ids: list[str] = []
        texts: list[str] = []
        lines: list[int] = []
        for doc_id, text, where in records:
            at = where.get("line", where.get("row", 0))
            if not self._check(doc_id, text, where):
                continue
            ids.append(doc_id)
            texts.append(text)
            lines.append(at)
            if len(ids) == self.batch_size:
                yield self._batch(pa.array(ids, pa.string()), pa.array(texts, pa.string()), pa.array(lines, pa.int64()))
                ids, texts, lines = [], [], []
        if ids:
            yield self._batch(pa.array(ids, pa.string()), pa.array(texts, pa.string()), pa.array(lines, pa.int64()))

    def _parquet_batches(self) -> Iterator[pa.Table]:
        """Batches of a Parquet file, checked a column at a time.

        A batch whose rows all pass the columnar checks (no nulls, doc_id pattern, some non-whitespace
        text: the same rules as `_check`) is taken whole; any other batch goes through `_check` row by
        row, which decides and reports. Kept rows are re-cut into batches of exactly batch_size, as
        the record path makes them (shards are whole batches).
        """
        import pyarrow.compute as pc

        parquet = self._open_parquet()
        if parquet is None:
            return
        file = str(self.path)
        pending: list[pa.Table] = []
        held = row = 0
        for batch in self._guarded_batches(parquet, file):
            ids, texts = batch.column(0).cast(pa.string()), batch.column(1).cast(pa.string())
            rows = pa.array(range(row, row + batch.num_rows), pa.int64())
            row += batch.num_rows
            suspect = pc.or_(
                pc.invert(pc.fill_null(pc.match_substring_regex(ids, DOC_ID_PATTERN), False)),
                pc.fill_null(pc.match_substring_regex(texts, _BLANK_RE2), True),
            )
            if pc.any(suspect).as_py():  # the record checks decide and report every row of this batch
                keep = [
                    self._check(doc_id, text, {"file": file, "row": at}) if doc_id is not None and text is not None else self._null(file, at, doc_id)
                    for doc_id, text, at in zip(ids.to_pylist(), texts.to_pylist(), rows.to_pylist())
                ]
                mask = pa.array(keep, pa.bool_())
                ids, texts, rows = ids.filter(mask), texts.filter(mask), rows.filter(mask)
            pending.append(pa.table({"doc_id": ids, "text": texts, "row": rows}))
            held += len(ids)
            while held >= self.batch_size:
                whole = pa.concat_tables(pending)
                cut = whole.slice(0, self.batch_size).combine_chunks()
                pending, held = [whole.slice(self.batch_size)], held - self.batch_size
                yield self._batch(cut.column("doc_id").chunk(0), cut.column("text").chunk(0), cut.column("row").chunk(0))
        if held:
            rest = pa.concat_tables(pending).combine_chunks()
            yield self._batch(rest.column("doc_id").chunk(0), rest.column("text").chunk(0), rest.column("row").chunk(0))

    def _guarded_batches(self, parquet, file: str) -> Iterator[pa.RecordBatch]:
        """The file's record batches; a file that breaks mid-read (truncated, corrupt) is a problem of the input, not a crash."""
        try:
            yield from parquet.iter_batches(batch_size=self.batch_size, columns=["doc_id", "text"])
        except (OSError, pa.ArrowException) as err:
            self.problem(file, f"cannot read Parquet file: {err}")

    def _null(self, file: str, row: int, doc_id: str | None) -> bool:
        name = "doc_id" if doc_id is None else "text"
        self.problem(file, f"{name} is null; expected a string", row=row, doc_id=doc_id, field=name)
        return False

    def _check_duplicates(self) -> None:
        """Report every doc_id that occurs more than once, at each repeat, naming the first occurrence."""
        import pyarrow.compute as pc

        if not self._ids:
            return
        table = pa.table({"doc_id": pa.concat_arrays(self._ids), "at": pa.concat_arrays(self._lines), "n": pa.array(range(sum(len(a) for a in self._ids)))})
        counts = table.group_by("doc_id").aggregate([("doc_id", "count")])
        repeated = counts.filter(pc.greater(counts.column("doc_id_count"), 1)).column("doc_id")
        if not len(repeated):
            return
        rows = table.filter(pc.is_in(table.column("doc_id"), value_set=repeated)).sort_by("n").to_pylist()
        first: dict[str, int] = {}
        unit = "line" if self.kind == "jsonl" else "row"
        for row in rows:
            if row["doc_id"] not in first:
                first[row["doc_id"]] = row["at"]
                continue
            self.problem(
                str(self.path),
                f"duplicate doc_id {row['doc_id']!r} (first at {unit} {first[row['doc_id']]})",
                doc_id=row["doc_id"],
                field="doc_id",
                **{unit: row["at"]},
            )

    def _batch(self, ids: pa.Array, texts: pa.Array, lines: pa.Array) -> pa.Table:
        self._ids.append(ids)
        self._lines.append(lines)
        encoded = texts.cast(pa.binary()).to_pylist()
        self.num_docs += len(ids)
        self.num_bytes += sum(map(len, encoded))
        digests = [hashlib.sha256(b).hexdigest() for b in encoded]
        if self.kind == "txt":
            for doc_id, digest in zip(ids.to_pylist(), digests):
                self._digest.update(f"{doc_id}.txt {digest}\n".encode())
        return pa.table([ids, texts, pa.array(digests, pa.string())], schema=RAW_SCHEMA)

    def _check(self, doc_id: str, text: str, where: dict) -> bool:
        """Check one record's doc_id (pattern) and text (non-empty); uniqueness is checked at the end."""
        file = where.pop("file")
        if not _DOC_ID.fullmatch(doc_id):
            self.problem(file, f"invalid doc_id {doc_id!r}; expected {DOC_ID_PATTERN}", doc_id=doc_id, field="doc_id", **where)
            return False
        if not text.strip():
            self.problem(file, "article is empty (expected some non-whitespace text)", doc_id=doc_id, field="text", **where)
            return False
        return True

    def _txt(self) -> Iterator[tuple[str, str, dict]]:
        folder = self.path / "articles" if (self.path / "articles").is_dir() else self.path
        names = sorted(e.name for e in os.scandir(folder) if e.name.endswith(".txt") and e.is_file())
        if not names:
            self.problem(str(folder), "no *.txt articles found")
        for name in names:
            path = folder / name
            data = path.read_bytes()
            doc_id = name[: -len(".txt")]
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as err:
                self.problem(
                    str(path),
                    f"not valid UTF-8: byte {err.start} ({data[err.start:err.start + 1]!r}): {err.reason}",
                    doc_id=doc_id,
                    field="text",
                )
                continue
            yield doc_id, text, {"file": str(path)}

    def _jsonl(self) -> Iterator[tuple[str, str, dict]]:
        file = str(self.path)
        with open(self.path, "rb") as handle:
            line_no = 0
            for raw in handle:
                line_no += 1
                self._digest.update(raw)
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as err:
                    self.problem(file, f"not valid UTF-8 at byte {err.start} of the line", line=line_no)
                    continue
                if not line.strip():
                    self.problem(file, "empty line (expected one JSON object per line)", line=line_no)
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as err:
                    self.problem(file, f"invalid JSON: {err.msg} at column {err.colno}", line=line_no)
                    continue
                fields = self._fields(record, file, {"line": line_no})
                if fields is not None:
                    yield fields[0], fields[1], {"file": file, "line": line_no}

    def _open_parquet(self) -> object | None:
        """The input as a ParquetFile with string columns doc_id and text, or None after reporting why not."""
        import pyarrow.parquet as pq

        file = str(self.path)
        try:
            # pre_buffer=False: with the default read cache, pyarrow keeps every column chunk it has
            # read until the file is closed, so the reader held the whole compressed file by the
            # end (142 MiB of a 1M-article input; docs/performance.md). Reading without it costs the
            # same CPU on a local file and holds one row group.
            parquet = pq.ParquetFile(self.path, pre_buffer=False)
        except (OSError, pa.ArrowException) as err:
            self.problem(file, f"cannot read Parquet file: {err}")
            return None
        names = parquet.schema_arrow.names
        for missing in ("doc_id", "text"):
            if missing not in names:
                self.problem(file, f"missing column {missing!r} (expected columns doc_id and text)", field=missing)
        for extra in sorted(set(names) - {"doc_id", "text"}):
            self.problem(file, f"unknown column {extra!r} (expected columns doc_id and text)", field=extra)
        if self.log.problems:
            return None
        for name in ("doc_id", "text"):
            kind = parquet.schema_arrow.field(name).type
            if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
                self.problem(file, f"column {name!r} has type {kind}; expected string", field=name)
        return None if self.log.problems else parquet

    def _fields(self, record: object, file: str, where: dict) -> tuple[str, str] | None:
        """doc_id and text of a JSON record, or None after logging what is wrong."""
        if not isinstance(record, dict):
            self.problem(file, f"expected a JSON object, got {type(record).__name__}", **where)
            return None
        doc_id = record.get("doc_id")
        shown = doc_id if isinstance(doc_id, str) else None
        ok = True
        for name in ("doc_id", "text"):
            value = record.get(name)
            if name not in record:
                self.problem(file, f"missing field {name!r}", doc_id=shown, field=name, **where)
                ok = False
            elif not isinstance(value, str):
                self.problem(file, f"expected a string, got {json.dumps(value)[:40]}", doc_id=shown, field=name, **where)
                ok = False
        for extra in sorted(set(record) - {"doc_id", "text"}):
            self.problem(file, f"unknown field {extra!r} (expected doc_id and text)", doc_id=shown, field=extra, **where)
            ok = False
        return (record["doc_id"], record["text"]) if ok else None

    def input_digests(self) -> dict[str, str]:
        """Input checksums for the manifest, once every batch was read.

        A JSON Lines or Parquet input is one file and gets its sha256. A folder gets one entry (a
        manifest line per file would grow with the corpus): the sha256 of the lines
        "<name> <sha256 of the file>\\n" of its .txt files in name order.
        """
        if self.kind == "jsonl":
            return {self.path.name: self._digest.hexdigest()}
        if self.kind == "parquet":
            return {self.path.name: _sha256_file(self.path)}
        rel = "articles/*.txt" if (self.path / "articles").is_dir() else "*.txt"
        return {rel: self._digest.hexdigest()}


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def open_articles(path: Path | str, batch_size: int = 1000) -> Reader:
    """A Reader for a folder of .txt files (or a seeds folder), a .jsonl or a .parquet file."""
    path = Path(path)
    log = ProblemLog()
    if not path.exists():
        log.add(str(path), "input does not exist (expected a folder of .txt files, a .jsonl or a .parquet file)")
        log.raise_if_any()
    kind = input_kind(path)
    if kind is None:
        log.add(str(path), "unknown input type (expected a folder of .txt files, a .jsonl or a .parquet file)")
        log.raise_if_any()
    return Reader(path, kind, batch_size=batch_size)
