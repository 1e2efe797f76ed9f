"""Annotator's aid: give hand-written spans (surface text in reading order) their offsets.

An annotator writes a draft JSON Lines file with one record per span, in the
order the spans occur in the document, each with at least a ``text`` field (the
exact surface string) plus the hand-decided fields (``role`` for segments;
``label`` and ``referent`` for entity mentions).  This script finds each span at
its next occurrence after the previous one (for entities only at word
boundaries, so ``Russia`` never matches inside ``Russian``), writes the
records with ``start``/``end`` added, and prints the document rendered with
the spans marked so the annotator can read it back.

It decides nothing: every boundary and label comes from the draft.

Usage:
    python scripts/locate_spans.py segments DOC.txt DRAFT.jsonl OUT.jsonl
    python scripts/locate_spans.py entities DOC.txt DRAFT.jsonl OUT.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _is_word_char(ch: str) -> bool:
    return ch.isalnum()


def _find(text: str, surface: str, cursor: int, word_bounded: bool) -> int:
    pos = text.find(surface, cursor)
    while pos != -1 and word_bounded:
        before = text[pos - 1] if pos > 0 else " "
        after = text[pos + len(surface)] if pos + len(surface) < len(text) else " "
        starts_word = _is_word_char(surface[0])
        ends_word = _is_word_char(surface[-1])
        if not (starts_word and _is_word_char(before)) and not (ends_word and _is_word_char(after)):
            return pos
        pos = text.find(surface, pos + 1)
    return pos


def locate(kind: str, doc_path: Path, draft_path: Path) -> list[dict]:
    """Return the draft records with ``start``/``end`` found in reading order."""
    text = doc_path.read_bytes().decode("utf-8")
    doc_id = doc_path.stem
    out: list[dict] = []
    cursor = 0
    for line_no, line in enumerate(draft_path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        rec = json.loads(line)
        surface = rec["text"]
        pos = _find(text, surface, cursor, word_bounded=(kind == "entities"))
        if pos == -1:
            raise SystemExit(f"{draft_path}:{line_no}: {surface!r} not found after offset {cursor}")
        if kind == "segments" and text[cursor:pos].strip() not in ("", "-"):
            raise SystemExit(
                f"{draft_path}:{line_no}: text skipped before {surface!r}: {text[cursor:pos]!r}"
            )
        rec = {"doc_id": doc_id, "start": pos, "end": pos + len(surface), **rec}
        out.append(rec)
        cursor = pos + len(surface)
    return out


def render(kind: str, doc_path: Path, records: list[dict]) -> str:
    """Render the document with the located spans marked, for reading back."""
    text = doc_path.read_bytes().decode("utf-8")
    if kind == "segments":
        return "\n".join(
            f"{i:3d} {r['role']:<11} {text[r['start']:r['end']]!r}" for i, r in enumerate(records)
        )
    parts, cursor = [], 0
    for r in records:
        parts.append(text[cursor : r["start"]])
        parts.append(f"[{text[r['start']:r['end']]}|{r['label']}]")
        cursor = r["end"]
    parts.append(text[cursor:])
    return "".join(parts)


def main() -> None:
    """Entry point: locate, write, render."""
    kind, doc, draft, out = sys.argv[1:5]
    records = locate(kind, Path(doc), Path(draft))
    if kind == "segments":
        for i, r in enumerate(records):
            r["index"] = i
    keys = (
        ["doc_id", "index", "start", "end", "role", "text"]
        if kind == "segments"
        else ["doc_id", "start", "end", "text", "label", "referent"]
    )
    with open(out, "w", encoding="utf-8", newline="\n") as fh:
        for r in records:
            fh.write(json.dumps({k: r.get(k) for k in keys}, ensure_ascii=False) + "\n")
    print(render(kind, Path(doc), records))


if __name__ == "__main__":
    main()
