"""The entity layer: mention checks, Wikidata-link rules, tokenization and the IOB2 `ner` view."""

from __future__ import annotations

import bisect
import re
from array import array
from collections.abc import Iterable, Mapping
from operator import attrgetter

import pyarrow as pa

from ..dataset.storage import sort_by_key, table_schema
from ..errors import Located, ProblemLog
from ..schema.tables import TABLES
from ..schema.models import NAME_LABELS, LabelledSpan, MentionAnnotation, NerRow, Referent, Sentence
from .segments import check_span_text, group_by_doc

#: A checked mention: its located annotation and the index of the segment that contains it.
Checked = tuple[Located[MentionAnnotation], int]

# Hand-written tokenizer (no library): it must be deterministic, keep exact document offsets
# and split wherever a gold mention starts or ends, which general tokenizers (spaCy, NLTK)
# do not promise without a model download. Order matters: abbreviations and possessives first.
_TOKEN = re.compile(
    r"(?:[A-Za-z]\.){2,}"  # U.S., J.D., p.m.
    r"|['’]s\b"  # possessive 's / ’s
    r"|\d+(?:[.,:]\d+)*"  # 90, 1,000, 10:00
    r"|\w+(?:\.(?:com|org|net))?"  # words, and domains such as RT.com
    r"|\S",  # any other single character (punctuation)
)


def mention_id(m: MentionAnnotation) -> str:
    """The stable id of a mention: <doc_id>:<start>-<end>."""
    return mention_id_of(m.doc_id, m.start, m.end)


def mention_id_of(doc_id: str, start: int, end: int) -> str:
    """The stable id of the mention doc_id[start:end]."""
    return f"{doc_id}:{start}-{end}"


def check_mentions(
    texts: Mapping[str, str],
    segments: Mapping[str, list[Sentence]],
    items: list[Located[MentionAnnotation]],
    log: ProblemLog,
) -> list[Checked]:
    """Check every mention against its document and segments; return the valid ones with their segment index.

    Documents come in doc_id order and mentions in (start, end) order inside each, i.e. the key
    order of the entities table.
    """
    out: list[Checked] = []
    by_doc = group_by_doc(items)
    for doc_id in sorted(set(by_doc) - set(texts)):
        log.at(by_doc[doc_id][0], f"unknown doc_id {doc_id!r} (no such document)", "doc_id")
    for doc_id, doc_items in sorted(by_doc.items()):
        if doc_id not in texts:
            continue
        segs = segments.get(doc_id, [])
        seg_starts = [s.start for s in segs]
        prev: Located[MentionAnnotation] | None = None
        for item in sorted(doc_items, key=lambda i: (i.record.start, i.record.end)):
            m = item.record
            if not check_span_text(item, texts[doc_id], log):
                continue
            if m.text != m.text.strip():
                log.at(item, "mention starts or ends with whitespace", "text")
            if prev is not None and m.start < prev.record.end:
                log.at(
                    item,
                    f"mention {m.text!r} overlaps or nests in {prev.record.text!r} "
                    f"({prev.record.start}-{prev.record.end}); mentions are flat",
                    "start",
                )
                continue
            prev = item
            pos = bisect.bisect_right(seg_starts, m.start) - 1
            if pos < 0 or m.end > segs[pos].end:
                log.at(item, f"mention {m.start}-{m.end} is not inside exactly one segment", "end")
                continue
            _check_link(item, log)
            out.append((item, segs[pos].index))
    return out


def entity_columns(mentions: list[Checked]) -> dict[str, list]:
    """The columns of the entities table (label as names) from checked mentions, in their order."""
    records = [item.record for item, _ in mentions]
    names = ("doc_id", "start", "end", "text", "label", "kb_id", "entity_id")
    values = list(zip(*map(attrgetter(*names), records))) if records else [()] * len(names)
    columns: dict[str, list] = {name: list(v) for name, v in zip(names, values)}
    columns["mention_id"] = list(map(mention_id_of, columns["doc_id"], columns["start"], columns["end"]))
    columns["sentence_index"] = [index for _, index in mentions]
    return columns


def _check_link(item: Located[MentionAnnotation], log: ProblemLog) -> None:
    m = item.record
    if m.label not in NAME_LABELS:
        if m.kb_id is not None:
            log.at(item, f"{m.label} mentions take no kb_id (expected null)", "kb_id")
        if m.entity_id is not None:
            log.at(item, f"{m.label} mentions take no entity_id (expected null)", "entity_id")
        return
    if m.entity_id is None:
        log.at(item, f"{m.label} mention needs an entity_id (its kb_id or a nil: slug)", "entity_id")
    elif m.kb_id is not None and m.entity_id != m.kb_id:
        log.at(item, f"entity_id {m.entity_id!r} must equal kb_id {m.kb_id!r}", "entity_id")
    elif m.kb_id is None and not m.entity_id.startswith("nil:"):
        log.at(item, f"entity_id {m.entity_id!r} without kb_id must be a nil: slug", "entity_id")


def check_identities(items: Iterable[Located], log: ProblemLog) -> None:
    """One entity_id never carries two kb_ids, and one kb_id never has two entity_ids (across documents)."""
    kb_of: dict[str, tuple[str | None, Located]] = {}
    eid_of: dict[str, tuple[str | None, Located]] = {}
    for item in items:
        m = item.record
        if m.entity_id is None:
            continue
        seen = kb_of.setdefault(m.entity_id, (m.kb_id, item))
        if seen[0] != m.kb_id:
            log.at(item, f"entity_id {m.entity_id!r} has kb_id {m.kb_id!r} here but {seen[0]!r} at {_where(seen[1])}", "kb_id")
        if m.kb_id is not None:
            seen = eid_of.setdefault(m.kb_id, (m.entity_id, item))
            if seen[0] != m.entity_id:
                log.at(item, f"kb_id {m.kb_id!r} has entity_id {m.entity_id!r} here but {seen[0]!r} at {_where(seen[1])}", "entity_id")


def check_registry(items: Iterable[Located[MentionAnnotation]], registry: list[Located[Referent]], log: ProblemLog) -> None:
    """Every entity_id is a registered referent and carries the registry's kb_id."""
    known: dict[str, Referent] = {}
    for entry in registry:
        if entry.record.entity_id in known:
            log.at(entry, f"duplicate referent {entry.record.entity_id!r}", "entity_id")
        known[entry.record.entity_id] = entry.record
    for item in items:
        m = item.record
        if m.entity_id is None:
            continue
        ref = known.get(m.entity_id)
        if ref is None:
            log.at(item, f"entity_id {m.entity_id!r} is not in entity_registry.jsonl", "entity_id")
        elif ref.kb_id != m.kb_id:
            log.at(item, f"kb_id {m.kb_id!r} differs from the registry's {ref.kb_id!r} for {m.entity_id!r}", "kb_id")


def _where(item: Located) -> str:
    return f"{item.file}:{item.line}" if item.line is not None else f"{item.file} row {item.row}"


def tokenize(text: str, start: int, end: int, cuts: Iterable[int] = ()) -> list[tuple[int, int]]:
    """Token spans (document offsets) of text[start:end], split at every offset in cuts."""
    cut_list = sorted({c for c in cuts if start < c < end})
    if not cut_list:
        return [match.span() for match in _TOKEN.finditer(text, start, end)]
    spans = []
    k, n = 0, len(cut_list)
    for match in _TOKEN.finditer(text, start, end):
        a, b = match.span()
        while k < n and cut_list[k] <= a:  # tokens are increasing: one pointer replaces two bisections
            k += 1
        while k < n and cut_list[k] < b:
            spans.append((a, cut_list[k]))
            a = cut_list[k]
            k += 1
        spans.append((a, b))
    return spans


def ner_table(
    texts: Mapping[str, str],
    segments: Mapping[str, list[Sentence]],
    mentions: list[Checked],
    log: ProblemLog,
    batch_tokens: int = 1 << 16,
) -> pa.Table:
    """The ner table: one IOB2-tagged row per segment, in key order; a mention off token edges is a problem.

    Built column by column (flat token lists turned into Arrow list arrays every batch_tokens
    tokens), so no Python object per row is kept.
    """
    tag_ids = TABLES["ner"].label_ids["ner_tags"]
    schema = table_schema(TABLES["ner"])
    by_seg: dict[tuple[str, int], list[Located[MentionAnnotation]]] = {}
    for item, index in mentions:
        by_seg.setdefault((item.record.doc_id, index), []).append(item)
    batches: list[pa.Table] = []
    doc_ids: list[str] = []
    indices = array("i")
    offsets = array("i", [0])
    tokens: list[str] = []
    starts, ends, tags = array("i"), array("i"), array("q")

    def flush() -> None:
        if not doc_ids:
            return
        offs = pa.array(offsets, pa.int32())
        batches.append(
            pa.Table.from_arrays(
                [
                    pa.array(doc_ids, pa.string()),
                    pa.array(indices, pa.int32()),
                    pa.ListArray.from_arrays(offs, pa.array(tokens, pa.string())),
                    pa.ListArray.from_arrays(offs, pa.array(starts, pa.int32())),
                    pa.ListArray.from_arrays(offs, pa.array(ends, pa.int32())),
                    pa.ListArray.from_arrays(offs, pa.array(tags, pa.int64())),
                ],
                schema=schema,
            )
        )
        doc_ids.clear()
        tokens.clear()
        for buf in (indices, starts, ends, tags):
            del buf[:]
        del offsets[1:]

    for doc_id in sorted(segments):
        text = texts[doc_id]
        for seg in segments[doc_id]:
            items = by_seg.get((doc_id, seg.index), ())
            spans = tokenize(text, seg.start, seg.end, [c for i in items for c in (i.record.start, i.record.end)])
            seg_tags = [0] * len(spans)
            if items:
                first_of = {a: k for k, (a, _) in enumerate(spans)}
                last_of = {b: k for k, (_, b) in enumerate(spans)}
                for item in items:
                    m = item.record
                    if m.start not in first_of or m.end not in last_of:
                        log.at(item, f"mention {m.text!r} does not align with token boundaries", "start")
                        continue
                    first, last = first_of[m.start], last_of[m.end]
                    seg_tags[first] = tag_ids[f"B-{m.label}"]
                    inside = tag_ids[f"I-{m.label}"]
                    for k in range(first + 1, last + 1):
                        seg_tags[k] = inside
            doc_ids.append(doc_id)
            indices.append(seg.index)
            tokens.extend([text[a:b] for a, b in spans])
            starts.extend([a for a, _ in spans])
            ends.extend([b for _, b in spans])
            tags.extend(seg_tags)
            offsets.append(len(tokens))
        if len(tokens) >= batch_tokens:
            flush()
    flush()
    if not batches:
        return schema.empty_table()
    return sort_by_key(pa.concat_tables(batches).combine_chunks(), TABLES["ner"].key)


def decode_iob2(row: NerRow) -> list[tuple[str, int, int, str]]:
    """Spans (doc_id, start, end, label) encoded by a row's IOB2 tags."""
    spans: list[tuple[str, int, int, str]] = []
    current: list | None = None
    for tag, a, b in zip(row.ner_tags, row.token_starts, row.token_ends):
        if tag.startswith("I-") and current is not None and current[3] == tag[2:]:
            current[2] = b
            continue
        if current is not None:
            spans.append(tuple(current))  # type: ignore[arg-type]
            current = None
        if tag != "O":  # B-X, or a stray I-X that starts a span (lenient IOB2 decoding)
            current = [row.doc_id, a, b, tag[2:]]
    if current is not None:
        spans.append(tuple(current))  # type: ignore[arg-type]
    return spans


def span_f1(gold: Iterable[LabelledSpan], pred: Iterable[LabelledSpan]) -> float:
    """Strict span+label F1 between two annotations (symmetric; used for inter-annotator agreement)."""
    a = {(m.doc_id, m.start, m.end, m.label) for m in gold}
    b = {(m.doc_id, m.start, m.end, m.label) for m in pred}
    if not a and not b:
        return 1.0
    return 2 * len(a & b) / (len(a) + len(b))
