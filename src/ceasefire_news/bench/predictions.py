"""Prediction files of the benchmark tasks: one pydantic model per task and located reading."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator

from ..errors import Located, ProblemLog
from ..schema.models import DOC_ID_PATTERN, KB_ID_PATTERN, EntityLabel
from ..jsonl import read_jsonl, validate_record

M = TypeVar("M", bound=BaseModel)

#: What `read_predictions` accepts: a JSON Lines file, or the records already parsed into dicts.
PredictionSource = Path | str | Sequence[Mapping[str, Any]]

#: File name used in error messages when predictions are given in memory (rows are 0-based list indices).
IN_MEMORY = "<predictions>"


class Prediction(BaseModel):
    """Base of every prediction record: strict types, unknown fields rejected, immutable."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class GroupPrediction(Prediction):
    """One document's predicted cluster (tasks near_duplicate, event, topic)."""

    doc_id: str = Field(pattern=DOC_ID_PATTERN, description="Id of a gold document (doc_id of the documents table).")
    group: Annotated[str, StringConstraints(min_length=1)] | int = Field(
        description=(
            "Predicted cluster label: any non-empty string or integer. Documents with equal labels form one "
            "cluster; labels are compared as JSON values, so 1 and \"1\" are different clusters."
        )
    )


class PairScore(Prediction):
    """A predicted score for one unordered document pair (tasks *_pairs); higher means more related."""

    doc_a: str = Field(pattern=DOC_ID_PATTERN, description="One document id of the pair (either order is accepted).")
    doc_b: str = Field(pattern=DOC_ID_PATTERN, description="The other document id of the pair; must differ from doc_a.")
    score: float = Field(
        allow_inf_nan=False,
        description="Finite score; the pair is predicted positive at threshold t when score >= t.",
    )


class _SpanPrediction(Prediction):
    """A predicted half-open character span of a document."""

    doc_id: str = Field(pattern=DOC_ID_PATTERN, description="Id of a gold document (doc_id of the documents table).")
    start: int = Field(ge=0, description="Start offset (Python str index, inclusive) into the document text.")
    end: int = Field(ge=1, description="End offset (Python str index, exclusive); greater than start.")

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, end: int, info: ValidationInfo) -> int:
        start = info.data.get("start")
        if isinstance(start, int) and end <= start:
            raise ValueError(f"end ({end}) must be greater than start ({start})")
        return end


class EntityPrediction(_SpanPrediction):
    """One predicted entity mention (task ner)."""

    label: EntityLabel = Field(description="OntoNotes 5 entity type (one of the 18 labels).")


class LinkPrediction(_SpanPrediction):
    """One predicted Wikidata link for a mention span (task linking)."""

    kb_id: str | None = Field(
        pattern=KB_ID_PATTERN, description="Predicted Wikidata item (Q number) of the mention, or null for no link."
    )


class SegmentPrediction(_SpanPrediction):
    """One predicted segment (sentence, title, heading, ...) of a document (task segmentation)."""


class AlignmentScore(Prediction):
    """A predicted score for one cross-document pair of gold segments (task sentence_alignment); higher = more alike."""

    doc_a: str = Field(pattern=DOC_ID_PATTERN, description="Document of one segment (either order is accepted).")
    index_a: int = Field(ge=0, description="Index of that segment in doc_a (the sentences table's index).")
    doc_b: str = Field(pattern=DOC_ID_PATTERN, description="Document of the other segment; must differ from doc_a.")
    index_b: int = Field(ge=0, description="Index of the other segment in doc_b.")
    score: float = Field(
        allow_inf_nan=False,
        description="Finite score; pairs left out of the file score lower than every pair given.",
    )


class CoreferencePrediction(_SpanPrediction):
    """The predicted cross-document cluster of one gold mention (task entity_coreference)."""

    cluster: Annotated[str, StringConstraints(min_length=1)] | int = Field(
        description=(
            "Predicted entity cluster: any non-empty string or integer. Mentions with equal values (as JSON "
            "values: 1 and \"1\" differ) corefer; gold mentions left out are singletons."
        )
    )


#: The record model of each task's prediction file, by task name.
PREDICTION_MODELS: dict[str, type[BaseModel]] = {
    "near_duplicate": GroupPrediction,
    "event": GroupPrediction,
    "topic": GroupPrediction,
    "near_duplicate_pairs": PairScore,
    "event_pairs": PairScore,
    "topic_pairs": PairScore,
    "ner": EntityPrediction,
    "linking": LinkPrediction,
    "segmentation": SegmentPrediction,
    "sentence_alignment": AlignmentScore,
    "entity_coreference": CoreferencePrediction,
}

CLUSTERING_TASKS: tuple[str, ...] = ("near_duplicate", "event", "topic")
PAIR_TASKS: tuple[str, ...] = ("near_duplicate_pairs", "event_pairs", "topic_pairs")
SPAN_TASKS: tuple[str, ...] = ("ner", "linking", "segmentation")


def read_predictions(
    task: str,
    source: PredictionSource,
    documents: Mapping[str, str] | None = None,
    segments: Mapping[str, int] | None = None,
) -> list[Located]:
    """Read and check a task's predictions; raise DatasetError listing every located problem.

    `documents` maps each gold doc_id to its text. When given, the predictions are also checked
    against the gold: unknown doc_ids, missing documents or pairs, spans outside the text.
    `segments` maps each doc_id to its number of gold segments (checks segment indices of
    sentence_alignment). Pair records come back normalised so that doc_a < doc_b.
    """
    if task not in PREDICTION_MODELS:
        raise ValueError(f"unknown task {task!r}; expected one of {', '.join(PREDICTION_MODELS)}")
    model = PREDICTION_MODELS[task]
    log = ProblemLog()
    items, name = _read_source(source, model, log)
    if not items and not log.problems:
        log.add(name, "prediction file is empty (expected at least one JSON record)")
    if task in CLUSTERING_TASKS:
        _check_groups(items, name, documents, log)
    elif task in PAIR_TASKS:
        items = _check_pairs(items, name, documents, log)
    elif task == "sentence_alignment":
        items = _check_segment_pairs(items, segments, log)
    else:
        _check_spans(items, documents, log)
    log.raise_if_any()
    return items


def _read_source(source: PredictionSource, model: type[M], log: ProblemLog) -> tuple[list[Located[M]], str]:
    """Validate records from a JSONL file or an in-memory list; return them and the name used in messages."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.exists():
            log.add(str(path), "prediction file does not exist")
            return [], str(path)
        return read_jsonl(path, model, log, allow_empty=True), str(path)
    if isinstance(source, Mapping) or not isinstance(source, Sequence):
        raise TypeError(f"predictions must be a path or a list of dicts, not {type(source).__name__}")
    out: list[Located[M]] = []
    for row, raw in enumerate(source):
        item = validate_record(raw, model, log, IN_MEMORY, row=row)
        if item is not None:
            out.append(item)
    return out, IN_MEMORY


def _check_groups(
    items: list[Located[GroupPrediction]], name: str, documents: Mapping[str, str] | None, log: ProblemLog
) -> None:
    """Exactly one record per gold document: no duplicates, no unknown ids, no missing document."""
    seen: dict[str, Located] = {}
    for item in items:
        doc_id = item.record.doc_id
        if doc_id in seen:
            log.at(item, f"duplicate doc_id {doc_id!r} (first given at {_where(seen[doc_id])})", "doc_id")
            continue
        seen[doc_id] = item
        if documents is not None and doc_id not in documents:
            log.at(item, f"unknown doc_id {doc_id!r} (no such gold document)", "doc_id")
    if documents is not None and items:
        for doc_id in sorted(set(documents) - set(seen)):
            log.add(name, f"missing document {doc_id!r}: expected exactly one record per gold document", doc_id=doc_id, field="doc_id")


def _check_pairs(
    items: list[Located[PairScore]], name: str, documents: Mapping[str, str] | None, log: ProblemLog
) -> list[Located[PairScore]]:
    """Every unordered pair of gold documents exactly once; return the records with doc_a < doc_b."""
    out: list[Located[PairScore]] = []
    seen: dict[tuple[str, str], Located] = {}
    for item in items:
        rec = item.record
        if rec.doc_a == rec.doc_b:
            log.at(item, f"self-pair: doc_a and doc_b are both {rec.doc_a!r}", "doc_b")
            continue
        unknown = [f for f in ("doc_a", "doc_b") if documents is not None and getattr(rec, f) not in documents]
        for f in unknown:
            log.at(item, f"unknown {f} {getattr(rec, f)!r} (no such gold document)", f)
        if unknown:
            continue
        if rec.doc_a > rec.doc_b:
            rec = rec.model_copy(update={"doc_a": rec.doc_b, "doc_b": rec.doc_a})
            item = Located(rec, item.file, line=item.line, row=item.row)
        key = (rec.doc_a, rec.doc_b)
        if key in seen:
            log.at(item, f"duplicate pair {key[0]!r}, {key[1]!r} (first given at {_where(seen[key])})", "doc_a")
            continue
        seen[key] = item
        out.append(item)
    if documents is not None and items:
        ids = sorted(documents)
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                if (a, b) not in seen:
                    log.add(name, f"missing pair {a!r}, {b!r}: expected every unordered pair of gold documents once")
    return out


def _check_segment_pairs(
    items: list[Located[AlignmentScore]], segments: Mapping[str, int] | None, log: ProblemLog
) -> list[Located[AlignmentScore]]:
    """Known segments of two different documents, each pair at most once; return them with doc_a < doc_b."""
    out: list[Located[AlignmentScore]] = []
    seen: dict[tuple, Located] = {}
    for item in items:
        rec = item.record
        bad = False
        for side in ("a", "b"):
            doc_id, index = getattr(rec, f"doc_{side}"), getattr(rec, f"index_{side}")
            if segments is None:
                continue
            if doc_id not in segments:
                log.add(item.file, f"unknown doc_{side} {doc_id!r} (no such gold document)", line=item.line, row=item.row, doc_id=doc_id, field=f"doc_{side}")
                bad = True
            elif index >= segments[doc_id]:
                log.add(item.file, f"index_{side} {index} out of range: {doc_id!r} has {segments[doc_id]} gold segments", line=item.line, row=item.row, doc_id=doc_id, field=f"index_{side}")
                bad = True
        if bad:
            continue
        if rec.doc_a == rec.doc_b:
            log.add(item.file, f"doc_a and doc_b are both {rec.doc_a!r}; only cross-document pairs are scored", line=item.line, row=item.row, doc_id=rec.doc_a, field="doc_b")
            continue
        if rec.doc_a > rec.doc_b:
            rec = rec.model_copy(update={"doc_a": rec.doc_b, "index_a": rec.index_b, "doc_b": rec.doc_a, "index_b": rec.index_a})
            item = Located(rec, item.file, line=item.line, row=item.row)
        key = (rec.doc_a, rec.index_a, rec.doc_b, rec.index_b)
        if key in seen:
            log.add(item.file, f"duplicate pair {key} (first given at {_where(seen[key])})", line=item.line, row=item.row, doc_id=rec.doc_a, field="index_a")
            continue
        seen[key] = item
        out.append(item)
    return out


def _check_spans(items: list[Located], documents: Mapping[str, str] | None, log: ProblemLog) -> None:
    """Spans must be in a known document, inside its text, and given once per (doc_id, start, end)."""
    seen: dict[tuple[str, int, int], Located] = {}
    for item in items:
        rec = item.record
        if documents is not None:
            if rec.doc_id not in documents:
                log.at(item, f"unknown doc_id {rec.doc_id!r} (no such gold document)", "doc_id")
                continue
            size = len(documents[rec.doc_id])
            if rec.end > size:
                log.at(item, f"end {rec.end} is past the end of the document ({size} characters)", "end")
                continue
        key = (rec.doc_id, rec.start, rec.end)
        if key in seen:
            log.at(item, f"duplicate span [{rec.start}, {rec.end}) (first given at {_where(seen[key])})", "start")
            continue
        seen[key] = item


def _where(item: Located) -> str:
    """Short location of a record for cross-references in messages."""
    if item.line is not None:
        return f"line {item.line}"
    return f"row {item.row}"
