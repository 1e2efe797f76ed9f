"""Sharded writing: a shard written one sorted row group at a time has the bytes of the sorted table written whole."""

from __future__ import annotations

import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ceasefire_news.dataset import shards
from ceasefire_news.dataset.storage import PARQUET_OPTIONS
from ceasefire_news.schema.tables import declared_table


def _ner_rows(n: int, seed: int) -> pa.Table:
    """Stage output of the ner table (tags as label names), rows in a shuffled order."""
    rng = random.Random(seed)
    rows = []
    for k in range(n):
        size = rng.randint(0, 6)
        tags = [rng.choice(["O", "B-GPE", "I-GPE", "B-PERSON"]) for _ in range(size)]
        rows.append(
            {
                "doc_id": f"doc-{k % 7:03d}",
                "sentence_index": k // 7,
                "tokens": [rng.choice(["Kyiv", "said", ".", "’s", "é"]) for _ in range(size)],
                "token_starts": list(range(0, 2 * size, 2)),
                "token_ends": list(range(1, 2 * size + 1, 2)),
                "ner_tags": tags,
            }
        )
    rng.shuffle(rows)
    schema = pa.schema([f for f in declared_table("ner").arrow_schema if f.name != "ner_tags"] + [pa.field("ner_tags", pa.list_(pa.string()))])
    return pa.Table.from_pylist(rows, schema=schema)


@pytest.mark.parametrize("group", [1, 5, 16, 1000])
def test_shard_bytes_equal_one_sorted_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, group: int) -> None:
    monkeypatch.setitem(shards.ROW_GROUP_ROWS, "ner", group)
    table = declared_table("ner")
    data = _ner_rows(60, seed=group)
    chunked = pa.concat_tables([data.slice(0, 13), data.slice(13, 30), data.slice(43)])  # as the shard buffer holds it
    writer = shards.ShardWriter(tmp_path / "a", table)
    writer.write(chunked)
    (ours,) = writer.finish()
    whole = shards.to_storage(table, data).sort_by([(k, "ascending") for k in table.key]).cast(writer.schema)
    reference = tmp_path / "whole.parquet"
    pq.write_table(whole, reference, row_group_size=group, **PARQUET_OPTIONS)
    assert (tmp_path / "a" / ours).read_bytes() == reference.read_bytes()
    assert pq.ParquetFile(reference).metadata.num_row_groups == -(-60 // group)
    assert writer.num_rows == 60
