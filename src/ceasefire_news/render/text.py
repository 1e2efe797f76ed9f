"""Rendering a built document for review: one segment per line, mentions marked [text|LABEL]."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import ValidationError

from ..dataset.load import dataset_dir
from ..errors import DatasetError, ProblemLog, printable
from ..schema.tables import TABLES, data_file


def _rows(root: Path, config: str, doc_id: str) -> list:
    """The validated rows of one document in one table; an unreadable or damaged table is a located error."""
    table = TABLES[config]
    # one file, or a silver build's shards
    paths = sorted((root / "data" / config).glob("*.parquet")) or [root / data_file(config)]
    path = paths[0].parent
    log = ProblemLog()
    try:
        data = pq.read_table([str(p) for p in paths], filters=[("doc_id", "=", doc_id)])
    except (OSError, pa.ArrowException) as err:
        log.add(str(path), f"cannot read the table: {err}; run `ceasefire-news validate {root}`")
        log.raise_if_any()
    if data.schema.remove_metadata() != table.arrow_schema:
        log.add(str(path), f"schema differs from the declared {config} schema; run `ceasefire-news validate {root}`")
        log.raise_if_any()
    rows = []
    for row_no, row in enumerate(data.to_pylist()):
        try:
            rows.append(table.from_row(row))
        except (ValidationError, ValueError, IndexError) as err:
            log.add(str(path), f"invalid record: {str(err).splitlines()[0]}", row=row_no, doc_id=doc_id)
    log.raise_if_any()
    return rows


def render_document(doc_id: str, data_dir: Path | str | None = None) -> str:
    """The document as users get it: each segment on one line with its role, mentions marked inline.

    data_dir None means the default location (built on demand); an explicit directory is only read.
    """
    root = dataset_dir(data_dir)
    docs = _rows(root, "documents", doc_id)
    if not docs:
        problem = f"unknown doc_id {doc_id!r} (no such document in this dataset)"
        log = ProblemLog()
        log.add(str(root / data_file("documents")), problem, doc_id=doc_id, field="doc_id")
        raise DatasetError(log.problems)
    text = docs[0].text
    mentions = sorted(_rows(root, "entities", doc_id), key=lambda m: m.start)
    lines = []
    for seg in sorted(_rows(root, "sentences", doc_id), key=lambda s: s.index):
        parts, cursor = [], seg.start
        for m in (m for m in mentions if m.sentence_index == seg.index):
            parts += [text[cursor : m.start], f"[{m.text}|{m.label}]"]
            cursor = m.end
        parts.append(text[cursor : seg.end])
        # One segment per line, and nothing in the text may drive the terminal (escape sequences).
        body = printable("".join(parts).replace("\n", " ⏎ "))
        lines.append(f"{seg.index:3d} {seg.role:<11} {body}")
    return "\n".join(lines)
