"""The tables (configs) of the dataset: declared datasets.Features and Arrow schemas per model."""

from __future__ import annotations

from dataclasses import dataclass

import datasets
import pyarrow as pa

from .models import (
    ENTITY_LABELS,
    NER_TAGS,
    RELATIONS,
    ROLES,
    Document,
    DuplicateGroups,
    Mention,
    NerRow,
    Pair,
    Record,
    Sentence,
)

SPLIT = "test"


@dataclass(frozen=True)
class Table:
    """One config of the dataset: its record model, declared schemas and key."""

    name: str
    model: type[Record]
    features: datasets.Features
    arrow_schema: pa.Schema
    key: tuple[str, ...]
    description: str

    @property
    def class_labels(self) -> dict[str, datasets.ClassLabel]:
        """ClassLabel columns (plain or inside a list) by column name."""
        out = {}
        for name, feature in self.features.items():
            inner = getattr(feature, "feature", feature)
            if isinstance(inner, datasets.ClassLabel):
                out[name] = inner
        return out

    def to_row(self, record: Record) -> dict:
        """Turn a record into a table row (label strings become ClassLabel ints)."""
        row = record.model_dump()
        for name, label in self.class_labels.items():
            value = row[name]
            row[name] = [label.str2int(v) for v in value] if isinstance(value, list) else label.str2int(value)
        return {name: row[name] for name in self.features}

    def from_row(self, row: dict) -> Record:
        """Turn a table row back into a validated record."""
        row = dict(row)
        for name, label in self.class_labels.items():
            value = row[name]
            row[name] = [label.int2str(v) for v in value] if isinstance(value, list) else label.int2str(value)
        return self.model.model_validate(row)


def _fields(*fields: pa.Field) -> pa.Schema:
    return pa.schema(list(fields))


_STR = datasets.Value("string")
_I32 = datasets.Value("int32")

DOCUMENTS = Table(
    name="documents",
    model=Document,
    features=datasets.Features(
        {
            "doc_id": _STR,
            "text": _STR,
            "title": _STR,
            "sha256": _STR,
            "num_chars": _I32,
            "num_sentences": _I32,
        }
    ),
    arrow_schema=_fields(
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("title", pa.string(), nullable=True),
        pa.field("sha256", pa.string(), nullable=False),
        pa.field("num_chars", pa.int32(), nullable=False),
        pa.field("num_sentences", pa.int32(), nullable=False),
    ),
    key=("doc_id",),
    description="One row per article: the full text, its title and its checksum.",
)

SENTENCES = Table(
    name="sentences",
    model=Sentence,
    features=datasets.Features(
        {
            "doc_id": _STR,
            "index": _I32,
            "start": _I32,
            "end": _I32,
            "text": _STR,
            "role": datasets.ClassLabel(names=list(ROLES)),
        }
    ),
    arrow_schema=_fields(
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("index", pa.int32(), nullable=False),
        pa.field("start", pa.int32(), nullable=False),
        pa.field("end", pa.int32(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("role", pa.int64(), nullable=False),
    ),
    key=("doc_id", "index"),
    description="One row per gold segment (sentence, title, heading, list item or boilerplate).",
)

ENTITIES = Table(
    name="entities",
    model=Mention,
    features=datasets.Features(
        {
            "doc_id": _STR,
            "mention_id": _STR,
            "sentence_index": _I32,
            "start": _I32,
            "end": _I32,
            "text": _STR,
            "label": datasets.ClassLabel(names=list(ENTITY_LABELS)),
            "kb_id": _STR,
            "entity_id": _STR,
        }
    ),
    arrow_schema=_fields(
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("mention_id", pa.string(), nullable=False),
        pa.field("sentence_index", pa.int32(), nullable=False),
        pa.field("start", pa.int32(), nullable=False),
        pa.field("end", pa.int32(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("label", pa.int64(), nullable=False),
        pa.field("kb_id", pa.string(), nullable=True),
        pa.field("entity_id", pa.string(), nullable=True),
    ),
    key=("doc_id", "start", "end"),
    description="One row per gold entity mention (18 OntoNotes types) with Wikidata link and entity id.",
)

NER = Table(
    name="ner",
    model=NerRow,
    features=datasets.Features(
        {
            "doc_id": _STR,
            "sentence_index": _I32,
            "tokens": datasets.List(_STR),
            "token_starts": datasets.List(_I32),
            "token_ends": datasets.List(_I32),
            "ner_tags": datasets.List(datasets.ClassLabel(names=list(NER_TAGS))),
        }
    ),
    arrow_schema=_fields(
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("sentence_index", pa.int32(), nullable=False),
        pa.field("tokens", pa.list_(pa.string()), nullable=False),
        pa.field("token_starts", pa.list_(pa.int32()), nullable=False),
        pa.field("token_ends", pa.list_(pa.int32()), nullable=False),
        pa.field("ner_tags", pa.list_(pa.int64()), nullable=False),
    ),
    key=("doc_id", "sentence_index"),
    description="One row per segment: tokens with document offsets and IOB2 tags (CoNLL-style view).",
)

DUPLICATE_GROUPS = Table(
    name="duplicate_groups",
    model=DuplicateGroups,
    features=datasets.Features(
        {"doc_id": _STR, "near_duplicate": _STR, "event": _STR, "topic": _STR}
    ),
    arrow_schema=_fields(
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("near_duplicate", pa.string(), nullable=False),
        pa.field("event", pa.string(), nullable=False),
        pa.field("topic", pa.string(), nullable=False),
    ),
    key=("doc_id",),
    description="One row per document: its gold group at the near_duplicate, event and topic levels.",
)

PAIRS = Table(
    name="pairs",
    model=Pair,
    features=datasets.Features(
        {"doc_a": _STR, "doc_b": _STR, "relation": datasets.ClassLabel(names=list(RELATIONS))}
    ),
    arrow_schema=_fields(
        pa.field("doc_a", pa.string(), nullable=False),
        pa.field("doc_b", pa.string(), nullable=False),
        pa.field("relation", pa.int64(), nullable=False),
    ),
    key=("doc_a", "doc_b"),
    description="Every unordered document pair once, with the finest level the two share.",
)

#: Every table, in build order; the first is the default config.
TABLES: dict[str, Table] = {
    t.name: t for t in (DOCUMENTS, SENTENCES, ENTITIES, NER, DUPLICATE_GROUPS, PAIRS)
}
CONFIGS: tuple[str, ...] = tuple(TABLES)


def data_file(config: str) -> str:
    """Relative path of a config's Parquet file inside a built dataset directory."""
    return f"data/{config}/{SPLIT}-00000-of-00001.parquet"
