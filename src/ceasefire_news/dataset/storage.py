"""Parquet files of the dataset: deterministic writing and located reading."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import ValidationError

from ..errors import Located, ProblemLog
from ..schema.models import Record
from ..schema.tables import TABLES, Table
from ..versions import FORMAT_VERSION, SCHEMA_VERSION, UNRELEASED

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


def to_arrow(table: Table, records: list[Record] | pa.Table, *, dataset_version: str = UNRELEASED) -> pa.Table:
    """Build the Arrow table of a config from its records (or an Arrow table of rows), against the declared schema."""
    metadata = {
        b"huggingface": json.dumps({"info": {"features": table.features_dict()}}, sort_keys=True).encode(),
        METADATA_KEY: json.dumps(version_metadata(table.name, dataset_version), sort_keys=True).encode(),
    }
    schema = table.arrow_schema.with_metadata(metadata)
    if isinstance(records, pa.Table):
        if records.schema.remove_metadata() != table.arrow_schema:
            raise ValueError(f"{table.name}: Arrow schema {records.schema} differs from the declared one")
        return records.replace_schema_metadata(metadata)
    return pa.Table.from_pylist([table.to_row(r) for r in records], schema=schema)


#: How every Parquet file of a dataset is written (single-file tables and silver shards alike).
PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 9, "write_statistics": True, "use_dictionary": True}


def write_parquet(table: Table, records: list[Record] | pa.Table, path: Path, *, dataset_version: str = UNRELEASED) -> None:
    """Write a config's records to one Parquet file, byte-for-byte reproducibly."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = to_arrow(table, records, dataset_version=dataset_version)
    if data.num_rows == 0:
        # No row group at all: `datasets` reads a zero-row row group as an error (batch size 0).
        pq.ParquetWriter(path, data.schema, compression="zstd").close()
        return
    pq.write_table(data, path, row_group_size=1_000_000, **PARQUET_OPTIONS)


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


def read_arrow(config: str, path: Path, log: ProblemLog) -> pa.Table | None:
    """Read a config's Parquet file as one Arrow table checked against the declared schema (None if unusable)."""
    try:
        data = pq.ParquetFile(path).read()  # not read_table, which imports pandas (see read_parquet)
    except (OSError, pa.ArrowException) as err:
        log.add(str(path), f"cannot read Parquet file: {err}")
        return None
    if data.schema.remove_metadata() != TABLES[config].arrow_schema:
        log.add(str(path), f"schema differs from the declared {config} schema: {data.schema.remove_metadata()}")
        return None
    return data.replace_schema_metadata(None)


def read_parquet(config: str, path: Path, log: ProblemLog, table: Table | None = None) -> list[Located]:
    """Read a config's Parquet file back into validated records, each located by row (`table`: another declaration of the config)."""
    table = table if table is not None else TABLES[config]
    try:
        # ParquetFile, not read_table: read_table goes through pyarrow.dataset, which imports pandas
        # (0.6 s of start-up for `validate`); one file needs none of it.
        data = pq.ParquetFile(path).read()
    except (OSError, pa.ArrowException) as err:
        log.add(str(path), f"cannot read Parquet file: {err}")
        return []
    if data.schema.remove_metadata() != table.arrow_schema:
        log.add(str(path), f"schema differs from the declared {config} schema: {data.schema.remove_metadata()}")
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
