"""The tables (configs) of the dataset: declared datasets.Features and Arrow schemas per model."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

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

    @cached_property
    def class_labels(self) -> dict[str, datasets.ClassLabel]:
        """ClassLabel columns (plain or inside a list) by column name (computed once per table)."""
        out = {}
        for name, feature in self.features.items():
            inner = getattr(feature, "feature", feature)
            if isinstance(inner, datasets.ClassLabel):
                out[name] = inner
        return out

    @cached_property
    def label_ids(self) -> dict[str, dict[str, int]]:
        """Per ClassLabel column, label name -> integer value (a plain dict: datasets' str2int is slow per call)."""
        return {name: {n: i for i, n in enumerate(label.names)} for name, label in self.class_labels.items()}

    @cached_property
    def label_names(self) -> dict[str, tuple[str, ...]]:
        """Per ClassLabel column, the label names in integer order."""
        return {name: tuple(label.names) for name, label in self.class_labels.items()}

    def to_row(self, record: Record) -> dict:
        """Turn a record into a table row (label strings become ClassLabel ints)."""
        row = {name: getattr(record, name) for name in self.features}
        for name, ids in self.label_ids.items():
            value = row[name]
            row[name] = [ids[v] for v in value] if isinstance(value, list) else ids[value]
        return row

    def from_row(self, row: dict) -> Record:
        """Turn a table row back into a validated record."""
        row = dict(row)
        for name, names in self.label_names.items():
            value = row[name]
            row[name] = [_name(names, v) for v in value] if isinstance(value, list) else _name(names, value)
        return self.model.model_validate(row)


def _name(names: tuple[str, ...], value: object) -> object:
    """The label name of a ClassLabel integer, as datasets' int2str would give it (ValueError if out of range)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(names):
        return names[value]
    raise ValueError(f"Invalid integer class label {value!r}")


def _columns(*columns: tuple[str, object, bool]) -> tuple[datasets.Features, pa.Schema]:
    """Declare a table's columns once: (name, datasets feature, nullable) -> Features and Arrow schema.

    The Arrow type of each column is the one `datasets` maps the declared feature to (ClassLabel
    to int64), so the Parquet files and the Features cannot drift apart; nullability is declared
    here and tested against the pydantic model.
    """
    features = datasets.Features({name: feature for name, feature, _ in columns})
    derived = features.arrow_schema
    schema = pa.schema([pa.field(name, derived.field(name).type, nullable=nullable) for name, _, nullable in columns])
    return features, schema


def _table(name: str, model: type[Record], key: tuple[str, ...], description: str, *columns: tuple[str, object, bool]) -> Table:
    features, schema = _columns(*columns)
    return Table(name, model, features, schema, key, description)


_STR = datasets.Value("string")
_I32 = datasets.Value("int32")
REQUIRED, NULLABLE = False, True

DOCUMENTS = _table(
    "documents",
    Document,
    ("doc_id",),
    "One row per article: the full text, its title and its checksum.",
    ("doc_id", _STR, REQUIRED),
    ("text", _STR, REQUIRED),
    ("title", _STR, NULLABLE),
    ("sha256", _STR, REQUIRED),
    ("num_chars", _I32, REQUIRED),
    ("num_sentences", _I32, REQUIRED),
)

SENTENCES = _table(
    "sentences",
    Sentence,
    ("doc_id", "index"),
    "One row per gold segment (sentence, title, heading, list item or boilerplate).",
    ("doc_id", _STR, REQUIRED),
    ("index", _I32, REQUIRED),
    ("start", _I32, REQUIRED),
    ("end", _I32, REQUIRED),
    ("text", _STR, REQUIRED),
    ("role", datasets.ClassLabel(names=list(ROLES)), REQUIRED),
)

ENTITIES = _table(
    "entities",
    Mention,
    ("doc_id", "start", "end"),
    "One row per gold entity mention (18 OntoNotes types) with Wikidata link and entity id.",
    ("doc_id", _STR, REQUIRED),
    ("mention_id", _STR, REQUIRED),
    ("sentence_index", _I32, REQUIRED),
    ("start", _I32, REQUIRED),
    ("end", _I32, REQUIRED),
    ("text", _STR, REQUIRED),
    ("label", datasets.ClassLabel(names=list(ENTITY_LABELS)), REQUIRED),
    ("kb_id", _STR, NULLABLE),
    ("entity_id", _STR, NULLABLE),
)

NER = _table(
    "ner",
    NerRow,
    ("doc_id", "sentence_index"),
    "One row per segment: tokens with document offsets and IOB2 tags (CoNLL-style view).",
    ("doc_id", _STR, REQUIRED),
    ("sentence_index", _I32, REQUIRED),
    ("tokens", datasets.List(_STR), REQUIRED),
    ("token_starts", datasets.List(_I32), REQUIRED),
    ("token_ends", datasets.List(_I32), REQUIRED),
    ("ner_tags", datasets.List(datasets.ClassLabel(names=list(NER_TAGS))), REQUIRED),
)

DUPLICATE_GROUPS = _table(
    "duplicate_groups",
    DuplicateGroups,
    ("doc_id",),
    "One row per document: its gold group at the near_duplicate, event and topic levels.",
    ("doc_id", _STR, REQUIRED),
    ("near_duplicate", _STR, REQUIRED),
    ("event", _STR, REQUIRED),
    ("topic", _STR, REQUIRED),
)

PAIRS = _table(
    "pairs",
    Pair,
    ("doc_a", "doc_b"),
    "Every unordered document pair once, with the finest level the two share.",
    ("doc_a", _STR, REQUIRED),
    ("doc_b", _STR, REQUIRED),
    ("relation", datasets.ClassLabel(names=list(RELATIONS)), REQUIRED),
)

#: Every table, in build order; the first is the default config.
TABLES: dict[str, Table] = {
    t.name: t for t in (DOCUMENTS, SENTENCES, ENTITIES, NER, DUPLICATE_GROUPS, PAIRS)
}
CONFIGS: tuple[str, ...] = tuple(TABLES)


def data_file(config: str) -> str:
    """Relative path of a config's Parquet file inside a built dataset directory."""
    return f"data/{config}/{SPLIT}-00000-of-00001.parquet"
