"""Parquet files of the dataset: deterministic writing and located reading."""

from __future__ import annotations

import json
from collections.abc import Iterable
from operator import attrgetter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import ValidationError

from ..errors import Located, ProblemLog
from ..schema.models import Record
from ..schema.tables import TABLES, Table
from ..versions import DATASET_VERSION, FORMAT_VERSION, SCHEMA_VERSION

#: Key of our own entry in each Parquet file's key-value metadata.
METADATA_KEY = b"ceasefire_news"


def version_metadata(config: str) -> dict[str, str]:
    """The version stamp written into every Parquet file of a config."""
    return {
        "config": config,
        "dataset_version": DATASET_VERSION,
        "format_version": FORMAT_VERSION,
        "schema_version": SCHEMA_VERSION,
    }


#: Rows per Parquet row group; chunked writes must split exactly here to give the same bytes as one write.
ROW_GROUP_SIZE = 1_000_000


def table_schema(table: Table) -> pa.Schema:
    """The declared Arrow schema of a config with our metadata (Features and version stamp)."""
    metadata = {
        b"huggingface": json.dumps({"info": {"features": table.features.to_dict()}}, sort_keys=True).encode(),
        METADATA_KEY: json.dumps(version_metadata(table.name), sort_keys=True).encode(),
    }
    return table.arrow_schema.with_metadata(metadata)


def encode_labels(table: Table, column: str, values: pa.Array | list) -> pa.Array:
    """Label names of a scalar ClassLabel column -> its integer values (Arrow compute; unknown names raise)."""
    import pyarrow.compute as pc

    names = pa.array(table.label_names[column], pa.string())
    codes = pc.index_in(pa.array(values, pa.string()) if isinstance(values, list) else values, value_set=names)
    if codes.null_count:
        bad = pa.array(values, pa.string()).filter(pc.is_null(codes))[0].as_py()
        raise ValueError(f"{table.name}.{column}: {bad!r} is not one of {list(table.label_names[column])}")
    return codes.cast(pa.int64())


def from_columns(table: Table, columns: dict[str, pa.Array | list]) -> pa.Table:
    """Build a config's Arrow table from whole columns (Python lists or Arrow arrays) against the declared schema.

    Scalar ClassLabel columns may be given as label names; list columns must already hold integers.
    """
    schema = table_schema(table)
    arrays = []
    for field in schema:
        values = columns[field.name]
        if field.name in table.label_ids and not pa.types.is_list(field.type):
            values = encode_labels(table, field.name, values)
        arrays.append(values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(values, field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def dense(array: pa.Array) -> pa.Array:
    """The array without an all-valid validity bitmap (Arrow's take adds one), as a fresh build has it.

    Keeps the in-memory size (`nbytes`, reported in the card) independent of how a table was made.
    """
    if array.null_count:
        return array
    if pa.types.is_list(array.type):
        return pa.ListArray.from_arrays(array.offsets, dense(array.values))
    if array.buffers()[0] is None:
        return array
    return pa.Array.from_buffers(array.type, len(array), [None, *array.buffers()[1:]], null_count=0, offset=array.offset)


def take(data: pa.Table, indices: pa.Array | object) -> pa.Table:
    """Rows of data at indices, as one chunk per column without redundant validity bitmaps."""
    taken = data.take(indices).combine_chunks()
    return pa.Table.from_arrays([dense(c.chunk(0)) if c.num_chunks == 1 else c for c in taken.columns], schema=data.schema)


def sort_by_key(data: pa.Table, key: tuple[str, ...]) -> pa.Table:
    """The rows of data in ascending key order (Arrow sort; an already sorted table is returned as is)."""
    import numpy as np
    import pyarrow.compute as pc

    order = pc.sort_indices(data, sort_keys=[(k, "ascending") for k in key]).to_numpy()
    if np.array_equal(order, np.arange(len(order))):
        return data
    return take(data, order)


def to_arrow(table: Table, records: list[Record]) -> pa.Table:
    """Build the Arrow table of a config from its records, column by column, against the declared schema."""
    names = list(table.features)
    # One attrgetter call per record, then transposed: far fewer Python calls than a getattr per cell.
    values = list(zip(*map(attrgetter(*names), records))) if records else [()] * len(names)
    columns: dict[str, pa.Array | list] = {name: list(v) for name, v in zip(names, values)}
    for name, ids in table.label_ids.items():
        if pa.types.is_list(table.arrow_schema.field(name).type):
            columns[name] = [[ids[v] for v in value] for value in columns[name]]
    return from_columns(table, columns)


def write_parquet(table: Table, data: pa.Table | Iterable[pa.Table] | list[Record], path: Path) -> tuple[int, int]:
    """Write a config's rows to one Parquet file, byte-for-byte reproducibly; return (rows, Arrow bytes).

    data is a whole Arrow table, its records, or an iterable of Arrow chunks of at most
    ROW_GROUP_SIZE rows each (all but the last exactly that size), which gives the same
    bytes as writing their concatenation at once without holding it in memory.
    """
    if isinstance(data, list):
        data = to_arrow(table, data)
    chunks = [data] if isinstance(data, pa.Table) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = nbytes = 0
    with pq.ParquetWriter(
        path,
        table_schema(table),
        compression="zstd",
        compression_level=9,
        write_statistics=True,
        use_dictionary=True,
    ) as writer:
        for chunk in chunks:
            if rows % ROW_GROUP_SIZE:
                raise ValueError(f"{table.name}: a chunk follows a short one; chunks must split at {ROW_GROUP_SIZE} rows")
            writer.write_table(chunk, row_group_size=ROW_GROUP_SIZE)
            rows += chunk.num_rows
            nbytes += chunk.nbytes
    return rows, nbytes


def read_metadata(path: Path) -> dict[str, str]:
    """Our version stamp from a Parquet file's key-value metadata ({} if absent or unreadable)."""
    try:
        meta = pq.read_schema(path).metadata or {}
    except (OSError, pa.ArrowException):
        return {}  # an unreadable file is reported by read_parquet
    raw = meta.get(METADATA_KEY)
    return json.loads(raw) if raw else {}


def read_table(config: str, path: Path, log: ProblemLog) -> pa.Table | None:
    """Read a config's Parquet file as Arrow, checking its schema against the declared one (None if unusable)."""
    table = TABLES[config]
    try:
        data = pq.read_table(path)
    except (OSError, pa.ArrowException) as err:
        log.add(str(path), f"cannot read Parquet file: {err}")
        return None
    if data.schema.remove_metadata() != table.arrow_schema:
        log.add(str(path), f"schema differs from the declared {config} schema: {data.schema.remove_metadata()}")
        return None
    return data


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


def read_parquet(config: str, path: Path, log: ProblemLog) -> list[Located]:
    """Read a config's Parquet file back into validated records, each located by row."""
    table = TABLES[config]
    data = read_table(config, path, log)
    if data is None:
        return []
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
