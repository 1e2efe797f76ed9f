"""Parquet writing: column-wise Arrow tables equal the record path, chunked writes equal one write."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ceasefire_news.dataset.storage import from_columns, sort_by_key, to_arrow, write_parquet
from ceasefire_news.schema.models import Sentence
from ceasefire_news.schema.tables import TABLES, data_file


def test_to_arrow_matches_from_pylist_of_rows(built: Path) -> None:
    for name in ("documents", "sentences", "entities", "ner", "duplicate_groups", "pairs"):
        table = TABLES[name]
        stored = pq.read_table(built / data_file(name))
        records = [table.from_row(r) for r in stored.to_pylist()]
        ours = to_arrow(table, records)
        plain = pa.Table.from_pylist([table.to_row(r) for r in records], schema=ours.schema)
        assert ours.equals(plain, check_metadata=True)
        assert ours.nbytes == plain.nbytes


def test_unknown_label_name_is_an_error() -> None:
    columns = {"doc_id": ["a"], "index": [0], "start": [0], "end": [1], "text": ["x"], "role": ["caption"]}
    with pytest.raises(ValueError, match=r"sentences.role: 'caption' is not one of \['title'"):
        from_columns(TABLES["sentences"], columns)


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
    recs = [Sentence(doc_id=f"d{i:02d}", index=0, start=0, end=1, text="x", role="body") for i in range(10)]
    whole = to_arrow(TABLES["sentences"], recs)
    one = write_parquet(TABLES["sentences"], whole, tmp_path / "one.parquet")
    chunks = [whole.slice(0, 4), whole.slice(4, 4), whole.slice(8)]
    many = write_parquet(TABLES["sentences"], iter(chunks), tmp_path / "many.parquet")
    assert one[0] == many[0] == 10
    assert (tmp_path / "one.parquet").read_bytes() == (tmp_path / "many.parquet").read_bytes()
    assert pq.ParquetFile(tmp_path / "one.parquet").metadata.num_row_groups == 3
    with pytest.raises(ValueError, match="chunks must split at 4 rows"):
        write_parquet(TABLES["sentences"], iter([whole.slice(0, 3), whole.slice(3)]), tmp_path / "bad.parquet")
