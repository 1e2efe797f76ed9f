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
    table = TABLES[name]
    declared = table.arrow_schema
    derived = table.features.arrow_schema
    for field in declared:
        assert derived.field(field.name).type == field.type, field.name
        optional = type(None) in typing.get_args(table.model.model_fields[field.name].annotation)
        assert field.nullable == optional, f"{name}.{field.name}: nullable must follow the model"


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
    assert isinstance(row["role"], int)
    assert table.from_row(row) == record
    pa.Table.from_pylist([row], schema=table.arrow_schema)  # the row fits the declared Arrow schema
    assert datasets.Features.from_arrow_schema(table.arrow_schema)  # and the schema is a valid Features base
