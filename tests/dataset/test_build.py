"""End-to-end build of the project's seeds: exact counts, golden records, pinned tables, determinism."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from ceasefire_news import DATASET_VERSION, FORMAT_VERSION, SCHEMA_VERSION, DatasetError, build, validate
from ceasefire_news.cli import main
from ceasefire_news.gold.seeds import default_seeds_dir
from ceasefire_news.schema.tables import TABLES, data_file

DOC_IDS = [
    "000_a604801cb8896bbe",
    "001_962f232c241942aa",
    "002_1326406fc45ba7b4",
    "003_dbbfab3a559acc3c",
    "004_8a3745de7e51fef9",
]


def rows(root: Path, config: str) -> list[dict]:
    """A built table as plain rows (ClassLabel columns as names, for readable pins)."""
    table = TABLES[config]
    return [table.from_row(r).model_dump() for r in pq.read_table(root / data_file(config)).to_pylist()]


def test_output_layout(built: Path) -> None:
    files = sorted(p.relative_to(built).as_posix() for p in built.rglob("*") if p.is_file())
    assert files == [
        "LICENSE.md",
        "README.md",
        "croissant.json",
        "data/alignments/test-00000-of-00001.parquet",
        "data/documents/test-00000-of-00001.parquet",
        "data/duplicate_groups/test-00000-of-00001.parquet",
        "data/entities/test-00000-of-00001.parquet",
        "data/ner/test-00000-of-00001.parquet",
        "data/pairs/test-00000-of-00001.parquet",
        "data/sentence_pairs/test-00000-of-00001.parquet",
        "data/sentences/test-00000-of-00001.parquet",
        "manifest.json",
    ]


def test_documents_are_the_seed_files(built: Path) -> None:
    docs = rows(built, "documents")
    assert [d["doc_id"] for d in docs] == DOC_IDS
    for doc in docs:
        raw = (default_seeds_dir() / "articles" / f"{doc['doc_id']}.txt").read_bytes()
        assert doc["text"] == raw.decode("utf-8")
        assert doc["sha256"] == hashlib.sha256(raw).hexdigest()
        assert doc["num_chars"] == len(doc["text"])


def test_exact_counts(built: Path) -> None:
    sentences = rows(built, "sentences")
    assert len(sentences) == 150
    assert Counter(s["doc_id"] for s in sentences) == dict(zip(DOC_IDS, [26, 25, 27, 52, 20]))
    assert Counter(s["role"] for s in sentences) == {
        "title": 3,
        "heading": 9,
        "body": 120,
        "list_item": 7,
        "boilerplate": 11,
    }
    docs = {d["doc_id"]: d for d in rows(built, "documents")}
    assert [docs[d]["num_sentences"] for d in DOC_IDS] == [26, 25, 27, 52, 20]


def test_golden_records(built: Path) -> None:
    sentences = {(s["doc_id"], s["index"]): s for s in rows(built, "sentences")}
    assert sentences[("003_dbbfab3a559acc3c", 18)] == {
        "doc_id": "003_dbbfab3a559acc3c",
        "index": 18,
        "start": 2308,
        "end": 2398,
        "role": "boilerplate",
        "text": '(Related:\nTrump says "very good chance" for Ukraine war ceasefire after talks with Putin.)',
    }
    # An abbreviation that ends its sentence (guidelines: decision S-5).
    assert sentences[("004_8a3745de7e51fef9", 17)] == {
        "doc_id": "004_8a3745de7e51fef9",
        "index": 17,
        "start": 2654,
        "end": 2772,
        "role": "body",
        "text": "European leaders, feeling somewhat marginalized in the peace efforts, "
        "have sought to engage more closely with the U.S.",
    }
    docs = {d["doc_id"]: d for d in rows(built, "documents")}
    assert docs["000_a604801cb8896bbe"]["title"] == "Trump and Putin Set for Talks as Ceasefire Negotiations Stall"
    assert docs["002_1326406fc45ba7b4"]["title"] is None
    assert docs["003_dbbfab3a559acc3c"] | {"text": None} == {
        "doc_id": "003_dbbfab3a559acc3c",
        "text": None,
        "title": 'Trump and Putin poised for ceasefire talks as envoy reports "positive" progress in Ukraine negotiations',
        "sha256": "002fe3a9e4061daf4ee925afd94bb09fa3650cfa3e1f29ecaa5e93c63d02df25",
        "num_chars": 5920,
        "num_sentences": 52,
    }


@pytest.mark.parametrize("config", list(TABLES))
def test_tables_pinned(built: Path, config: str, data_regression) -> None:
    table = rows(built, config)
    if config == "ner":  # one line per segment keeps the pin reviewable: token/TAG@start ...
        table = [
            {
                "doc_id": r["doc_id"],
                "sentence_index": r["sentence_index"],
                "tokens": " ".join(
                    f"{tok}/{tag}@{start}" for tok, tag, start in zip(r["tokens"], r["ner_tags"], r["token_starts"])
                ),
            }
            for r in table
        ]
    if config == "sentence_pairs":  # one row per cross-document segment pair: pin the counts and the linked rows
        # (the texts are the pinned sentences; the whole table is compared to a plain derivation in tests/gold)
        labels = Counter(r["label"] for r in table)
        table = {
            "num_rows": len(table),
            "labels": {label: labels.get(label, 0) for label in TABLES[config].class_labels["label"].names},
            "linked": [
                f"{r['doc_a']}:{r['index_a']} {r['doc_b']}:{r['index_b']} {r['label']}" for r in table if r["label"] != "unrelated"
            ],
        }
        data_regression.check(table, basename=f"table_{config}")
        return
    data_regression.check({"rows": table}, basename=f"table_{config}")


def test_versions_agree(built: Path) -> None:
    manifest = json.loads((built / "manifest.json").read_text())
    assert (manifest["dataset_version"], manifest["schema_version"], manifest["format_version"]) == (
        DATASET_VERSION,
        SCHEMA_VERSION,
        FORMAT_VERSION,
    )
    card = yaml.safe_load((built / "README.md").read_text().split("---\n")[1])
    assert {c["config_name"]: c["version"] for c in card["configs"]} == {
        name: DATASET_VERSION for name in manifest["tables"]
    }
    for name, entry in manifest["tables"].items():
        stamp = json.loads(pq.read_schema(built / entry["file"]).metadata[b"ceasefire_news"])
        assert stamp == {
            "config": name,
            "dataset_version": DATASET_VERSION,
            "schema_version": SCHEMA_VERSION,
            "format_version": FORMAT_VERSION,
        }


def test_card_yaml_from_features(built: Path) -> None:
    card = yaml.safe_load((built / "README.md").read_text().split("---\n")[1])
    configs = {c["config_name"]: c for c in card["configs"]}
    assert configs["documents"]["default"] is True
    assert configs["sentences"]["data_files"] == [{"split": "test", "path": data_file("sentences")}]
    infos = {i["config_name"]: i for i in card["dataset_info"]}
    assert infos["sentences"]["splits"][0]["num_examples"] == 150
    role = next(f for f in infos["sentences"]["features"] if f["name"] == "role")
    assert role["dtype"]["class_label"]["names"] == {"0": "title", "1": "heading", "2": "body", "3": "list_item", "4": "boilerplate"}


def test_manifest_lists_inputs_and_files(built: Path) -> None:
    manifest = json.loads((built / "manifest.json").read_text())
    assert sorted(manifest["files"]) == sorted(
        ["LICENSE.md", "README.md", "croissant.json", *(data_file(name) for name in manifest["tables"])]
    )
    assert list(manifest["tables"]) == [
        "alignments", "documents", "duplicate_groups", "entities", "ner", "pairs", "sentence_pairs", "sentences",
    ]
    assert manifest["tables"]["sentences"] == {"file": data_file("sentences"), "num_rows": 150}
    seeds = default_seeds_dir()
    for rel, digest in manifest["inputs"].items():
        assert hashlib.sha256((seeds / rel).read_bytes()).hexdigest() == digest
    assert {f"articles/{d}.txt" for d in DOC_IDS} <= set(manifest["inputs"])


def test_two_builds_are_byte_identical(built: Path, tmp_path: Path) -> None:
    again = build(out_dir=tmp_path / "again")
    first = {p.relative_to(built): p.read_bytes() for p in built.rglob("*") if p.is_file()}
    second = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert first == second


def test_rebuild_replaces_existing_output(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    build(out_dir=out)
    (out / "README.md").write_text("an older card", encoding="utf-8")  # edited, still listed by its manifest
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["files"]["README.md"]["size"] = len("an older card")
    (out / "manifest.json").write_text(json.dumps(manifest))
    build(out_dir=out)
    validate(out)
    assert [p.name for p in tmp_path.iterdir()] == ["ds"]  # no temporary directories left


def test_directory_with_other_files_is_refused(tmp_path: Path) -> None:
    """A directory holding anything but an earlier output is never replaced (see tests/test_bad_inputs_output.py)."""
    out = tmp_path / "ds"
    out.mkdir()
    (out / "thesis.tex").write_text("mine")
    with pytest.raises(DatasetError, match="not an earlier ceasefire-news output"):
        build(out_dir=out)
    assert [p.name for p in out.iterdir()] == ["thesis.tex"]


def test_cli_build_and_validate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli"
    assert main(["build", "--seeds", str(default_seeds_dir()), "--out", str(out)]) == 0
    assert main(["validate", str(out)]) == 0
    counts = dict(part.split("=") for part in capsys.readouterr().out.split("; ")[1].rstrip(")\n").split(", "))
    assert {k: v for k, v in counts.items() if k not in ("alignments", "sentence_pairs")} == {
        "documents": "5", "duplicate_groups": "5", "entities": "449", "ner": "150", "pairs": "10", "sentences": "150",
    }
    assert set(counts) >= {"alignments", "sentence_pairs"}  # pinned in test_tables_pinned


def test_seed_articles_are_byte_copies_of_the_shared_seeds() -> None:
    shared = Path(__file__).resolve().parents[3] / "shared" / "seeds"
    if not shared.is_dir():
        pytest.skip("no ../shared/seeds beside this checkout")
    ours = {p.name: p.read_bytes() for p in (default_seeds_dir() / "articles").glob("*.txt")}
    assert ours == {p.name: p.read_bytes() for p in shared.glob("*.txt")}
