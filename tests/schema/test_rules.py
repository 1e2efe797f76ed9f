"""The pydantic-free field rules (schema/rules.py) state exactly what the record models accept.

`columns_valid` decides, on `validate`'s success path, that every row of a base table is a valid
record without making pydantic objects; pydantic then only words a problem. So on the seed
build's rows and on every mutation of one field of one row it must agree with the models.
"""

from __future__ import annotations

import typing
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from annotated_types import Ge, MinLen
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from ceasefire_news.errors import ProblemLog
from ceasefire_news.dataset.storage import read_parquet
from ceasefire_news.gold.checks import BASE_TABLES
from ceasefire_news.schema import models
from ceasefire_news.schema.rules import RULES, SPAN_MODELS, Rule, columns_valid
from ceasefire_news.schema.tables import TABLES, data_file


def _rule_of(field) -> Rule:
    """The Rule a pydantic field declares: nullable, pattern, ge, min_length, Literal choices."""
    args = typing.get_args(field.annotation)
    nullable = type(None) in args
    inner = next((a for a in args if a is not type(None)), field.annotation) if nullable else field.annotation
    choices = typing.get_args(inner) if typing.get_origin(inner) is typing.Literal else None
    pattern = ge = min_length = None
    for meta in field.metadata:
        pattern = getattr(meta, "pattern", None) or pattern
        ge = meta.ge if isinstance(meta, Ge) else ge
        min_length = meta.min_length if isinstance(meta, MinLen) else min_length
    return Rule(nullable=nullable, pattern=pattern, ge=ge, min_length=min_length, choices=choices)


def test_rules_restate_the_model_fields() -> None:
    base = {TABLES[name].model_name for name in BASE_TABLES}
    assert set(RULES) == base
    for name in RULES:
        model = getattr(models, name)
        assert {f: _rule_of(field) for f, field in model.model_fields.items()} == RULES[name], name
    assert SPAN_MODELS == {name for name in RULES if issubclass(getattr(models, name), models.Span)}


def test_importing_the_rules_does_not_import_pydantic() -> None:
    import subprocess
    import sys

    code = "import sys, ceasefire_news.schema.rules, ceasefire_news.schema.tables; print('pydantic' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env={"PYTHONPATH": str(Path(models.__file__).parents[2])})
    assert out.stdout.strip() == "False"


def _columns(built: Path, name: str) -> dict[str, list]:
    data = pq.ParquetFile(built / data_file(name)).read()
    return {c: data.column(c).to_pylist() for c in TABLES[name].columns}


def _models_accept(name: str, columns: dict[str, list]) -> bool:
    table = TABLES[name]
    try:
        for row in zip(*columns.values()):
            table.from_row(dict(zip(columns, row)))
    except ValidationError:
        return False
    return True


def _mutated(columns: dict[str, list], column: str, row: int, value: object) -> dict[str, list]:
    out = {c: list(v) for c, v in columns.items()}
    out[column][row] = value
    return out


@pytest.mark.parametrize("name", BASE_TABLES)
def test_seed_rows_are_valid_both_ways(built: Path, name: str) -> None:
    columns = _columns(built, name)
    assert len(next(iter(columns.values()))) > 0
    assert columns_valid(TABLES[name].model_name, columns) is True
    assert _models_accept(name, columns)


#: (table, column, value) put into one row of the seed table: each breaks a rule of the model.
BAD = [
    ("documents", "doc_id", "bad id"),
    ("documents", "doc_id", "_leading"),
    ("documents", "doc_id", "doc\n"),  # Python's `$` matches before a final newline, pydantic's does not
    ("documents", "doc_id", None),
    ("documents", "text", ""),
    ("documents", "sha256", "A" * 64),
    ("documents", "sha256", "0" * 63),
    ("documents", "num_chars", 0),
    ("documents", "num_sentences", -1),
    ("sentences", "start", -1),
    ("sentences", "end", 0),
    ("sentences", "index", -3),
    ("sentences", "role", "paragraph"),
    ("sentences", "text", ""),
    ("entities", "label", "PER"),
    ("entities", "kb_id", "Q0"),
    ("entities", "kb_id", "q42"),
    ("entities", "kb_id", ""),
    ("entities", "entity_id", ""),
    ("entities", "mention_id", ""),
    ("entities", "sentence_index", -1),
    ("entities", "doc_id", "a/b"),
    ("duplicate_groups", "event", ""),
    ("duplicate_groups", "doc_id", ".hidden"),
    ("alignments", "relation", "unrelated"),
    ("alignments", "index_b", -1),
    ("alignments", "text_a", ""),
    ("alignments", "doc_b", "x y"),
]


@pytest.mark.parametrize(("name", "column", "value"), BAD)
@pytest.mark.parametrize("row", [0, -1])
def test_a_broken_rule_is_rejected_both_ways(built: Path, name: str, column: str, value: object, row: int) -> None:
    columns = _mutated(_columns(built, name), column, row, value)
    assert not _models_accept(name, columns)
    assert columns_valid(TABLES[name].model_name, columns) is False


@pytest.mark.parametrize("name", ["sentences", "entities"])
def test_span_validator_both_ways(built: Path, name: str) -> None:
    columns = _columns(built, name)
    start, end = columns["start"][0], columns["end"][0]
    for column, value in (("end", start), ("end", end + 1), ("start", end), ("start", start + 1), ("text", columns["text"][0] + "x")):
        mutated = _mutated(columns, column, 0, value)
        assert not _models_accept(name, mutated), (column, value)
        assert columns_valid(TABLES[name].model_name, mutated) is False, (column, value)


_SEED_COLUMNS: dict[str, dict[str, list]] = {}


def _seed_columns(built: Path, name: str) -> dict[str, list]:
    if name not in _SEED_COLUMNS:
        _SEED_COLUMNS[name] = _columns(built, name)
    return _SEED_COLUMNS[name]


_INT32 = st.integers(min_value=-(2**31), max_value=2**31 - 1)
_TEXT = st.one_of(
    st.text(max_size=12),
    st.text(alphabet="Q0123456789abcdefAZaz_.-/ \n", max_size=70),
    st.sampled_from(["", "Q1", "Q42", "nil:x", "body", "title", "PERSON", "equivalent", "a" * 64, "0" * 64]),
)


@st.composite
def _mutation(draw: st.DrawFn) -> tuple[str, str, int, object]:
    name = draw(st.sampled_from(BASE_TABLES))
    table = TABLES[name]
    column = draw(st.sampled_from(list(table.columns)))
    is_int = str(table.arrow_schema.field(column).type) == "int32"
    value = draw(_INT32 if is_int else _TEXT)
    if table.arrow_schema.field(column).nullable:
        value = draw(st.one_of(st.none(), st.just(value)))
    return name, column, draw(st.integers(min_value=0, max_value=3)), value


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutation=_mutation())
def test_fast_check_agrees_with_the_models_on_mutated_rows(built: Path, mutation: tuple[str, str, int, object]) -> None:
    name, column, row, value = mutation
    columns = _mutated(_seed_columns(built, name), column, row, value)
    assert columns_valid(TABLES[name].model_name, columns) is _models_accept(name, columns)


def test_read_parquet_returns_light_records_and_words_problems_through_pydantic(built: Path, tmp_path: Path) -> None:
    log = ProblemLog()
    items = read_parquet("sentences", built / data_file("sentences"), log)
    assert not log.problems and len(items) == 150
    first = items[0]
    assert (first.row, first.record.doc_id, first.record.index) == (0, first.record.doc_id, 0)
    assert not isinstance(first.record, models.Sentence)  # no pydantic object on the success path
    assert type(first.record)._fields == tuple(TABLES["sentences"].columns)
    # one bad row: the table goes through the models, which locate and word the problem
    data = pq.ParquetFile(built / data_file("sentences")).read()
    roles = data.column("role").to_pylist()
    roles[3] = "paragraph"
    bad = data.set_column(data.schema.get_field_index("role"), data.schema.field("role"), pa.array(roles, pa.string()))
    path = tmp_path / "sentences.parquet"
    pq.write_table(bad, path)
    items = read_parquet("sentences", path, log)
    assert len(items) == 149 and all(isinstance(i.record, models.Sentence) for i in items)
    (problem,) = log.problems
    assert (problem.row, problem.field, problem.doc_id) == (3, "role", data.column("doc_id")[3].as_py())
    assert "invalid record" in problem.message and "paragraph" in problem.message
