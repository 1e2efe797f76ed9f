"""A gold corpus of 200 annotated documents (40 renamed replicas of the seeds): build, validate, exact tables."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from ceasefire_news import build, validate
from ceasefire_news.schema.tables import data_file
from ceasefire_news.synthetic.replicate import replicate_seeds

N_DOCS = 200  # 40 replicas of the 5 seed documents


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("replicas")
    return build(replicate_seeds(N_DOCS, root / "seeds"), root / "ds")


def test_counts_are_exact(big: Path, built: Path) -> None:
    seed = {name: t.num_rows for name, t in validate(built).tables.items()}
    manifest = validate(big)  # every invariant; entities, ner and pairs re-derived from records and compared
    assert {name: t.num_rows for name, t in manifest.tables.items()} == {
        "documents": 200,
        "sentences": 40 * seed["sentences"],
        "entities": 40 * seed["entities"],
        "ner": 40 * seed["ner"],
        "duplicate_groups": 200,
        "pairs": 200 * 199 // 2,
        "alignments": 0,  # replicas have no alignment layer
        "sentence_pairs": 0,
    }
    assert seed["sentences"] == seed["ner"] == 150


def test_pairs_are_every_pair_once_with_the_replicated_relations(big: Path) -> None:
    pairs = pq.read_table(big / data_file("pairs"))
    assert pairs.num_rows == 19_900
    # Inside each replica the seeds' 10 pairs (3 near_duplicate, 3 same_event, 4 same_topic); every
    # pair across replicas is unrelated, because each replica has its own group ids.
    relations = Counter(pairs.column("relation").to_pylist())
    assert relations == {"near_duplicate": 120, "same_event": 120, "same_topic": 160, "unrelated": 19_900 - 400}
    keys = list(zip(pairs.column("doc_a").to_pylist(), pairs.column("doc_b").to_pylist()))
    assert keys == sorted(keys) and len(set(keys)) == len(keys) and all(a < b for a, b in keys)
    assert pairs.slice(0, 1).to_pylist() == [
        {"doc_a": "r00000_000_a604801cb8896bbe", "doc_b": "r00000_001_962f232c241942aa", "relation": "near_duplicate"}
    ]
    row = keys.index(("r00039_003_dbbfab3a559acc3c", "r00039_004_8a3745de7e51fef9"))
    assert pairs.column("relation")[row].as_py() == "same_topic"


def test_the_card_counts_every_pair(big: Path) -> None:
    card = (big / "README.md").read_text(encoding="utf-8")
    for line in ("| near_duplicate | 120 |", "| same_event | 120 |", "| same_topic | 160 |", "| unrelated | 19500 |"):
        assert line in card


@pytest.mark.parametrize("name", ["documents", "sentences", "entities", "ner"])
def test_replica_tables_repeat_the_seed_tables(big: Path, built: Path, name: str) -> None:
    seed = pq.read_table(built / data_file(name)).to_pylist()
    replica = [r for r in pq.read_table(big / data_file(name)).to_pylist() if r["doc_id"].startswith("r00017_")]
    strip = len("r00017_")
    renamed = [{**r, "doc_id": r["doc_id"][strip:]} for r in replica]
    if name == "entities":
        renamed = [{**r, "mention_id": r["mention_id"][strip:]} for r in renamed]
    assert renamed == seed


def test_a_rebuild_gives_byte_identical_tables(big: Path, tmp_path: Path) -> None:
    again = build(replicate_seeds(N_DOCS, tmp_path / "seeds"), tmp_path / "ds")
    for name in ("documents", "sentences", "entities", "ner", "duplicate_groups", "pairs"):
        assert (again / data_file(name)).read_bytes() == (big / data_file(name)).read_bytes(), name
