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


def to_arrow(table: Table, records: list[Record]) -> pa.Table:
    """Build the Arrow table of a config from its records, against the declared schema."""
    metadata = {
        b"huggingface": json.dumps({"info": {"features": table.features.to_dict()}}, sort_keys=True).encode(),
        METADATA_KEY: json.dumps(version_metadata(table.name), sort_keys=True).encode(),
    }
    schema = table.arrow_schema.with_metadata(metadata)
    return pa.Table.from_pylist([table.to_row(r) for r in records], schema=schema)


def write_parquet(table: Table, records: list[Record], path: Path) -> None:
    """Write a config's records to one Parquet file, byte-for-byte reproducibly."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        to_arrow(table, records),
        path,
        compression="zstd",
        compression_level=9,
        write_statistics=True,
        use_dictionary=True,
        row_group_size=1_000_000,
    )


def read_metadata(path: Path) -> dict[str, str]:
    """Our version stamp from a Parquet file's key-value metadata ({} if absent or unreadable)."""
    try:
        meta = pq.read_schema(path).metadata or {}
    except (OSError, pa.ArrowException):
        return {}  # an unreadable file is reported by read_parquet
    raw = meta.get(METADATA_KEY)
    return json.loads(raw) if raw else {}


def read_parquet(config: str, path: Path, log: ProblemLog, table: Table | None = None) -> list[Located]:
    """Read a config's Parquet file back into validated records, each located by row (`table`: another declaration of the config)."""
    table = table if table is not None else TABLES[config]
    try:
        data = pq.read_table(path)
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
