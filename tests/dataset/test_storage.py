"""Parquet writing: column-wise Arrow tables equal the row path, chunked writes give the bytes of one write."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ceasefire_news.dataset.storage import arrow_array, numpy_view, sort_by_key, table_schema, to_arrow, write_parquet
from ceasefire_news.schema.models import Sentence
from ceasefire_news.schema.tables import TABLES, data_file


def test_to_arrow_equals_from_pylist_of_rows(built: Path) -> None:
    for name in TABLES:
        table = TABLES[name]
        stored = pq.read_table(built / data_file(name))
        records = [table.from_row(r) for r in stored.to_pylist()]
        ours = to_arrow(table, records, dataset_version="1.2.3")
        plain = pa.Table.from_pylist([r.model_dump() for r in records], schema=table_schema(table, dataset_version="1.2.3"))
        assert ours.equals(plain, check_metadata=True), name
        assert ours.nbytes == plain.nbytes, name  # the card reports nbytes


def _sentences(n: int) -> list[Sentence]:
    return [Sentence(doc_id=f"d{i:02d}", index=0, start=0, end=1, text="x", role="body") for i in range(n)]


def test_sort_by_key_sorts_and_keeps_sizes() -> None:
    recs = [Sentence(doc_id=d, index=i, start=0, end=1, text="x", role="body") for d, i in [("b", 1), ("a", 2), ("b", 0)]]
    table = to_arrow(TABLES["sentences"], recs)
    ordered = sort_by_key(table, ("doc_id", "index"))
    assert [(r["doc_id"], r["index"]) for r in ordered.to_pylist()] == [("a", 2), ("b", 0), ("b", 1)]
    fresh = to_arrow(TABLES["sentences"], sorted(recs, key=lambda s: (s.doc_id, s.index)))
    assert ordered.equals(fresh) and ordered.nbytes == fresh.nbytes
    assert sort_by_key(fresh, ("doc_id", "index")) is fresh


def test_chunked_write_gives_the_same_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ceasefire_news.dataset.storage as storage

    monkeypatch.setattr(storage, "ROW_GROUP_SIZE", 4)
    whole = to_arrow(TABLES["sentences"], _sentences(10))
    one = write_parquet(TABLES["sentences"], whole, tmp_path / "one.parquet")
    many = write_parquet(TABLES["sentences"], iter([whole.slice(0, 4), whole.slice(4, 4), whole.slice(8)]), tmp_path / "many.parquet")
    assert one == many == (10, whole.nbytes)
    assert (tmp_path / "one.parquet").read_bytes() == (tmp_path / "many.parquet").read_bytes()
    assert pq.ParquetFile(tmp_path / "one.parquet").metadata.num_row_groups == 3
    records = write_parquet(TABLES["sentences"], _sentences(10), tmp_path / "records.parquet")
    assert records == one and (tmp_path / "records.parquet").read_bytes() == (tmp_path / "one.parquet").read_bytes()
    with pytest.raises(ValueError, match="chunks must split at 4 rows"):
        write_parquet(TABLES["sentences"], iter([whole.slice(0, 3), whole.slice(3)]), tmp_path / "bad.parquet")


def test_one_write_equals_pyarrow_write_table(tmp_path: Path) -> None:
    data = to_arrow(TABLES["sentences"], _sentences(10))
    write_parquet(TABLES["sentences"], data, tmp_path / "ours.parquet")
    pq.write_table(data, tmp_path / "plain.parquet", row_group_size=1_000_000, compression="zstd", compression_level=9, write_statistics=True, use_dictionary=True)
    assert (tmp_path / "ours.parquet").read_bytes() == (tmp_path / "plain.parquet").read_bytes()


def test_an_empty_table_has_no_row_group(tmp_path: Path) -> None:
    for data in ([], iter([to_arrow(TABLES["sentences"], [])])):
        path = tmp_path / "empty.parquet"
        assert write_parquet(TABLES["sentences"], data, path) == (0, 0)
        meta = pq.ParquetFile(path).metadata
        assert meta.num_rows == 0 and meta.num_row_groups == 0
        assert pq.read_schema(path).equals(table_schema(TABLES["sentences"]), check_metadata=True)


# --- arrow_array / numpy_view: pa.array and to_numpy without importing pandas ------------------

_SCALARS = {
    pa.string(): st.text(),
    pa.int32(): st.integers(-(2**31), 2**31 - 1),
    pa.int64(): st.integers(-(2**63), 2**63 - 1),
    pa.float64(): st.floats(allow_nan=False),
}


@st.composite
def _column(draw: st.DrawFn) -> tuple[list, pa.DataType]:
    scalar = draw(st.sampled_from(list(_SCALARS)))
    if draw(st.booleans()):  # a list column (lists are never null; their values not either)
        return draw(st.lists(st.lists(_SCALARS[scalar], max_size=4), max_size=6)), pa.list_(scalar)
    return draw(st.lists(st.one_of(st.none(), _SCALARS[scalar]), max_size=8)), scalar


@settings(max_examples=300, deadline=None)
@given(_column())
def test_arrow_array_is_pa_array(column: tuple[list, pa.DataType]) -> None:
    values, type = column
    ours, theirs = arrow_array(values, type), pa.array(values, type)
    ours.validate(full=True)
    assert ours.type == theirs.type and ours.equals(theirs)
    assert ours.nbytes == theirs.nbytes  # the card reports Arrow bytes: no extra validity bitmap
    assert ours.null_count == theirs.null_count


def test_arrow_array_takes_numpy_and_defers_the_rest_to_pyarrow() -> None:
    assert arrow_array(np.arange(4, dtype=np.int64)[1:], pa.int32()).to_pylist() == [1, 2, 3]
    assert arrow_array(("a", "b"), pa.string()).to_pylist() == ["a", "b"]  # any sequence, as zip gives
    with pytest.raises(pa.ArrowTypeError):
        arrow_array(["a", 1], pa.string())  # pyarrow's own error for a wrong value
    with pytest.raises((pa.ArrowInvalid, pa.ArrowTypeError)):
        arrow_array([1, "x"], pa.int32())


@pytest.mark.parametrize("type", [pa.int8(), pa.int32(), pa.int64(), pa.uint64(), pa.float32(), pa.float64()])
def test_numpy_view_is_to_numpy(type: pa.DataType) -> None:
    array = pa.array([5, 1, 4, 2], type).slice(1, 2)
    view = numpy_view(array)
    assert view.dtype == array.to_numpy().dtype and view.tolist() == array.to_numpy().tolist()
    assert numpy_view(pa.chunked_array([pa.array([1], type), pa.array([2], type)])).tolist() == [1, 2]
    with pytest.raises(ValueError, match="null-free"):
        numpy_view(pa.array([1, None], type))


@pytest.mark.parametrize("small_take", [True, False])
@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 1000])
def test_take_values_is_arrow_take_on_both_paths(monkeypatch: pytest.MonkeyPatch, small_take: bool, n: int) -> None:
    """Small takes joined in Python (no pyarrow.compute) and Arrow's take: same values and buffer sizes (nbytes is in the card)."""
    from ceasefire_news.dataset import storage

    monkeypatch.setattr(storage, "SMALL_TAKE_BYTES", 10**9 if small_take else -1)
    values = arrow_array(["a", "bb", "", "dé", "ccc", "x" * 40], pa.string())
    indices = np.random.default_rng(n).integers(0, len(values), n)
    ours = storage.take_values(values, indices)
    arrow = values.take(arrow_array(indices, pa.int64()))
    assert ours.equals(arrow) and ours.null_count == 0
    assert ours.to_pylist() == [values[int(i)].as_py() for i in indices]
    assert ours.nbytes == arrow.nbytes
    assert [b.size if b is not None else None for b in ours.buffers()] == [b.size if b is not None else None for b in arrow.buffers()]


@settings(deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "é", "z", "ab", ""]), st.integers(-2, 2)), max_size=8))
def test_in_key_order_is_what_arrow_sort_leaves_as_is(rows: list[tuple[str, int]]) -> None:
    import pyarrow.compute as pc

    from ceasefire_news.dataset.storage import in_key_order

    data = pa.table({"k": pa.array([r[0] for r in rows], pa.string()), "i": pa.array([r[1] for r in rows], pa.int32())})
    identity = pc.sort_indices(data, sort_keys=[("k", "ascending"), ("i", "ascending")]).to_pylist() == list(range(len(rows)))
    assert in_key_order(data, ("k", "i")) is identity
