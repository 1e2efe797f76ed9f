"""End-to-end silver builds: raw .txt, JSON Lines and Parquet input; validated, loadable, labelled silver."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import datasets
import pyarrow.parquet as pq
import pytest
import yaml

from ceasefire_news import annotate, build, validate
from ceasefire_news.dataset.manifest import Manifest
from ceasefire_news.gold.seeds import default_seeds_dir
from ceasefire_news.schema.tables import CANDIDATE_PAIRS, TABLES

from .conftest import DOC_IDS

CONFIGS = ("documents", "sentences", "entities", "ner", "duplicate_groups", "pairs")


def manifest(root: Path) -> Manifest:
    return Manifest.model_validate_json((root / "manifest.json").read_bytes())


def data_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "data").rglob("*.parquet"))}


def test_layout_is_sharded_by_documents(silver_built: Path) -> None:
    files = sorted(p.relative_to(silver_built).as_posix() for p in silver_built.rglob("*") if p.is_file())
    per_doc = [f"data/{c}/test-0000{k}-of-00002.parquet" for c in ("documents", "duplicate_groups", "entities", "ner") for k in (0, 1)]
    assert files == sorted(
        ["LICENSE.md", "README.md", "croissant.json", "manifest.json", *per_doc, "data/pairs/test-00000-of-00001.parquet"]
        + ["data/alignments/test-00000-of-00001.parquet", "data/sentence_pairs/test-00000-of-00001.parquet"]  # empty: no layer
        + [f"data/sentences/test-0000{k}-of-00002.parquet" for k in (0, 1)]
    )
    first = pq.read_table(silver_built / "data/documents/test-00000-of-00002.parquet").column("doc_id").to_pylist()
    second = pq.read_table(silver_built / "data/documents/test-00001-of-00002.parquet").column("doc_id").to_pylist()
    assert (first, second) == (DOC_IDS[:4], DOC_IDS[4:])
    entry = manifest(silver_built).tables["sentences"]
    assert entry.file == "data/sentences/test-*-of-00002.parquet"


def test_validates_and_loads_with_datasets(silver_built: Path) -> None:
    m = validate(silver_built)
    for config in CONFIGS:
        table = datasets.load_dataset(str(silver_built), config, split="test")
        assert table.num_rows == m.tables[config].num_rows
    sentences = datasets.load_dataset(str(silver_built), "sentences", split="test")
    assert sentences.features["role"].names == ["title", "heading", "body", "list_item", "boilerplate"]
    assert sorted(set(sentences["doc_id"])) == DOC_IDS
    pairs = datasets.load_dataset(str(silver_built), "pairs", split="test")
    assert pairs.features == CANDIDATE_PAIRS.features


def test_croissant_reads_every_shard_and_carries_its_checksum(silver_built: Path) -> None:
    """croissant.json: a FileSet per sharded table that mlcroissant reads whole, and a checksummed FileObject per shard."""
    import mlcroissant as mlc

    m = validate(silver_built)
    meta = json.loads((silver_built / "croissant.json").read_text(encoding="utf-8"))
    objects = {o["contentUrl"]: o for o in meta["distribution"] if o["@type"] == "cr:FileObject"}
    sets = {o["@id"]: o["includes"] for o in meta["distribution"] if o["@type"] == "cr:FileSet"}
    assert sorted(objects) == sorted(data_files(silver_built))
    for rel, obj in objects.items():
        assert obj["sha256"] == m.files[rel].sha256
    assert sets == {f"{c}-shards": m.tables[c].file for c in ("documents", "duplicate_groups", "entities", "ner", "sentences")}
    dataset = mlc.Dataset(jsonld=silver_built / "croissant.json")
    records = {config: list(dataset.records(config)) for config in m.tables}  # mlcroissant reads a record set once
    assert {c: len(r) for c, r in records.items()} == {c: e.num_rows for c, e in m.tables.items()}
    assert sorted(r["documents/doc_id"].decode() for r in records["documents"]) == DOC_IDS
    scores = [r["pairs/jaccard"] for r in records["pairs"]]  # the silver pairs' own columns
    assert scores and all(0 <= s <= 1 for s in scores)


def test_missing_or_stale_croissant_fails_validation(silver_built: Path, tmp_path: Path) -> None:
    from ceasefire_news.errors import DatasetError

    copy = tmp_path / "ds"
    shutil.copytree(silver_built, copy)
    path = copy / "croissant.json"
    meta = json.loads(path.read_text(encoding="utf-8"))
    shard = next(o for o in meta["distribution"] if o["@type"] == "cr:FileObject")
    shard["sha256"] = "0" * 64
    path.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(DatasetError) as err:
        validate(copy)
    assert f"sha256 '{'0' * 64}' of {shard['contentUrl']} differs" in str(err.value)
    path.unlink()
    with pytest.raises(DatasetError) as err:
        validate(copy)
    assert "croissant.json: required file is missing" in str(err.value)


def test_package_loaders_read_a_sharded_build(silver_built: Path) -> None:
    """ceasefire_news.load / load_all take the shard files from manifest.json, as load_dataset does."""
    from ceasefire_news import load, load_all

    m = manifest(silver_built)
    loaded = load_all(silver_built)
    assert {name: t.num_rows for name, t in loaded.items()} == {name: e.num_rows for name, e in m.tables.items()}
    assert sorted(set(load("sentences", silver_built)["doc_id"])) == DOC_IDS
    assert loaded["pairs"].features == CANDIDATE_PAIRS.features
    assert loaded["alignments"].num_rows == 0  # an empty table still loads, with its Features


def test_exact_counts(silver_built: Path) -> None:
    m = manifest(silver_built)
    assert {name: e.num_rows for name, e in m.tables.items()} == {
        "documents": 5,
        "sentences": 150,
        "entities": 420,
        "ner": 150,
        "duplicate_groups": 5,
        "pairs": 9,
        "alignments": 0,  # no alignment layer in raw articles: the tables exist, empty
        "sentence_pairs": 0,
    }
    sentences = datasets.load_dataset(str(silver_built), "sentences", split="test")
    roles = Counter(sentences.features["role"].int2str(sentences["role"]))
    assert roles == {"title": 3, "heading": 9, "body": 120, "list_item": 7, "boilerplate": 11}


def test_golden_records(silver_built: Path) -> None:
    sentences = datasets.load_dataset(str(silver_built), "sentences", split="test").to_list()
    related = next(s for s in sentences if s["doc_id"] == DOC_IDS[3] and s["index"] == 18)
    assert related == {
        "doc_id": DOC_IDS[3],
        "index": 18,
        "start": 2308,
        "end": 2398,
        "text": '(Related:\nTrump says "very good chance" for Ukraine war ceasefire after talks with Putin.)',
        "role": 4,
    }
    entities = datasets.load_dataset(str(silver_built), "entities", split="test").to_list()
    trump = next(e for e in entities if e["doc_id"] == DOC_IDS[0] and e["text"] == "Donald Trump")
    assert (trump["kb_id"], trump["entity_id"], trump["mention_id"]) == ("Q22686", "Q22686", f"{DOC_IDS[0]}:77-89")
    kremlin = next(e for e in entities if e["doc_id"] == DOC_IDS[0] and e["text"] == "Kremlin")
    assert (kremlin["kb_id"], kremlin["entity_id"], kremlin["label"]) == (None, "nil:moscow-kremlin", 3)  # ORG
    assert not any(e["text"] == "Steve Witkoff" for e in entities)  # not in the general-knowledge gazetteer
    groups = {g["doc_id"]: g for g in datasets.load_dataset(str(silver_built), "duplicate_groups", split="test").to_list()}
    assert groups[DOC_IDS[2]] == {
        "doc_id": DOC_IDS[2],
        "near_duplicate": f"nd:{DOC_IDS[0]}",
        "event": f"event:{DOC_IDS[0]}",
        "topic": f"topic:{DOC_IDS[0]}",
    }


def test_provenance_says_silver_with_methods(silver_built: Path) -> None:
    provenance = manifest(silver_built).provenance
    assert provenance is not None
    assert {name: p.source for name, p in provenance.items()} == {
        **{name: "silver" for name in CONFIGS}, "alignments": "absent", "sentence_pairs": "absent"
    }
    assert "blingfire" in provenance["sentences"].method
    assert "EntityRuler" in provenance["entities"].method and "registry" in provenance["entities"].method
    assert "low-confidence" in provenance["duplicate_groups"].method
    card = (silver_built / "README.md").read_text(encoding="utf-8")
    meta = yaml.safe_load(card.split("---\n")[1])
    assert meta["annotations_creators"] == ["machine-generated"]
    assert "| `entities` | 420 | **silver** |" in card
    assert "The event level is\n  low-confidence silver." in card
    prose = " ".join(card.split())  # the card names the package as the tool, never as this dataset
    assert "by the silver pipeline of the `ceasefire-news` Python package (the tool; this dataset is not the ceasefire-news gold corpus)" in prose
    sentences_config = next(c for c in meta["configs"] if c["config_name"] == "sentences")
    assert sentences_config["data_files"] == [
        {"split": "test", "path": [f"data/sentences/test-0000{k}-of-00002.parquet" for k in (0, 1)]}
    ]


def test_jsonl_and_parquet_inputs_give_the_same_tables(raw_txt: Path, raw_jsonl: Path, raw_parquet: Path, tmp_path: Path) -> None:
    outs = {kind: annotate(path, tmp_path / kind, ner="rules", workers=1, quiet=True) for kind, path in (("txt", raw_txt), ("jsonl", raw_jsonl), ("parquet", raw_parquet))}
    files = {kind: data_files(out) for kind, out in outs.items()}
    assert files["jsonl"] == files["txt"]
    assert files["parquet"] == files["txt"]
    assert manifest(outs["jsonl"]).inputs == {"articles.jsonl": manifest(outs["jsonl"]).inputs["articles.jsonl"]}
    assert list(manifest(outs["txt"]).inputs) == ["*.txt"]


def test_rebuild_is_byte_identical(raw_txt: Path, silver_built: Path, tmp_path: Path) -> None:
    again = annotate(raw_txt, tmp_path / "again", ner="rules", workers=1, batch_size=2, shard_docs=4, quiet=True)
    assert {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()} == {
        p.relative_to(silver_built): p.read_bytes() for p in silver_built.rglob("*") if p.is_file()
    }


def test_default_batch_divides_the_shard_and_gives_the_same_bytes(raw_txt: Path, silver_built: Path, tmp_path: Path) -> None:
    # No batch_size: the largest divisor of shard_docs up to DEFAULT_BATCH (4 here, not 2): same bytes.
    again = annotate(raw_txt, tmp_path / "again", ner="rules", workers=1, shard_docs=4, quiet=True)
    assert {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()} == {
        p.relative_to(silver_built): p.read_bytes() for p in silver_built.rglob("*") if p.is_file()
    }


@pytest.mark.parametrize(
    "options, message",
    [
        (["--shard-docs", "3", "--batch-size", "2"], "error: shard_docs (3) must be a positive multiple of batch_size (2)"),
        (["--shard-docs", "0"], "error: shard_docs must be at least 1, not 0"),
        (["--batch-size", "-2"], "error: batch_size must be at least 1, not -2"),
    ],
)
def test_cli_inconsistent_batch_options_are_a_clean_error(raw_txt: Path, tmp_path: Path, options: list[str], message: str) -> None:
    out = tmp_path / "cli"
    done = subprocess.run(
        [sys.executable, "-m", "ceasefire_news", "build", "--seeds", str(raw_txt), "--out", str(out), "--ner", "rules", *options],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert done.stderr.splitlines() == [message]
    assert not out.exists()


def test_gold_seeds_still_take_the_gold_build(built: Path, tmp_path: Path) -> None:
    out = annotate(default_seeds_dir(), tmp_path / "gold", quiet=True)
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == {
        p.relative_to(built): p.read_bytes() for p in built.rglob("*") if p.is_file()
    }
    assert manifest(out).provenance is None


def test_gold_layers_are_kept_and_others_are_silver(built: Path, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(default_seeds_dir(), seeds)
    shutil.rmtree(seeds / "annotations" / "entities")
    shutil.rmtree(seeds / "annotations" / "agreement")
    (seeds / "annotations" / "duplicate_groups.jsonl").unlink()
    out = annotate(seeds, tmp_path / "mixed", ner="rules", workers=1, quiet=True)
    provenance = manifest(out).provenance
    assert {n: p.source for n, p in provenance.items()} == {
        "documents": "gold",
        "sentences": "gold",
        "entities": "silver",
        "ner": "silver",
        "duplicate_groups": "silver",
        "pairs": "silver",
        "alignments": "absent",
        "sentence_pairs": "absent",
    }
    for config in ("documents", "sentences"):
        gold = pq.read_table(built / f"data/{config}/test-00000-of-00001.parquet")
        mixed = pq.read_table(out / f"data/{config}/test-00000-of-00001.parquet")
        assert mixed.equals(gold)
    assert "inputs" in manifest(out).model_dump()
    assert any(k.startswith("annotations/sentences/") for k in manifest(out).inputs)


def test_gold_groups_keep_every_pair(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(default_seeds_dir(), seeds)
    shutil.rmtree(seeds / "annotations" / "entities")
    out = annotate(seeds, tmp_path / "out", ner="rules", workers=1, quiet=True)
    assert manifest(out).provenance["pairs"].source == "gold"
    pairs = pq.read_table(out / "data/pairs/test-00000-of-00001.parquet")
    assert pairs.schema.remove_metadata() == TABLES["pairs"].arrow_schema
    assert pairs.num_rows == 10


def test_cli_build_from_raw_articles(raw_txt: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli"
    done = subprocess.run(
        [sys.executable, "-m", "ceasefire_news", "build", "--seeds", str(raw_txt), "--out", str(out), "--ner", "rules", "--workers", "1"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"built {out}"
    assert done.stderr == ""  # not a terminal: no progress bar, no summary
    assert json.loads((out / "manifest.json").read_text())["tables"]["documents"]["num_rows"] == 5


def test_progress_and_summary_when_asked(raw_txt: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = annotate(raw_txt, tmp_path / "loud", ner="none", workers=1, quiet=False)
    err = capsys.readouterr().err
    assert "annotating" in err and "doc/s" in err and "MB/s" in err  # the tqdm bar
    summary = err[err.index(f"built {out}: 5 documents") :]
    assert "docs/s" in summary and "peak memory" in summary and "engine local x1" in summary
    assert re.search(r"\n  sentences +150 rows  \(silver: rules\+blingfire", summary), summary
    assert re.search(r"\n  entities +0 rows  \(silver: none: no entity recognition", summary), summary


def test_links_come_only_from_the_given_registry(tmp_path: Path) -> None:
    registry = tmp_path / "registry.jsonl"
    registry.write_text(
        json.dumps({"entity_id": "nil:vladimir-putin", "name": "Vladimir Putin", "kb_id": None, "evidence": None}) + "\n", encoding="utf-8"
    )
    articles = tmp_path / "in.jsonl"
    articles.write_text(json.dumps({"doc_id": "d1", "text": "Putin spoke to Donald Trump in Moscow."}) + "\n", encoding="utf-8")
    out = annotate(articles, tmp_path / "out", ner="rules", registry=registry, workers=1, quiet=True)
    rows = pq.read_table(out / "data/entities/test-00000-of-00001.parquet", columns=["text", "kb_id", "entity_id"]).to_pylist()
    assert rows == [
        {"text": "Putin", "kb_id": None, "entity_id": "nil:vladimir-putin"},
        {"text": "Donald Trump", "kb_id": None, "entity_id": "nil:donald-trump"},
        {"text": "Moscow", "kb_id": None, "entity_id": "nil:moscow"},
    ]


def test_gold_entities_need_gold_sentences(tmp_path: Path) -> None:
    from ceasefire_news import DatasetError

    seeds = tmp_path / "seeds"
    shutil.copytree(default_seeds_dir(), seeds)
    shutil.rmtree(seeds / "annotations" / "sentences")
    with pytest.raises(DatasetError, match="gold entities need gold sentences"):
        annotate(seeds, tmp_path / "out", ner="rules", workers=1, quiet=True)
    assert not (tmp_path / "out").exists()


def test_missing_silver_extra_is_a_clean_error(tmp_path: Path, monkeypatch, capsys) -> None:
    """Without the `silver` extra, a raw-article build says which extra to install (no 'bug' hint, no traceback)."""
    import importlib.util

    from ceasefire_news.cli import main

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "blingfire" else real(name, *a))
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a1.txt").write_text("A library opened on Monday.\n", encoding="utf-8")
    assert main(["build", "--seeds", str(raw), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "pip install 'ceasefire-news[silver]' (missing: blingfire)" in err
    assert "bug" not in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_pair_chunks_are_in_key_order_across_shards(monkeypatch: pytest.MonkeyPatch) -> None:
    """The silver pairs table is cut into shards from integer keys: the same rows and order as sorting the strings."""
    import numpy as np
    import pyarrow as pa

    from ceasefire_news.dataset import shards
    from ceasefire_news.silver.pipeline import _pair_chunks

    monkeypatch.setattr(shards, "PAIRS_SHARD_ROWS", 4)
    ids = ["q", "b", "zz", "a", "m", "é", "c"]  # positions in input order, not doc_id order
    rng = np.random.default_rng(3)
    positions = np.array([(a, b) for a in range(7) for b in range(a + 1, 7)])[rng.permutation(21)[:11]]
    sorted_ids = sorted(ids)
    rank = {d: sorted_ids.index(d) for d in ids}
    key = np.array([min(rank[ids[a]], rank[ids[b]]) * 7 + max(rank[ids[a]], rank[ids[b]]) for a, b in positions])
    relation = np.arange(11, dtype=np.int8) % 4
    score = np.arange(11) / 10
    chunks = list(_pair_chunks(pa.array(sorted_ids), key, np.argsort(key), relation, score, score))
    assert [c.num_rows for c in chunks] == [4, 4, 3]
    got = [(r["doc_a"], r["doc_b"], r["jaccard"]) for c in chunks for r in c.to_pylist()]
    want = sorted((min(ids[a], ids[b]), max(ids[a], ids[b]), s) for (a, b), s in zip(positions.tolist(), score))
    assert got == want
