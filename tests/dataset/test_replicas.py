"""A gold corpus of 200 annotated documents (40 renamed replicas of the seeds): build, validate, exact pairs."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ceasefire_news import DatasetError, build, validate
from ceasefire_news.dataset.manifest import TableEntry, write_manifest
from ceasefire_news.schema.tables import TABLES, data_file
from ceasefire_news.synthetic.replicate import replicate_seeds

N_DOCS = 200  # 40 replicas of the 5 seed documents


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("replicas")
    return build(replicate_seeds(N_DOCS, root / "seeds"), root / "ds")


def test_counts_are_exact(big: Path) -> None:
    manifest = validate(big)  # every invariant, tables re-derived and compared
    assert {name: t.num_rows for name, t in manifest.tables.items()} == {
        "documents": 200,
        "sentences": 40 * 150,
        "entities": 40 * 449,
        "ner": 40 * 150,
        "duplicate_groups": 200,
        "pairs": 200 * 199 // 2,
    }


def test_pairs_are_every_pair_once_with_the_replicated_relations(big: Path) -> None:
    pairs = pq.read_table(big / data_file("pairs"))
    assert pairs.num_rows == 19_900
    names = TABLES["pairs"].label_names["relation"]
    relations = Counter(names[r] for r in pairs.column("relation").to_pylist())
    # Inside each replica the seeds' 10 pairs (3 near_duplicate, 3 same_event, 4 same_topic); every
    # pair across replicas is unrelated, because each replica has its own group ids.
    assert relations == {"near_duplicate": 120, "same_event": 120, "same_topic": 160, "unrelated": 19_900 - 400}
    keys = list(zip(pairs.column("doc_a").to_pylist(), pairs.column("doc_b").to_pylist()))
    assert keys == sorted(keys) and len(set(keys)) == len(keys) and all(a < b for a, b in keys)
    assert pairs.slice(0, 1).to_pylist() == [
        {"doc_a": "r00000_000_a604801cb8896bbe", "doc_b": "r00000_001_962f232c241942aa", "relation": names.index("near_duplicate")}
    ]
    row = keys.index(("r00039_003_dbbfab3a559acc3c", "r00039_004_8a3745de7e51fef9"))
    assert names[pairs.column("relation")[row].as_py()] == "same_topic"


def test_replica_tables_repeat_the_seed_tables(big: Path, built: Path) -> None:
    seed = pq.read_table(built / data_file("ner")).to_pylist()
    replica = [r for r in pq.read_table(big / data_file("ner")).to_pylist() if r["doc_id"].startswith("r00017_")]
    assert [{**r, "doc_id": r["doc_id"][len("r00017_"):]} for r in replica] == seed


def _rewrite(root: Path, name: str, change) -> Path:
    """Change a stored table's rows and re-checksum, so only re-derivation can catch it."""
    path = root / data_file(name)
    table = pq.read_table(path)
    pq.write_table(pa.Table.from_pylist(change(table.to_pylist()), schema=table.schema), path)
    manifest = json.loads((root / "manifest.json").read_text())
    write_manifest(root, {k: TableEntry(**v) for k, v in manifest["tables"].items()}, manifest["inputs"])
    return path


def test_tampered_pairs_are_located(big: Path, tmp_path: Path) -> None:
    copy = tmp_path / "ds"
    shutil.copytree(big, copy)

    def change(rows: list[dict]) -> list[dict]:
        rows[12_345]["relation"] = 3
        return rows[:-1]

    path = _rewrite(copy, "pairs", change)
    with pytest.raises(DatasetError) as err:
        validate(copy)
    found = [str(p) for p in err.value.problems]
    assert any(f.startswith(f"{path} row 12345 ") and "but the groups give 'unrelated'" in f for f in found), found
    assert any(f == f"{path}: 1 pair(s) missing, first ('r00039_003_dbbfab3a559acc3c', 'r00039_004_8a3745de7e51fef9')" for f in found), found
