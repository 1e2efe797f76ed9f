"""Parquet files of the dataset: deterministic writing and located reading."""

from __future__ import annotations

import json
import operator
from collections import namedtuple
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import Located, ProblemLog
from ..schema.rules import columns_valid
from ..schema.tables import TABLES, Table
from ..versions import FORMAT_VERSION, SCHEMA_VERSION, UNRELEASED

if TYPE_CHECKING:
    from ..schema.models import Record

#: Key of our own entry in each Parquet file's key-value metadata.
METADATA_KEY = b"ceasefire_news"


def version_metadata(config: str, dataset_version: str = UNRELEASED) -> dict[str, str]:
    """The version stamp written into every Parquet file of a config."""
    return {
        "config": config,
        "dataset_version": dataset_version,
        "format_version": FORMAT_VERSION,
        "schema_version": SCHEMA_VERSION,
    }


#: Rows per Parquet row group; chunked writes must split exactly here to give the same bytes as one write.
ROW_GROUP_SIZE = 1_000_000


def table_schema(table: Table, *, dataset_version: str = UNRELEASED) -> pa.Schema:
    """The declared Arrow schema of a config with our metadata (Features and version stamp)."""
    metadata = {
        b"huggingface": json.dumps({"info": {"features": table.features_dict()}}, sort_keys=True).encode(),
        METADATA_KEY: json.dumps(version_metadata(table.name, dataset_version), sort_keys=True).encode(),
    }
    return table.arrow_schema.with_metadata(metadata)


#: NumPy dtype of each fixed-width Arrow type `arrow_array` builds.
_NUMPY_TYPES = {"int32": "int32", "int64": "int64", "float64": "float64"}


def arrow_array(values: Sequence[Any] | Any, type: pa.DataType) -> pa.Array:
    """`pa.array(values, type)`, the same array (buffers and `nbytes` alike), without importing pandas.

    Built by hand from buffers because every `pa.array` call, from a list or a NumPy array, asks
    pandas (importing it when installed, 0.4 CPU-seconds: a third of `validate` of the seed corpus
    in a plain `pip install`) whether its input is a pandas object. Covers the types the tables
    use: string, int32, int64, float64 (nullable) and lists of them (not null); anything else
    goes to `pa.array`. tests/dataset/test_storage.py checks it against `pa.array`.
    """
    import numpy as np

    name = str(type)
    if pa.types.is_list(type):
        items = list(values)
        if any(v is None for v in items):
            return pa.array(items, type)  # null lists: not in any table; pyarrow's own path
        lengths = np.fromiter(map(len, items), dtype=np.int64, count=len(items))
        offsets = np.zeros(len(items) + 1, dtype=np.int32)
        np.cumsum(lengths, out=offsets[1:]) if len(items) else None
        child = arrow_array([x for item in items for x in item], type.value_type)
        return pa.ListArray.from_arrays(arrow_array(offsets, pa.int32()), child, type=type)
    if isinstance(values, np.ndarray) and values.dtype != object and name in _NUMPY_TYPES:
        data = np.ascontiguousarray(values, dtype=_NUMPY_TYPES[name])
        return pa.Array.from_buffers(type, len(data), [None, pa.py_buffer(data)], null_count=0)
    items = list(values)
    nulls = np.fromiter((v is None for v in items), dtype=bool, count=len(items))
    null_count = int(nulls.sum())
    validity = pa.py_buffer(np.packbits(~nulls, bitorder="little")) if null_count else None
    if pa.types.is_string(type):
        if not all(isinstance(v, str) for v in items if v is not None):
            return pa.array(items, type)  # pyarrow's own error for a non-string value
        encoded = [b"" if v is None else v.encode("utf-8") for v in items]
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        if lengths.sum() >= 2**31:
            return pa.array(items, type)  # too large for 32-bit offsets: pyarrow's own error
        offsets = np.zeros(len(items) + 1, dtype=np.int32)
        np.cumsum(lengths, out=offsets[1:]) if len(items) else None
        buffers = [validity, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))]
        return pa.Array.from_buffers(type, len(items), buffers, null_count=null_count)
    if name in _NUMPY_TYPES:
        kind = float if name == "float64" else int
        if not all(isinstance(v, kind) and not isinstance(v, bool) for v in items if v is not None):
            return pa.array(items, type)  # pyarrow's own conversion and errors (bool, str, float for int)
        data = np.array([0 if v is None else v for v in items], dtype=_NUMPY_TYPES[name])
        return pa.Array.from_buffers(type, len(items), [validity, pa.py_buffer(data)], null_count=null_count)
    return pa.array(items, type)


def numpy_view(array: pa.Array | pa.ChunkedArray) -> Any:
    """A read-only NumPy view of a null-free integer or float Arrow array: `to_numpy()` without importing pandas."""
    import numpy as np

    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if array.null_count or not (pa.types.is_integer(array.type) or pa.types.is_floating(array.type)):
        raise ValueError(f"numpy_view needs a null-free integer or float array, not {array.type} with {array.null_count} nulls")
    name = str(array.type)  # int8 ... uint64 are NumPy's names too; Arrow names floats differently
    dtype = np.dtype({"halffloat": "float16", "float": "float32", "double": "float64"}.get(name, name))
    data = array.buffers()[1]
    if data is None:  # an empty array may have no data buffer
        return np.zeros(0, dtype=dtype)
    return np.frombuffer(data, dtype=dtype, count=len(array), offset=array.offset * dtype.itemsize)


def from_columns(table: Table, columns: dict[str, list], *, dataset_version: str = UNRELEASED) -> pa.Table:
    """Build a config's Arrow table from whole columns (Python lists, label names for ClassLabels) against the declared schema."""
    schema = table_schema(table, dataset_version=dataset_version)
    return pa.Table.from_arrays([arrow_array(columns[f.name], f.type) for f in table.arrow_schema], schema=schema)


def to_arrow(table: Table, records: list[Record] | pa.Table, *, dataset_version: str = UNRELEASED) -> pa.Table:
    """Build the Arrow table of a config from its records (or an Arrow table of rows), against the declared schema.

    Records are turned into columns with one attrgetter call per record (far fewer Python calls
    than a dict per row), then one Arrow array per column.
    """
    if isinstance(records, pa.Table):
        if records.schema.remove_metadata() != table.arrow_schema:
            raise ValueError(f"{table.name}: Arrow schema {records.schema} differs from the declared one")
        return records.replace_schema_metadata(table_schema(table, dataset_version=dataset_version).metadata)
    names = list(table.columns)
    get = operator.attrgetter(*names)
    if len(names) == 1:  # attrgetter of one name gives the value itself, not a tuple
        values: list = [[get(r) for r in records]]
    else:
        values = list(zip(*map(get, records))) if records else [()] * len(names)
    return from_columns(table, dict(zip(names, values)), dataset_version=dataset_version)


def dense(array: pa.Array) -> pa.Array:
    """The array without an all-valid validity bitmap (Arrow's take adds one), as a fresh pa.array has it.

    Keeps the in-memory size (`nbytes`, reported in the card) independent of how a table was made.
    """
    if array.null_count:
        return array
    if pa.types.is_list(array.type):
        return pa.ListArray.from_arrays(array.offsets, dense(array.values))
    if array.buffers()[0] is None:
        return array
    return pa.Array.from_buffers(array.type, len(array), [None, *array.buffers()[1:]], null_count=0, offset=array.offset)


#: Up to this many bytes of strings, `take_values` gathers them itself rather than with Arrow's take
#: kernel, whose module pyarrow.compute costs about 0.07 CPU-seconds to import (a fifth of `validate`'s
#: start-up); larger takes (the pairs of thousands of documents) use Arrow's.
SMALL_TAKE_BYTES = 8 << 20


def take_values(values: pa.Array, indices: Any) -> pa.Array:
    """`values.take(indices)` for a null-free string array and a NumPy integer array: the same array and buffers.

    A small take joins the values' bytes in Python (one slice per value, one join) and adds the
    all-valid bitmap Arrow's take adds, so `nbytes` (reported in the card) does not depend on the
    path; tests/dataset/test_storage.py checks both paths against Arrow's take.
    """
    import numpy as np

    indices = np.asarray(indices, dtype=np.int64)
    if not pa.types.is_string(values.type) or values.null_count or values.offset:
        return values.take(arrow_array(indices, pa.int64()))
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int32, count=len(values) + 1)
    lengths = (offsets[1:] - offsets[:-1])[indices]
    new_offsets = np.zeros(len(indices) + 1, dtype=np.int32)
    np.cumsum(lengths, out=new_offsets[1:])
    if int(new_offsets[-1]) > SMALL_TAKE_BYTES:
        return values.take(arrow_array(indices, pa.int64()))
    data = values.buffers()[2].to_pybytes() if values.buffers()[2] is not None else b""
    bounds = offsets.tolist()
    items = [data[a:b] for a, b in zip(bounds, bounds[1:])]
    bitmap = pa.py_buffer(np.packbits(np.ones(len(indices), dtype=bool), bitorder="little"))
    buffers = [bitmap, pa.py_buffer(new_offsets), pa.py_buffer(b"".join([items[i] for i in indices.tolist()]))]
    return pa.Array.from_buffers(values.type, len(indices), buffers, null_count=-1)  # -1 keeps the bitmap


def take(data: pa.Table, indices: pa.Array | object) -> pa.Table:
    """Rows of data at indices, one chunk per column, without redundant validity bitmaps."""
    taken = data.take(indices).combine_chunks()
    return pa.Table.from_arrays([dense(c.chunk(0)) if c.num_chunks == 1 else c for c in taken.columns], schema=data.schema)


def sort_by_key(data: pa.Table, key: tuple[str, ...]) -> pa.Table:
    """The rows of data in ascending key order (Arrow sort; an already sorted table is returned as is)."""
    if in_key_order(data, key):
        return data
    import numpy as np
    import pyarrow.compute as pc

    indices = pc.sort_indices(data, sort_keys=[(k, "ascending") for k in key])
    if np.array_equal(numpy_view(indices), np.arange(len(indices))):
        return data
    return take(data, indices)


def in_key_order(data: pa.Table, key: tuple[str, ...]) -> bool:
    """Whether the rows are already in ascending key order (what Arrow's stable sort would leave as is).

    Plain Python over the key columns, so that checking tables that come sorted (every table
    `validate` reads back) does not import pyarrow.compute (0.07 CPU-seconds of start-up). Python
    orders str by code point, which is Arrow's order of their UTF-8 bytes; a key with nulls is left to Arrow.
    """
    if any(data.column(k).null_count for k in key):
        return False
    columns = [data.column(k).to_pylist() for k in key]
    rows = list(zip(*columns)) if len(columns) > 1 else columns[0]
    return all(map(operator.le, rows, islice(rows, 1, None)))


#: How every Parquet file of a dataset is written (single-file tables and silver shards alike).
PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 9, "write_statistics": True, "use_dictionary": True}


def write_parquet(
    table: Table,
    records: list[Record] | pa.Table | Iterable[pa.Table],
    path: Path,
    *,
    dataset_version: str = UNRELEASED,
) -> tuple[int, int]:
    """Write a config's rows to one Parquet file, byte-for-byte reproducibly; return (rows, Arrow bytes).

    records is a list of records, one Arrow table, or an iterable of Arrow chunks of
    ROW_GROUP_SIZE rows each but the last, which gives the same bytes as writing their
    concatenation at once, without holding it in memory.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    chunks = [records] if isinstance(records, (list, pa.Table)) else records
    schema = table_schema(table, dataset_version=dataset_version)
    writer: pq.ParquetWriter | None = None
    rows = nbytes = 0
    try:
        for chunk in chunks:
            data = to_arrow(table, chunk, dataset_version=dataset_version)
            if not data.num_rows:
                continue
            if rows % ROW_GROUP_SIZE:
                raise ValueError(f"{table.name}: a chunk follows a short one; chunks must split at {ROW_GROUP_SIZE} rows")
            if writer is None:
                writer = pq.ParquetWriter(path, schema, **PARQUET_OPTIONS)
            writer.write_table(data, row_group_size=ROW_GROUP_SIZE)
            rows += data.num_rows
            nbytes += data.nbytes
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        # No row group at all: `datasets` reads a zero-row row group as an error (batch size 0).
        pq.ParquetWriter(path, schema, compression="zstd").close()
    return rows, nbytes


def read_metadata(path: Path, log: ProblemLog | None = None) -> dict[str, str]:
    """Our version stamp from a Parquet file's key-value metadata ({} if absent or unreadable; malformed is reported)."""
    try:
        meta = pq.read_schema(path).metadata or {}
    except (OSError, pa.ArrowException):
        return {}  # an unreadable file is reported by read_parquet
    raw = meta.get(METADATA_KEY)
    if raw is None:
        return {}
    try:
        stamp = json.loads(raw)
    except (ValueError, RecursionError) as err:  # ValueError covers invalid UTF-8 and invalid JSON
        if log is not None:
            log.add(str(path), f"Parquet key-value metadata is not valid JSON: {err}", field=METADATA_KEY.decode())
        return {}
    if not isinstance(stamp, dict):
        if log is not None:
            log.add(str(path), f"Parquet key-value metadata is a JSON {type(stamp).__name__}, expected an object", field=METADATA_KEY.decode())
        return {}
    return stamp


def read_file(path: Path | str, columns: Sequence[str] | None = None) -> pa.Table:
    """One Parquet file as an Arrow table (ParquetFile, not pq.read_table: read_table goes through
    pyarrow.dataset, whose first use imports pandas, about 0.6 CPU seconds per process)."""
    return pq.ParquetFile(path).read(columns=list(columns) if columns is not None else None)


def read_arrow(config: str, path: Path, log: ProblemLog) -> pa.Table | None:
    """Read a config's Parquet file as one Arrow table checked against the declared schema (None if unusable)."""
    try:
        data = read_file(path)
    except (OSError, pa.ArrowException) as err:
        log.add(str(path), f"cannot read Parquet file: {err}")
        return None
    if data.schema.remove_metadata() != TABLES[config].arrow_schema:
        log.add(str(path), f"schema differs from the declared {config} schema: {data.schema.remove_metadata()}")
        return None
    return data.replace_schema_metadata(None)


def read_footer(config: str, path: Path, log: ProblemLog) -> int | None:
    """Check a config's Parquet schema from the file footer alone and return its row count (None if unusable)."""
    try:
        meta = pq.read_metadata(path)
        schema = meta.schema.to_arrow_schema()
    except (OSError, pa.ArrowException) as err:
        log.add(str(path), f"cannot read Parquet file: {err}")
        return None
    if schema.remove_metadata() != TABLES[config].arrow_schema:
        log.add(str(path), f"schema differs from the declared {config} schema: {schema.remove_metadata()}")
        return None
    return meta.num_rows


@lru_cache(maxsize=None)
def row_type(model: str, columns: tuple[str, ...]) -> type:
    """A light, immutable record class with the model's field names (a NamedTuple), for rows already known valid."""
    return namedtuple(model, columns)


def read_parquet(config: str, path: Path, log: ProblemLog, table: Table | None = None) -> list[Located]:
    """Read a config's Parquet file back into validated records, each located by row (`table`: another declaration of the config).

    The rows are checked column by column against the model's field rules (schema/rules.py) and,
    when all pass, returned as light records (`row_type`) with the same fields: no pydantic object
    is made, and pydantic is not imported. Only a table with a problem goes through the pydantic
    model, row by row, which words each problem with its row, doc_id and field.
    """
    table = table if table is not None else TABLES[config]
    try:
        data = read_file(path)
    except (OSError, pa.ArrowException) as err:
        log.add(str(path), f"cannot read Parquet file: {err}")
        return []
    if data.schema.remove_metadata() != table.arrow_schema:
        log.add(str(path), f"schema differs from the declared {config} schema: {data.schema.remove_metadata()}")
        return []
    names = tuple(table.columns)
    columns = {name: data.column(name).to_pylist() for name in names}
    if columns_valid(table.model_name, columns):
        make = row_type(table.model_name, names)._make
        return [Located(make(row), str(path), row=row_no) for row_no, row in enumerate(zip(*columns.values()))]
    return _read_records(table, data, path, log)


def _read_records(table: Table, data: pa.Table, path: Path, log: ProblemLog) -> list[Located]:
    """Every row of data as a validated pydantic record; each invalid row is a problem (row, doc_id, field)."""
    from pydantic import ValidationError

    out: list[Located] = []
    for row_no, row in enumerate(data.to_pylist()):
        try:
            record = table.from_row(row)
        except (ValidationError, ValueError, IndexError) as err:
            field = None
            if isinstance(err, ValidationError) and err.errors():
                field = ".".join(str(p) for p in err.errors()[0]["loc"]) or None
            log.add(str(path), f"invalid record: {err}", row=row_no, doc_id=row.get("doc_id"), field=field)
            continue
        out.append(Located(record, str(path), row=row_no))
    return out
