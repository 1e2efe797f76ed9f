"""Fixtures of the silver tests: the seed articles as raw input in each format, and one silver build."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ceasefire_news import annotate
from ceasefire_news.gold.seeds import default_seeds_dir

DOC_IDS = [
    "000_a604801cb8896bbe",
    "001_962f232c241942aa",
    "002_1326406fc45ba7b4",
    "003_dbbfab3a559acc3c",
    "004_8a3745de7e51fef9",
]


def seed_texts() -> dict[str, str]:
    """doc_id -> text of the project's seed articles."""
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted((default_seeds_dir() / "articles").glob("*.txt"))}


@pytest.fixture(scope="session")
def raw_txt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed articles as a plain folder of .txt files (no annotations)."""
    folder = tmp_path_factory.mktemp("raw") / "articles"
    folder.mkdir()
    for path in sorted((default_seeds_dir() / "articles").glob("*.txt")):
        shutil.copyfile(path, folder / path.name)
    return folder


@pytest.fixture(scope="session")
def raw_jsonl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed articles as JSON Lines, in reverse order (the output must not depend on input order within a shard)."""
    path = tmp_path_factory.mktemp("raw") / "articles.jsonl"
    lines = [json.dumps({"doc_id": d, "text": t}, ensure_ascii=False) for d, t in seed_texts().items()]
    path.write_text("\n".join(reversed(lines)) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def raw_parquet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed articles as a Parquet file of doc_id and text."""
    path = tmp_path_factory.mktemp("raw") / "articles.parquet"
    texts = seed_texts()
    pq.write_table(pa.table({"doc_id": list(texts), "text": list(texts.values())}), path)
    return path


@pytest.fixture(scope="session")
def silver_built(raw_txt: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed articles built as raw text (rules NER), in two shards: read-only for the tests."""
    out = tmp_path_factory.mktemp("silver") / "ds"
    return annotate(raw_txt, out, ner="rules", workers=1, batch_size=2, shard_docs=4, quiet=True)
