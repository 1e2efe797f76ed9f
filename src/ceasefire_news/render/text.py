"""Rendering a built document for review: one segment per line, mentions marked [text|LABEL]."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from ..schema.tables import TABLES, data_file


def _rows(root: Path, config: str, doc_id: str) -> list:
    table = TABLES[config]
    paths = sorted((root / "data" / config).glob("*.parquet")) or [root / data_file(config)]  # one file, or a silver build's shards
    data = pq.read_table([str(p) for p in paths], filters=[("doc_id", "=", doc_id)])
    return [table.from_row(r) for r in data.to_pylist()]


def render_document(doc_id: str, data_dir: Path | str) -> str:
    """The document as users get it: each segment on one line with its role, mentions marked inline."""
    root = Path(data_dir)
    docs = _rows(root, "documents", doc_id)
    if not docs:
        raise KeyError(f"unknown doc_id {doc_id!r} in {root}")
    text = docs[0].text
    mentions = sorted(_rows(root, "entities", doc_id), key=lambda m: m.start)
    lines = []
    for seg in sorted(_rows(root, "sentences", doc_id), key=lambda s: s.index):
        parts, cursor = [], seg.start
        for m in (m for m in mentions if m.sentence_index == seg.index):
            parts += [text[cursor : m.start], f"[{m.text}|{m.label}]"]
            cursor = m.end
        parts.append(text[cursor : seg.end])
        body = "".join(parts).replace("\n", " ⏎ ")
        lines.append(f"{seg.index:3d} {seg.role:<11} {body}")
    return "\n".join(lines)
