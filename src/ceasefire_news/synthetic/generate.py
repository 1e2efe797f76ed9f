"""`synth`: a corpus of any size derived from the gold articles, labelled by construction, streamed to disk.

Article i of a corpus is made from a draw seeded by (seed, i) alone: its source (a gold article,
uniformly), then each transform of PLAN with its probability and drawn parameters, in PLAN order.
So a corpus is byte-identical for the same seed and gold corpus, and article i does not depend
on how many articles are written.

The labels follow from the source (LABEL_RULE): no transform changes what an article reports,
so a derived article belongs to its source's gold group at every level. Derived copies of one
source are near-duplicates of each other, of the source, and of every gold article and every
copy in the source's near-duplicate group (e.g. copies of the three wire rewrites form one
group with them); same for event and topic.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field

from ..errors import ProblemLog
from ..gold.seeds import ANNOTATIONS_DIR, default_seeds_dir, read_jsonl, read_seeds
from ..gold.segments import check_sentences
from ..schema.models import DOC_ID_PATTERN, GROUP_LEVELS, Record
from . import transforms as tf
from .transforms import Draft, Draw

#: Files of a synth output directory.
SYNTH_FILE = "synth.json"
LABELS_FILE = "labels.jsonl"
ARTICLES = {"txt": "articles", "jsonl": "articles.jsonl", "parquet": "articles.parquet"}
FORMATS = tuple(ARTICLES)
ALIGNMENTS_FILE = "alignments.jsonl"
#: Rows per Parquet row group (and per write) of articles.parquet.
BATCH_ROWS = 10_000

#: Each transform, in the order it is applied, with the probability that an article gets it.
PLAN: tuple[tuple[str, float], ...] = (
    ("substitute_sentences", 0.5),  # only for sources with gold-aligned paraphrases
    ("remove_boilerplate", 0.5),  # only for sources with boilerplate segments
    ("truncate_lead", 0.3),
    ("reorder_paragraphs", 0.3),
    ("add_boilerplate", 0.4),
    ("rewrap", 0.2),
    ("typos", 0.5),
    ("quotes_and_spaces", 0.5),
)

LABEL_RULE = (
    "Each article's near_duplicate, event and topic group is its source's gold group: the transforms "
    "(boilerplate added or removed, lead truncation keeping at least half of the segments, paragraph "
    "reordering, typos, quote and whitespace noise, hard wrapping, and substitution of segments by their "
    "gold-aligned equivalent paraphrase from a rewrite in the same near-duplicate group) change neither "
    "the story nor the event. Copies of one source are therefore near-duplicates of each other, of the "
    "source, and of every gold article and copy in the source's near-duplicate group."
)


class AlignmentLink(Record):
    """The fields synth reads from a line of annotations/alignments.jsonl (gold cross-document links)."""

    doc_a: str = Field(pattern=DOC_ID_PATTERN)
    index_a: int = Field(ge=0)
    doc_b: str = Field(pattern=DOC_ID_PATTERN)
    index_b: int = Field(ge=0)
    relation: str = Field(pattern=r"^(equivalent|partial)$")
    text_a: str = Field(min_length=1)
    text_b: str = Field(min_length=1)


@dataclass(frozen=True)
class Source:
    """A gold article ready to be transformed: its draft, gold groups and paraphrase options."""

    doc_id: str
    draft: Draft
    groups: dict[str, str]
    has_boilerplate: bool
    has_paraphrases: bool


@dataclass(frozen=True)
class Corpus:
    """The gold corpus synth derives from."""

    sources: tuple[Source, ...]
    paraphrases: dict[tuple[str, int], list[tuple[str, int, str]]]
    inputs: dict[str, str]


def read_corpus(seeds_dir: Path | str | None = None) -> Corpus:
    """Read the gold articles, segments, groups and (if present) equivalent alignments; raise on bad input."""
    import hashlib

    root = Path(seeds_dir) if seeds_dir is not None else default_seeds_dir()
    seeds = read_seeds(root, layers=("sentences",))
    log = ProblemLog()
    texts = {doc_id: a.text for doc_id, a in seeds.articles.items()}
    segments = check_sentences(texts, seeds.layers["sentences"], log)  # the build's segment invariants
    groups = {g.record.doc_id: g.record for g in seeds.groups}
    for doc_id in sorted(set(seeds.articles) - set(groups)):
        log.add(str(root / ANNOTATIONS_DIR / "duplicate_groups.jsonl"), "document has no duplicate-group row", doc_id=doc_id)
    paraphrases = _paraphrases(root / ANNOTATIONS_DIR / ALIGNMENTS_FILE, segments, groups, log)
    log.raise_if_any()
    sources = []
    for doc_id in sorted(seeds.articles):
        segs = segments[doc_id]
        d = tf.draft(doc_id, texts[doc_id], [(s.start, s.end, s.role) for s in segs])
        sources.append(
            Source(
                doc_id=doc_id,
                draft=d,
                groups={level: getattr(groups[doc_id], level) for level in GROUP_LEVELS},
                has_boilerplate=any(s.role == "boilerplate" for s in segs),
                has_paraphrases=any((doc_id, s.index) in paraphrases for s in segs),
            )
        )
    inputs = {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(seeds.inputs)}
    alignments = root / ANNOTATIONS_DIR / ALIGNMENTS_FILE
    if alignments.is_file():
        inputs[alignments.relative_to(root).as_posix()] = hashlib.sha256(alignments.read_bytes()).hexdigest()
    return Corpus(tuple(sources), paraphrases, inputs)


def _paraphrases(path: Path, segments: dict[str, list], groups: dict, log: ProblemLog) -> dict[tuple[str, int], list[tuple[str, int, str]]]:
    """Equivalent links inside one near-duplicate group, both directions; partial links are not paraphrases."""
    out: dict[tuple[str, int], list[tuple[str, int, str]]] = {}
    if not path.is_file():
        return out
    for item in read_jsonl(path, AlignmentLink, log):
        link = item.record
        ok = True
        for side in ("a", "b"):
            doc, index, text = getattr(link, f"doc_{side}"), getattr(link, f"index_{side}"), getattr(link, f"text_{side}")
            segs = segments.get(doc)
            if segs is None:
                log.at(item, f"unknown doc_{side} {doc!r} (no such article)", f"doc_{side}")
                ok = False
            elif index >= len(segs) or segs[index].text != text:
                log.at(item, f"text_{side} is not the text of segment {index} of {doc}", f"text_{side}")
                ok = False
        if not ok or link.relation != "equivalent":
            continue
        if groups.get(link.doc_a) is None or groups.get(link.doc_b) is None:
            continue
        if groups[link.doc_a].near_duplicate != groups[link.doc_b].near_duplicate:
            continue  # a paraphrase from another story's text would change the article's group
        out.setdefault((link.doc_a, link.index_a), []).append((link.doc_b, link.index_b, link.text_b))
        out.setdefault((link.doc_b, link.index_b), []).append((link.doc_a, link.index_a, link.text_a))
    for options in out.values():
        options.sort()
    return out


def doc_id_of(seed: int, i: int) -> str:
    """The doc_id of article i of the corpus with this seed."""
    return f"s{seed}_{i:09d}"


def make_article(corpus: Corpus, seed: int, i: int) -> tuple[str, str, dict[str, Any]]:
    """Article i of the corpus: (doc_id, text, label) from a draw seeded by (seed, i) alone."""
    draw = Draw("ceasefire-news synth", 1, seed, i)
    source = corpus.sources[draw.below(len(corpus.sources))]
    d = source.draft
    lineage: list[dict[str, Any]] = []
    text: str | None = None
    for name, probability in PLAN:
        applies = draw.chance(probability)  # drawn for every transform, so the draws stay aligned
        if name == "substitute_sentences" and not source.has_paraphrases:
            continue
        if name == "remove_boilerplate" and not source.has_boilerplate:
            continue
        if not applies:
            continue
        if name == "substitute_sentences":
            d, step = tf.substitute_sentences(d, draw, corpus.paraphrases, draw.choice((0.25, 0.5, 1.0)))
        elif name == "remove_boilerplate":
            d, step = tf.remove_boilerplate(d)
        elif name == "truncate_lead":
            d, step = tf.truncate_lead(d, draw)
        elif name == "reorder_paragraphs":
            d, step = tf.reorder_paragraphs(d, draw)
        elif name == "add_boilerplate":
            d, step = tf.add_boilerplate(d, draw)
        else:
            if text is None:
                text = d.text()
            if name == "rewrap":
                text, step = tf.rewrap(text, draw)
            elif name == "typos":
                text, step = tf.typos(text, draw, draw.choice((0.005, 0.01, 0.02, 0.04)))
            else:
                text, step = tf.quotes_and_spaces(text, draw, draw.choice((0.01, 0.03)))
        lineage.append(step)
    doc_id = doc_id_of(seed, i)
    label = {"doc_id": doc_id, "source": source.doc_id, **source.groups, "transforms": lineage}
    return doc_id, d.text() if text is None else text, label


class _ArticleWriter:
    """Streams articles into one of the formats; holds at most one batch."""

    def __init__(self, root: Path, fmt: str) -> None:
        self.fmt = fmt
        self.path = root / ARTICLES[fmt]
        self.ids: list[str] = []
        self.texts: list[str] = []
        self._parquet = None
        self._jsonl = None
        if fmt == "txt":
            self.path.mkdir()
        elif fmt == "jsonl":
            self._jsonl = open(self.path, "w", encoding="utf-8", newline="\n")
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            self._schema = pa.schema([pa.field("doc_id", pa.string(), nullable=False), pa.field("text", pa.string(), nullable=False)])
            self._parquet = pq.ParquetWriter(self.path, self._schema, compression="zstd", compression_level=3)

    def add(self, doc_id: str, text: str) -> None:
        if self.fmt == "txt":
            (self.path / f"{doc_id}.txt").write_bytes(text.encode("utf-8"))
        elif self._jsonl is not None:
            self._jsonl.write(json.dumps({"doc_id": doc_id, "text": text}, ensure_ascii=False) + "\n")
        else:
            self.ids.append(doc_id)
            self.texts.append(text)
            if len(self.ids) == BATCH_ROWS:
                self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self.ids:
            table = pa.Table.from_arrays([pa.array(self.ids, pa.string()), pa.array(self.texts, pa.string())], schema=self._schema)
            self._parquet.write_table(table, row_group_size=BATCH_ROWS)
            self.ids, self.texts = [], []

    def close(self) -> None:
        if self._jsonl is not None:
            self._jsonl.close()
        if self._parquet is not None:
            self._flush()
            self._parquet.close()


def synth(
    n: int,
    seed: int,
    out: Path | str,
    *,
    fmt: str = "txt",
    seeds_dir: Path | str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Write n articles derived from the gold corpus, with their labels, into out; return out.

    fmt is "txt" (articles/<doc_id>.txt), "jsonl" or "parquet" (articles.jsonl / .parquet with
    doc_id and text, which `build --seeds` reads). labels.jsonl has one line per article: doc_id,
    source, its near_duplicate, event and topic group, and the transforms applied with their
    parameters. synth.json records the seed, the plan and the input checksums. Articles are
    written as they are made (streaming). out must be absent, an empty directory or an earlier
    synth output, which is replaced atomically.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    root = Path(seeds_dir) if seeds_dir is not None else default_seeds_dir()
    corpus = read_corpus(root)

    def write(tmp: Path) -> None:
        writer = _ArticleWriter(tmp, fmt)
        sources: Counter[str] = Counter()
        applied: Counter[str] = Counter()
        with open(tmp / LABELS_FILE, "w", encoding="utf-8", newline="\n") as labels:
            for i in range(n):
                doc_id, text, label = make_article(corpus, seed, i)
                writer.add(doc_id, text)
                labels.write(json.dumps(label, ensure_ascii=False) + "\n")
                sources[label["source"]] += 1
                applied.update(step["name"] for step in label["transforms"])
                if progress is not None:
                    progress(i + 1)
        writer.close()
        meta = {
            "generator": "ceasefire-news synth",
            "format_version": 1,
            "seed": seed,
            "n": n,
            "format": fmt,
            "articles": ARTICLES[fmt],
            "labels": LABELS_FILE,
            "label_rule": LABEL_RULE,
            "plan": [{"transform": name, "probability": p} for name, p in PLAN],
            "articles_per_source": dict(sorted(sources.items())),
            "articles_per_transform": {name: applied[name] for name, _ in PLAN},
            "inputs": corpus.inputs,
        }
        (tmp / SYNTH_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8", newline="\n")

    from ..dataset.output import write_output

    return write_output(out, write, protected=[root], recognise=not_synth_output)


# --- output-path rule: the shared policy of dataset/output.py, with synth's own recogniser ---------


def is_synth_output(path: Path) -> bool:
    """True if path is a directory written by synth: a synth.json of ours and only synth's files."""
    try:
        meta = json.loads((path / SYNTH_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    names = {e.name for e in os.scandir(path)}
    return isinstance(meta, dict) and meta.get("generator") == "ceasefire-news synth" and names <= {SYNTH_FILE, LABELS_FILE, *ARTICLES.values()}


def not_synth_output(path: Path) -> str | None:
    """Why path is not an earlier synth output (None if it is one): the recogniser of the output policy."""
    return None if is_synth_output(path) else "not an earlier synth output: no synth.json of ours, or other files"
