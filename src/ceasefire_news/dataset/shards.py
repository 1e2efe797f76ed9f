"""Sharded Parquet tables: data/<config>/test-00000-of-000NN.parquet, written one shard at a time.

Layout (documented in docs/silver.md and the card):
- A per-document table (documents, sentences, entities, ner, duplicate_groups) is cut into shards of
  SHARD_DOCS consecutive input documents: shard k of every such table holds the rows of the same
  documents. Inside a shard, rows are sorted by the table's key, so the bytes never depend on the
  order in which an engine returned its work.
- `pairs` is cut into shards of PAIRS_SHARD_ROWS rows in key order.
- Row groups hold ROW_GROUP_ROWS[config] rows (about 5-20 MB uncompressed for news text).
- Shards are written under a temporary name and renamed to -of-000NN once their number is known.
Compression and encoding follow the single-file writer (dataset/storage.py): zstd level 9,
dictionary encoding, statistics, and the same version stamp and `datasets` Features in the metadata.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..schema.tables import SPLIT, Table
from .storage import METADATA_KEY, PARQUET_OPTIONS, version_metadata
from ..versions import UNRELEASED

#: Documents per shard of the per-document tables.
SHARD_DOCS = 10_000
#: Rows per shard of the pairs table.
PAIRS_SHARD_ROWS = 1_000_000
#: Rows per Parquet row group, by table.
ROW_GROUP_ROWS: dict[str, int] = {
    "documents": 1_000,
    "sentences": 50_000,
    "entities": 100_000,
    "ner": 10_000,
    "duplicate_groups": 100_000,
    "pairs": 100_000,
}
_PENDING = ".pending"


def shard_name(config: str, index: int, count: int) -> str:
    """Relative path of shard `index` of `count`: data/<config>/test-00000-of-00003.parquet."""
    return f"data/{config}/{SPLIT}-{index:05d}-of-{count:05d}.parquet"


def shard_pattern(config: str, count: int) -> str:
    """A glob matching exactly the `count` shards of a config."""
    return f"data/{config}/{SPLIT}-*-of-{count:05d}.parquet"


def arrow_schema(table: Table, dataset_version: str = UNRELEASED) -> pa.Schema:
    """The declared Arrow schema with the `datasets` Features and our version stamp as metadata."""
    metadata = {
        b"huggingface": json.dumps({"info": {"features": table.features_dict()}}, sort_keys=True).encode(),
        METADATA_KEY: json.dumps(version_metadata(table.name, dataset_version), sort_keys=True).encode(),
    }
    return table.arrow_schema.with_metadata(metadata)


def _convert_labels(table: Table, data: pa.Table, to_names: bool) -> pa.Table:
    """ClassLabel columns converted between label names and indices (plain and list columns)."""
    import pyarrow.compute as pc

    for column, label in table.class_labels.items():
        if column not in data.column_names:
            continue
        names = pa.array(list(label.names), pa.string())
        values = data.column(column).combine_chunks()
        is_list = pa.types.is_list(values.type) or pa.types.is_large_list(values.type)
        flat = values.values.slice(values.offsets[0].as_py(), values.offsets[-1].as_py() - values.offsets[0].as_py()) if is_list else values
        declared = table.arrow_schema.field(column).type
        target = declared.value_type if pa.types.is_list(declared) else declared
        if to_names and pa.types.is_integer(flat.type):
            converted = pc.take(names, flat)
        elif not to_names and pa.types.is_string(flat.type) and pa.types.is_integer(target):
            converted = pc.index_in(flat, value_set=names)
            if converted.null_count > flat.null_count:
                bad = pc.filter(flat, pc.and_(pc.is_null(converted), pc.is_valid(flat)))[0].as_py()
                raise ValueError(f"{table.name}.{column}: {bad!r} is not one of the labels {list(label.names)}")
            converted = pc.cast(converted, target)
        else:
            continue
        if is_list:
            offsets = pc.subtract(values.offsets, values.offsets[0])
            converted = pa.ListArray.from_arrays(offsets, converted)
        data = data.set_column(data.schema.get_field_index(column), column, converted)
    return data


def to_storage(table: Table, data: pa.Table) -> pa.Table:
    """Stage output (ClassLabel columns as label names) in the declared storage form (names or indices)."""
    return _convert_labels(table, data, to_names=False)


def with_label_names(table: Table, data: pa.Table) -> pa.Table:
    """A stored table with its ClassLabel columns as label names, whichever form the file uses."""
    return _convert_labels(table, data, to_names=True)


class ShardWriter:
    """Writes the shards of one table in order, then names them -of-000NN."""

    def __init__(self, root: Path, table: Table, dataset_version: str = UNRELEASED):
        self.root = root
        self.table = table
        self.schema = arrow_schema(table, dataset_version)
        self.count = 0
        self.num_rows = 0
        self.num_bytes = 0

    def write(self, data: pa.Table) -> None:
        """Write the next shard: rows sorted by the table's key, cast to the declared schema.

        The rows are taken in key order one row group at a time (the same row groups, and bytes, as
        one sorted table written whole), so writing holds the unsorted input plus one row group, not
        a sorted copy of the shard.
        """
        import pyarrow.compute as pc

        data = data.select(self.table.arrow_schema.names)
        path = self.root / f"data/{self.table.name}/{SPLIT}-{self.count:05d}{_PENDING}"
        path.parent.mkdir(parents=True, exist_ok=True)
        group = ROW_GROUP_ROWS.get(self.table.name, 100_000)
        if not data.num_rows:
            pq.write_table(to_storage(self.table, data).cast(self.schema), path, row_group_size=group, **PARQUET_OPTIONS)
        else:
            order = pc.sort_indices(data, sort_keys=[(k, "ascending") for k in self.table.key])
            with pq.ParquetWriter(path, self.schema, **PARQUET_OPTIONS) as writer:
                for start in range(0, data.num_rows, group):
                    part = to_storage(self.table, data.take(order.slice(start, group))).cast(self.schema)
                    writer.write_table(part, row_group_size=group)
                    self.num_bytes += part.nbytes
        self.count += 1
        self.num_rows += data.num_rows

    def finish(self) -> list[str]:
        """Rename the shards to their final -of-000NN names (an empty table gets one empty shard)."""
        if self.count == 0:
            self.write(self.schema.empty_table())
        names = []
        for index in range(self.count):
            pending = self.root / f"data/{self.table.name}/{SPLIT}-{index:05d}{_PENDING}"
            final = shard_name(self.table.name, index, self.count)
            pending.rename(self.root / final)
            names.append(final)
        return names


def read_shards(root: Path, pattern: str) -> list[Path]:
    """The shard files a manifest pattern (or single path) names, in shard order."""
    return sorted(root.glob(pattern)) if any(c in pattern for c in "*?[") else [root / pattern]
