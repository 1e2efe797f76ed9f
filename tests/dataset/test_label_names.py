"""Label names without `datasets`: ClassLabel columns hold names in Parquet, and `datasets` still gives indices."""

from __future__ import annotations

from pathlib import Path

import datasets
import duckdb
import polars as pl

from ceasefire_news.schema.tables import TABLES, data_file

ROLE_COUNTS = [("body", 120), ("boilerplate", 11), ("heading", 9), ("list_item", 7), ("title", 3)]


README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_duckdb_query(built: Path) -> None:
    """The README's query, verbatim apart from the dataset directory."""
    query = README.read_text(encoding="utf-8").split("```sql\n", 1)[1].split("```", 1)[0]
    rows = duckdb.sql(query.replace("dist/ceasefire-news", built.as_posix())).fetchall()
    assert rows[:3] == [("GPE", 166), ("PERSON", 132), ("NORP", 49)]
    assert sum(n for _, n in rows) == 449


def test_duckdb_groups_by_label_name(built: Path) -> None:
    sentences = (built / data_file("sentences")).as_posix()
    rows = duckdb.sql(f"SELECT role, count(*) AS n FROM '{sentences}' GROUP BY role ORDER BY role").fetchall()
    assert rows == ROLE_COUNTS
    entities = (built / data_file("entities")).as_posix()
    top = duckdb.sql(f"SELECT label, count(*) AS n FROM '{entities}' GROUP BY label ORDER BY n DESC LIMIT 3").fetchall()
    assert top == [("GPE", 166), ("PERSON", 132), ("NORP", 49)]
    ner = (built / data_file("ner")).as_posix()
    tags = duckdb.sql(f"SELECT tag, count(*) FROM (SELECT unnest(ner_tags) AS tag FROM '{ner}') GROUP BY tag ORDER BY tag LIMIT 2").fetchall()
    assert tags == [("B-CARDINAL", 23), ("B-DATE", 41)]


def test_polars_reads_label_names(built: Path) -> None:
    frame = pl.read_parquet(built / data_file("sentences"))
    assert frame.schema["role"] == pl.String
    counts = frame.group_by("role").len().sort("role").rows()
    assert counts == ROLE_COUNTS
    pairs = pl.read_parquet(built / data_file("pairs"))
    assert set(pairs["relation"].to_list()) == {"near_duplicate", "same_event", "same_topic"}


def test_datasets_still_loads_class_label_indices(built: Path) -> None:
    sentences = datasets.load_dataset(str(built), "sentences", split="test")
    role = sentences.features["role"]
    assert isinstance(role, datasets.ClassLabel) and role.names == list(TABLES["sentences"].class_labels["role"].names)
    assert sentences[0]["role"] == 0 and role.int2str(sentences[0]["role"]) == "title"
    ner = datasets.load_dataset(str(built), "ner", split="test")
    tags = ner.features["ner_tags"].feature
    assert isinstance(tags, datasets.ClassLabel)
    assert all(isinstance(t, int) for t in ner[0]["ner_tags"])
    named = pl.read_parquet(built / data_file("ner"))["ner_tags"].to_list()
    assert [[tags.int2str(t) for t in row["ner_tags"]] for row in ner] == named
