"""The sentences layer: invariants of gold segments against their document text."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from ..errors import Located, ProblemLog

if TYPE_CHECKING:
    from ..schema.models import Sentence


def group_by_doc(items: Iterable[Located]) -> dict[str, list[Located]]:
    """Group located records by doc_id, keeping their order."""
    out: dict[str, list[Located]] = defaultdict(list)
    for item in items:
        out[item.record.doc_id].append(item)
    return dict(out)


def is_list_marker(text: str, pos: int) -> bool:
    """True if text[pos] is the '-' of a '- ' list marker at the start of a line."""
    return (
        text[pos] == "-"
        and (pos == 0 or text[pos - 1] == "\n")
        and pos + 1 < len(text)
        and text[pos + 1] == " "
    )


def check_span_text(item: Located, doc_text: str, log: ProblemLog) -> bool:
    """Check that a span lies inside the document and its text equals the slice; report if not."""
    rec = item.record
    if rec.end > len(doc_text):
        log.at(item, f"end {rec.end} is past the end of the document ({len(doc_text)} characters)", "end")
        return False
    actual = doc_text[rec.start : rec.end]
    if actual != rec.text:
        log.at(item, f"text {rec.text!r} does not equal document text[{rec.start}:{rec.end}] = {actual!r}", "text")
        return False
    return True


def check_sentences(
    texts: Mapping[str, str], sentences: list[Located[Sentence]], log: ProblemLog
) -> dict[str, list[Sentence]]:
    """Check the segments of every document; return the valid segments per doc_id."""
    by_doc = group_by_doc(sentences)
    for doc_id in sorted(set(by_doc) - set(texts)):
        log.at(by_doc[doc_id][0], f"unknown doc_id {doc_id!r} (no such document)", "doc_id")
    result: dict[str, list[Sentence]] = {}
    for doc_id, text in texts.items():
        items = by_doc.get(doc_id, [])
        if not items:
            log.add("<sentences>", "document has no segments", doc_id=doc_id)
            continue
        result[doc_id] = [i.record for i in items]
        _check_doc_segments(text, items, log)
    return result


def _check_doc_segments(text: str, items: list[Located[Sentence]], log: ProblemLog) -> None:
    prev_end = 0
    for position, item in enumerate(items):
        seg = item.record
        if seg.index != position:
            log.at(item, f"index {seg.index} out of order; expected {position}", "index")
        if not check_span_text(item, text, log):
            continue
        if seg.text != seg.text.strip():
            log.at(item, "segment starts or ends with whitespace; expected a stripped span", "text")
        if seg.start < prev_end:
            log.at(item, f"segment overlaps the previous one (starts at {seg.start} < previous end {prev_end})", "start")
        else:
            _check_gap(text, prev_end, seg.start, item, log)
        if seg.role == "title" and position != 0:
            log.at(item, "a title segment must be the first segment of its document", "role")
        prev_end = max(prev_end, seg.end)
    if items:
        _check_gap(text, prev_end, len(text), items[-1], log)


def _check_gap(text: str, start: int, end: int, item: Located, log: ProblemLog) -> None:
    for pos in range(start, end):
        if not text[pos].isspace() and not is_list_marker(text, pos):
            snippet = text[pos : min(end, pos + 30)]
            log.at(item, f"text at offset {pos} ({snippet!r}) is not covered by any segment", "start")
            return
