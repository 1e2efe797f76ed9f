"""The models are the source of truth: schema files, Arrow schemas and Features must agree with them."""

from __future__ import annotations

import typing
from pathlib import Path

import datasets
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceasefire_news.schema.models import ROLES, Sentence
from ceasefire_news.schema.schemas import json_schemas
from ceasefire_news.schema.tables import TABLES

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schema"


def test_committed_schema_files_are_fresh() -> None:
    fresh = json_schemas()
    committed = {p.name: p.read_text(encoding="utf-8") for p in SCHEMA_DIR.glob("*.schema.json")}
    assert sorted(committed) == sorted(fresh), "run: python scripts/generate_schemas.py"
    for name, text in fresh.items():
        assert committed[name] == text, f"{name} is stale; run: python scripts/generate_schemas.py"


@pytest.mark.parametrize("name", list(TABLES))
def test_features_match_model_fields(name: str) -> None:
    table = TABLES[name]
    assert set(table.features) == set(table.model.model_fields)
    assert table.arrow_schema.names == list(table.features)


@pytest.mark.parametrize("name", list(TABLES))
def test_arrow_schema_matches_features(name: str) -> None:
    """Every column is stored as `datasets` stores it, except ClassLabels, stored as names (string)."""
    table = TABLES[name]
    declared = table.arrow_schema
    derived = table.features.arrow_schema
    for field in declared:
        expected = derived.field(field.name).type
        if field.name in table.class_labels:
            expected = pa.list_(pa.string()) if pa.types.is_list(expected) else pa.string()
        assert expected == field.type, field.name
        optional = type(None) in typing.get_args(table.model.model_fields[field.name].annotation)
        assert field.nullable == optional, f"{name}.{field.name}: nullable must follow the model"


@pytest.mark.parametrize("name", list(TABLES))
def test_light_features_are_the_datasets_features(name: str) -> None:
    """The column declarations serialise exactly as the `datasets` Features they stand for."""
    table = TABLES[name]
    assert isinstance(table.features, datasets.Features)
    assert table.features.to_dict() == table.features_dict()
    assert datasets.Features.from_dict(table.features_dict()) == table.features
    for column, label in table.class_labels.items():
        inner = getattr(table.features[column], "feature", table.features[column])
        assert isinstance(inner, datasets.ClassLabel) and inner.names == list(label.names)
        assert [label.str2int(n) for n in label.names] == [inner.str2int(n) for n in inner.names]


@pytest.mark.parametrize("name", list(TABLES))
def test_class_labels_are_the_model_literals(name: str) -> None:
    table = TABLES[name]
    for column, label in table.class_labels.items():
        annotation = table.model.model_fields[column].annotation
        if typing.get_origin(annotation) is list:
            continue  # ner_tags: IOB2 names are derived from the entity labels (tested in test_entities)
        assert tuple(label.names) == typing.get_args(annotation), column


@given(
    index=st.integers(0, 10_000),
    start=st.integers(0, 10_000),
    text=st.text(min_size=1, max_size=40),
    role=st.sampled_from(ROLES),
)
def test_row_round_trip(index: int, start: int, text: str, role: str) -> None:
    record = Sentence(doc_id="d1", index=index, start=start, end=start + len(text), text=text, role=role)
    table = TABLES["sentences"]
    row = table.to_row(record)
    assert row["role"] == role  # stored by name (format 2)
    assert table.from_row(row) == record
    arrow = pa.Table.from_pylist([row], schema=table.arrow_schema)  # the row fits the declared Arrow schema
    # and `datasets` reads the stored name back as the ClassLabel index
    assert table.features.decode_example(datasets.table.cast_table_to_features(arrow, table.features).to_pylist()[0]) == {
        **row, "role": ROLES.index(role)
    }
