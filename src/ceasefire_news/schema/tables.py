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
    CandidatePair,
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

#: The `pairs` table of a silver build: only the candidate pairs of the grouping, with their scores.
CANDIDATE_PAIRS = _table(
    "pairs",
    CandidatePair,
    ("doc_a", "doc_b"),
    "Candidate document pairs of the silver grouping (not every pair), with their scores and the finest level the two share.",
    ("doc_a", _STR, REQUIRED),
    ("doc_b", _STR, REQUIRED),
    ("relation", datasets.ClassLabel(names=list(RELATIONS)), REQUIRED),
    ("jaccard", datasets.Value("float64"), REQUIRED),
    ("tfidf_cosine", datasets.Value("float64"), REQUIRED),
)

#: Every table, in build order; the first is the default config.
TABLES: dict[str, Table] = {
    t.name: t for t in (DOCUMENTS, SENTENCES, ENTITIES, NER, DUPLICATE_GROUPS, PAIRS)
}
CONFIGS: tuple[str, ...] = tuple(TABLES)


def data_file(config: str) -> str:
    """Relative path of a config's Parquet file inside a built dataset directory."""
    return f"data/{config}/{SPLIT}-00000-of-00001.parquet"


#: Tables declared differently in a silver build (see CANDIDATE_PAIRS).
SILVER_VARIANTS: dict[str, Table] = {"pairs": CANDIDATE_PAIRS}


def declared_table(config: str, silver_groups: bool = False) -> Table:
    """The declaration of a config: the silver variant when the build's groups are silver."""
    return SILVER_VARIANTS.get(config, TABLES[config]) if silver_groups else TABLES[config]
