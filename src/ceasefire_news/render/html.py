"""An annotation viewer: one self-contained HTML page of one document, or of two side by side.

Segments with their roles, entity mentions highlighted by type (with a link to their Wikidata
item), and for a pair the aligned segments linked across the two columns when the build has an
`alignments` table (columns doc_a, index_a, doc_b, index_b, relation, text_a, text_b). The page
loads nothing: CSS and script are inline, and its Content-Security-Policy forbids any fetch.
The page skeleton is templates/viewer.html.
"""

from __future__ import annotations

import html
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ..dataset.storage import read_file
from ..schema.models import ENTITY_LABELS
from ..schema.tables import TABLES

TEMPLATE = Path(__file__).with_name("templates") / "viewer.html"
WIKIDATA = "https://www.wikidata.org/wiki/"
ALIGNMENTS = "alignments"
#: Column prefixes of the element ids, so a document shown twice still has unique ids.
COLUMNS = ("a", "b")


@dataclass(frozen=True)
class Alignment:
    """One aligned segment pair of the two documents shown, oriented left -> right."""

    left: int
    right: int
    relation: str


def _table_files(root: Path, config: str) -> list[Path]:
    """The Parquet file(s) of a table (one or several shards), in name order."""
    return sorted((root / "data" / config).glob("*.parquet"))


def _rows(root: Path, config: str, doc_column: str, doc_ids: set[str]) -> list[dict[str, Any]]:
    """Rows of a table whose doc_column is one of doc_ids, filtered with Arrow compute per file."""
    out: list[dict[str, Any]] = []
    for path in _table_files(root, config):
        table = read_file(path)  # not read_table(filters=...), whose dataset API imports pandas
        mask = pc.is_in(table[doc_column], value_set=pa.array(sorted(doc_ids), pa.string()))
        out.extend(table.filter(mask).to_pylist())
    return out


def _label(config: str, column: str, value: Any) -> Any:
    """A ClassLabel value as its name (format 2 stores names; format 1 stored indices)."""
    label = TABLES[config].class_labels.get(column)
    return label.int2str(value) if label is not None and isinstance(value, int) else value


def read_alignments(root: Path, left: str, right: str) -> list[Alignment] | None:
    """Aligned segment pairs between two documents; None if the build has no alignments table."""
    if not _table_files(root, ALIGNMENTS):
        return None
    out = []
    for row in _rows(root, ALIGNMENTS, "doc_a", {left, right}):
        relation = str(row.get("relation"))
        if (row["doc_a"], row["doc_b"]) == (left, right):
            out.append(Alignment(row["index_a"], row["index_b"], relation))
        elif (row["doc_a"], row["doc_b"]) == (right, left):
            out.append(Alignment(row["index_b"], row["index_a"], relation))
    return sorted(out, key=lambda a: (a.left, a.right, a.relation))


def render_html(doc_ids: list[str] | tuple[str, ...], data_dir: Path | str) -> str:
    """One self-contained HTML page showing one document, or two side by side with their alignments."""
    root = Path(data_dir)
    if not 1 <= len(doc_ids) <= 2:
        raise ValueError(f"show --html takes one or two doc_ids, got {len(doc_ids)}")
    wanted = set(doc_ids)
    docs = {r["doc_id"]: r for r in _rows(root, "documents", "doc_id", wanted)}
    for doc_id in doc_ids:
        if doc_id not in docs:
            raise KeyError(f"unknown doc_id {doc_id!r} in {root}")
    segments: dict[str, list[dict]] = defaultdict(list)
    for row in _rows(root, "sentences", "doc_id", wanted):
        segments[row["doc_id"]].append(row)
    mentions: dict[str, list[dict]] = defaultdict(list)
    for row in _rows(root, "entities", "doc_id", wanted) if _table_files(root, "entities") else []:
        mentions[row["doc_id"]].append(row)
    alignments = read_alignments(root, doc_ids[0], doc_ids[1]) if len(doc_ids) == 2 else None
    links: list[dict[int, list[tuple[int, str]]]] = [defaultdict(list), defaultdict(list)]
    for a in alignments or []:
        links[0][a.left].append((a.right, a.relation))
        links[1][a.right].append((a.left, a.relation))
    articles = [
        _article(COLUMNS[i], doc_id, docs[doc_id], segments[doc_id], mentions[doc_id], links[i] if alignments else {}, COLUMNS[1 - i])
        for i, doc_id in enumerate(doc_ids)
    ]
    labels = Counter(_label("entities", "label", m["label"]) for d in doc_ids for m in mentions[d])
    legend = "".join(
        f'<span class="l-{lab}">{lab} {labels[lab]}</span>' for lab in ENTITY_LABELS if labels[lab]
    )
    summary = "; ".join(
        f"{html.escape(d)}: {len(segments[d])} segments, {len(mentions[d])} entity mentions" for d in doc_ids
    )
    if len(doc_ids) == 2:
        summary += ". " + _alignment_summary(alignments)
    values = {
        "title": html.escape(" | ".join(doc_ids)),
        "heading": html.escape(" and ".join(doc_ids)),
        "summary": summary,
        "legend": legend,
        "columns": str(len(doc_ids)),
        "documents": "\n".join(articles),
    }
    return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(values)


def _alignment_summary(alignments: list[Alignment] | None) -> str:
    if alignments is None:
        return "No alignment layer in this build."
    if not alignments:
        return "The alignment layer has no segment pairs for these two documents."
    relations = Counter(a.relation for a in alignments)
    detail = ", ".join(f"{n} {html.escape(rel)}" for rel, n in sorted(relations.items()))
    return f"{len(alignments)} aligned segment pairs ({detail}); hover a segment to see its counterpart."


def _article(
    col: str,
    doc_id: str,
    doc: dict,
    segments: list[dict],
    mentions: list[dict],
    links: dict[int, list[tuple[int, str]]],
    other: str,
) -> str:
    text = doc["text"]
    by_segment: dict[int, list[dict]] = defaultdict(list)
    for m in sorted(mentions, key=lambda m: (m["start"], m["end"])):
        by_segment[m["sentence_index"]].append(m)
    items = []
    for seg in sorted(segments, key=lambda s: s["index"]):
        role = _label("sentences", "role", seg["role"])
        index = seg["index"]
        body = _mark(text, seg["start"], seg["end"], by_segment.get(index, []))
        attrs = f'id="{col}-s{index}" class="seg role-{html.escape(role)}" data-index="{index}" data-role="{html.escape(role)}"'
        aligns = ""
        if links.get(index):
            targets = sorted(links[index])
            attrs += f' data-aligned="{" ".join(f"{other}-s{t}" for t, _ in targets)}"'
            aligns = '<span class="aligns">aligned: ' + "".join(
                f'<a class="al" href="#{other}-s{t}" title="{html.escape(rel)}">&#8596;&#160;{t} {html.escape(rel)}</a>'
                for t, rel in targets
            ) + "</span>"
        items.append(
            f'<li {attrs}><span class="idx">{index}</span><span class="role">{html.escape(role)}</span>'
            f'<span class="text">{body}</span>{aligns}</li>'
        )
    title = html.escape(doc["title"]) if doc.get("title") else "<i>no title segment</i>"
    return (
        f'<article class="doc" id="doc-{col}" data-doc="{html.escape(doc_id)}">'
        f"<h2>{html.escape(doc_id)}</h2>"
        f'<p class="meta">{title} &middot; {len(segments)} segments &middot; {len(mentions)} entity mentions</p>'
        f'<ol class="segments">{"".join(items)}</ol></article>'
    )


def _mark(text: str, start: int, end: int, mentions: list[dict]) -> str:
    """The segment's text, HTML-escaped, with each mention wrapped in a <mark> (and its Wikidata link)."""
    parts, cursor = [], start
    for m in mentions:
        if m["start"] < cursor or m["end"] > end:
            continue  # mentions never overlap in a valid build; a stray one is not drawn twice
        label = _label("entities", "label", m["label"])
        surface = html.escape(text[m["start"] : m["end"]])
        kb_id = m.get("kb_id")
        if kb_id:
            surface = f'<a href="{WIKIDATA}{html.escape(kb_id)}" rel="noreferrer noopener" target="_blank">{surface}</a>'
        tip = label + (f" · {kb_id}" if kb_id else "") + (f" · {m['entity_id']}" if m.get("entity_id") and m.get("entity_id") != kb_id else "")
        parts += [
            html.escape(text[cursor : m["start"]]),
            f'<mark class="ent l-{label}" data-label="{label}" data-mention="{html.escape(m["mention_id"])}" title="{html.escape(tip)}">{surface}</mark>',
        ]
        cursor = m["end"]
    parts.append(html.escape(text[cursor:end]))
    return "".join(parts)
