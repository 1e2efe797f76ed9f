"""The tables (configs) of the dataset: declared columns, their `datasets.Features` and Arrow schemas per model.

Columns are declared with three small feature classes (Value, ClassLabel, List) that mirror the
`datasets` ones, so that reading, building and validating a dataset never imports `datasets`
(about two CPU seconds of start-up); `Table.features` builds the real `datasets.Features` on
first use, and tests/schema/test_schemas.py checks both forms agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Union

import pyarrow as pa

from .rules import ALIGNMENT_RELATIONS, ENTITY_LABELS, NER_TAGS, PAIR_LABELS, RELATIONS, ROLES

if TYPE_CHECKING:
    import datasets

    from .models import Record

SPLIT = "test"

#: Arrow type of each `datasets.Value` dtype used here.
_ARROW_VALUES: dict[str, pa.DataType] = {"string": pa.string(), "int32": pa.int32(), "int64": pa.int64(), "float32": pa.float32(), "float64": pa.float64()}


@dataclass(frozen=True)
class Value:
    """A scalar column, as `datasets.Value(dtype)`."""

    dtype: str

    def to_dict(self) -> dict[str, Any]:
        """The `datasets` serialisation of this feature."""
        return {"dtype": self.dtype, "_type": "Value"}

    def arrow_type(self) -> pa.DataType:
        """The Arrow type the column is stored as."""
        return _ARROW_VALUES[self.dtype]


@dataclass(frozen=True)
class ClassLabel:
    """A categorical column, as `datasets.ClassLabel(names=...)`.

    Parquet stores the label *names* (dictionary-encoded strings), so duckdb, polars and pandas see
    names; the `huggingface` metadata declares a ClassLabel, so `datasets` casts them to the integer
    index on load, as before.
    """

    names: tuple[str, ...]

    @property
    def num_classes(self) -> int:
        """Number of labels."""
        return len(self.names)

    def str2int(self, name: str) -> int:
        """Index of a label name."""
        return self.names.index(name)

    def int2str(self, index: int) -> str:
        """Name of a label index."""
        return self.names[index]

    def to_dict(self) -> dict[str, Any]:
        """The `datasets` serialisation of this feature."""
        return {"names": list(self.names), "_type": "ClassLabel"}

    def arrow_type(self) -> pa.DataType:
        """The Arrow type the column is stored as: the label name."""
        return pa.string()


@dataclass(frozen=True)
class List:
    """A list column, as `datasets.List(feature)`."""

    feature: Union[Value, ClassLabel]

    def to_dict(self) -> dict[str, Any]:
        """The `datasets` serialisation of this feature."""
        return {"feature": self.feature.to_dict(), "_type": "List"}

    def arrow_type(self) -> pa.DataType:
        """The Arrow type the column is stored as."""
        return pa.list_(self.feature.arrow_type())


Feature = Union[Value, ClassLabel, List]


@dataclass(frozen=True)
class Table:
    """One config of the dataset: its record model, declared columns and schemas, and key."""

    name: str
    model_name: str
    columns: dict[str, Feature]
    arrow_schema: pa.Schema
    key: tuple[str, ...]
    description: str

    @cached_property
    def model(self) -> type[Record]:
        """The pydantic model of a row (schema/models.py), imported on first use: reading a valid table needs none."""
        from . import models

        return getattr(models, self.model_name)

    @cached_property
    def features(self) -> datasets.Features:
        """The declared columns as `datasets.Features` (imports `datasets` on first use)."""
        import datasets

        return datasets.Features.from_dict(self.features_dict())

    def features_dict(self) -> dict[str, Any]:
        """The `datasets` serialisation of the Features (as in the Parquet `huggingface` metadata)."""
        return {name: feature.to_dict() for name, feature in self.columns.items()}

    @cached_property
    def class_labels(self) -> dict[str, ClassLabel]:
        """ClassLabel columns (plain or inside a list) by column name (computed once per table)."""
        out = {}
        for name, feature in self.columns.items():
            inner = feature.feature if isinstance(feature, List) else feature
            if isinstance(inner, ClassLabel):
                out[name] = inner
        return out

    def to_row(self, record: Record) -> dict:
        """Turn a record into a table row (ClassLabel columns keep their label names)."""
        return {name: getattr(record, name) for name in self.columns}

    def from_row(self, row: dict) -> Record:
        """Turn a table row back into a validated record."""
        return self.model.model_validate(row)


def _table(name: str, model: str, key: tuple[str, ...], description: str, *columns: tuple[str, Feature, bool]) -> Table:
    """Declare a table's columns once: (name, feature, nullable) -> Table with its Arrow schema (model: its class name in models.py)."""
    schema = pa.schema([pa.field(col, feature.arrow_type(), nullable=nullable) for col, feature, nullable in columns])
    return Table(name, model, {col: feature for col, feature, _ in columns}, schema, key, description)


_STR = Value("string")
_I32 = Value("int32")
REQUIRED, NULLABLE = False, True

DOCUMENTS = _table(
    "documents",
    "Document",
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
    "Sentence",
    ("doc_id", "index"),
    "One row per gold segment (sentence, title, heading, list item or boilerplate).",
    ("doc_id", _STR, REQUIRED),
    ("index", _I32, REQUIRED),
    ("start", _I32, REQUIRED),
    ("end", _I32, REQUIRED),
    ("text", _STR, REQUIRED),
    ("role", ClassLabel(tuple(ROLES)), REQUIRED),
)

ENTITIES = _table(
    "entities",
    "Mention",
    ("doc_id", "start", "end"),
    "One row per gold entity mention (18 OntoNotes types) with Wikidata link and entity id.",
    ("doc_id", _STR, REQUIRED),
    ("mention_id", _STR, REQUIRED),
    ("sentence_index", _I32, REQUIRED),
    ("start", _I32, REQUIRED),
    ("end", _I32, REQUIRED),
    ("text", _STR, REQUIRED),
    ("label", ClassLabel(tuple(ENTITY_LABELS)), REQUIRED),
    ("kb_id", _STR, NULLABLE),
    ("entity_id", _STR, NULLABLE),
)

NER = _table(
    "ner",
    "NerRow",
    ("doc_id", "sentence_index"),
    "One row per segment: tokens with document offsets and IOB2 tags (CoNLL-style view).",
    ("doc_id", _STR, REQUIRED),
    ("sentence_index", _I32, REQUIRED),
    ("tokens", List(_STR), REQUIRED),
    ("token_starts", List(_I32), REQUIRED),
    ("token_ends", List(_I32), REQUIRED),
    ("ner_tags", List(ClassLabel(tuple(NER_TAGS))), REQUIRED),
)

DUPLICATE_GROUPS = _table(
    "duplicate_groups",
    "DuplicateGroups",
    ("doc_id",),
    "One row per document: its gold group at the near_duplicate, event and topic levels.",
    ("doc_id", _STR, REQUIRED),
    ("near_duplicate", _STR, REQUIRED),
    ("event", _STR, REQUIRED),
    ("topic", _STR, REQUIRED),
)

PAIRS = _table(
    "pairs",
    "Pair",
    ("doc_a", "doc_b"),
    "Every unordered document pair once, with the finest level the two share.",
    ("doc_a", _STR, REQUIRED),
    ("doc_b", _STR, REQUIRED),
    ("relation", ClassLabel(tuple(RELATIONS)), REQUIRED),
)

ALIGNMENTS = _table(
    "alignments",
    "Alignment",
    ("doc_a", "doc_b", "index_a", "index_b"),
    "One row per gold cross-document segment link (equivalent or partial), with both segment texts.",
    ("doc_a", _STR, REQUIRED),
    ("index_a", _I32, REQUIRED),
    ("doc_b", _STR, REQUIRED),
    ("index_b", _I32, REQUIRED),
    ("relation", ClassLabel(tuple(ALIGNMENT_RELATIONS)), REQUIRED),
    ("text_a", _STR, REQUIRED),
    ("text_b", _STR, REQUIRED),
)

SENTENCE_PAIRS = _table(
    "sentence_pairs",
    "SentencePair",
    ("doc_a", "doc_b", "index_a", "index_b"),
    "Every cross-document segment pair once (doc_a < doc_b), labelled unrelated, partial or equivalent.",
    ("doc_a", _STR, REQUIRED),
    ("index_a", _I32, REQUIRED),
    ("doc_b", _STR, REQUIRED),
    ("index_b", _I32, REQUIRED),
    ("label", ClassLabel(tuple(PAIR_LABELS)), REQUIRED),
    ("sentence1", _STR, REQUIRED),
    ("sentence2", _STR, REQUIRED),
)

#: The `pairs` table of a silver build: only the candidate pairs of the grouping, with their scores.
CANDIDATE_PAIRS = _table(
    "pairs",
    "CandidatePair",
    ("doc_a", "doc_b"),
    "Candidate document pairs of the silver grouping (not every pair), with their scores and the finest level the two share.",
    ("doc_a", _STR, REQUIRED),
    ("doc_b", _STR, REQUIRED),
    ("relation", ClassLabel(tuple(RELATIONS)), REQUIRED),
    ("jaccard", Value("float64"), REQUIRED),
    ("tfidf_cosine", Value("float64"), REQUIRED),
)

#: Every table, in build order; the first is the default config.
TABLES: dict[str, Table] = {
    t.name: t for t in (DOCUMENTS, SENTENCES, ENTITIES, NER, DUPLICATE_GROUPS, PAIRS, ALIGNMENTS, SENTENCE_PAIRS)
}
CONFIGS: tuple[str, ...] = tuple(TABLES)


def data_file(config: str) -> str:
    """Relative path of a config's Parquet file inside a built dataset directory."""
    return f"data/{config}/{SPLIT}-00000-of-00001.parquet"


#: Optional silver-only tables: written only when their stage is asked for (build --embeddings).
SENTENCE_EMBEDDINGS = _table(
    "sentence_embeddings",
    "SentenceEmbedding",
    ("doc_id", "index"),
    "One row per segment: its sentence embedding (silver, optional stage; the model is named in the card and manifest).",
    ("doc_id", _STR, REQUIRED),
    ("index", _I32, REQUIRED),
    ("embedding", List(Value("float32")), REQUIRED),
)
OPTIONAL_TABLES: dict[str, Table] = {SENTENCE_EMBEDDINGS.name: SENTENCE_EMBEDDINGS}

#: Tables declared differently in a silver build (see CANDIDATE_PAIRS).
SILVER_VARIANTS: dict[str, Table] = {"pairs": CANDIDATE_PAIRS}


def declared_table(config: str, silver_groups: bool = False) -> Table:
    """The declaration of a config: the silver variant when the build's groups are silver."""
    if config in OPTIONAL_TABLES:
        return OPTIONAL_TABLES[config]
    return SILVER_VARIANTS.get(config, TABLES[config]) if silver_groups else TABLES[config]
