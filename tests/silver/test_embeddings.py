"""The optional sentence-embedding stage (build --embeddings): one unit vector per segment, validated, deterministic."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import datasets
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ceasefire_news import DatasetError, annotate, load, validate
from ceasefire_news.bench.baselines.embeddings import embeddings_available
from ceasefire_news.dataset.manifest import Manifest
from ceasefire_news.gold.seeds import default_seeds_dir

from .test_checks import problems, tamper

pytestmark = pytest.mark.skipif(not embeddings_available(), reason="the `embeddings` extra is not installed")

SHARDS = [f"data/sentence_embeddings/test-0000{k}-of-00002.parquet" for k in (0, 1)]


@pytest.fixture(scope="module")
def embedded(raw_txt: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed articles as raw text, built with the embedding stage in two shards (1 worker)."""
    out = tmp_path_factory.mktemp("embedded") / "ds"
    return annotate(raw_txt, out, ner="rules", workers=1, batch_size=2, shard_docs=4, quiet=True, embeddings=True)


def vectors(root: Path) -> tuple[pa.Table, np.ndarray]:
    table = pa.concat_tables(pq.read_table(root / s) for s in SHARDS)
    column = table.column("embedding").combine_chunks()
    return table, column.flatten().to_numpy().reshape(len(column), -1)


def test_one_unit_vector_per_segment_validated_and_loadable(embedded: Path) -> None:
    manifest = validate(embedded)
    assert manifest.tables["sentence_embeddings"].file == "data/sentence_embeddings/test-*-of-00002.parquet"
    assert manifest.tables["sentence_embeddings"].num_rows == manifest.tables["sentences"].num_rows == 150
    table, matrix = vectors(embedded)
    sentences = pa.concat_tables(pq.read_table(embedded / f"data/sentences/test-0000{k}-of-00002.parquet", columns=["doc_id", "index"]) for k in (0, 1))
    assert table.select(["doc_id", "index"]).equals(sentences)
    assert matrix.shape == (150, 384) and matrix.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-5)
    loaded = datasets.load_dataset(str(embedded), "sentence_embeddings", split="test")
    assert loaded.num_rows == 150 and len(loaded[0]["embedding"]) == 384
    assert load("sentence_embeddings", embedded)[0] == loaded[0]  # the package's loader too
    layer = manifest.provenance["sentence_embeddings"]
    assert layer.source == "silver" and "all-MiniLM-L6-v2" in layer.method


def test_paraphrases_are_closer_than_unrelated_segments(embedded: Path) -> None:
    """Real behaviour on the gold alignments: equivalent segments score far above segments of the later event."""
    table, matrix = vectors(embedded)
    texts = pa.concat_tables(pq.read_table(embedded / f"data/sentences/test-0000{k}-of-00002.parquet") for k in (0, 1))
    by_text = dict(zip(texts.column("text").to_pylist(), matrix))
    links = [json.loads(line) for line in (default_seeds_dir() / "annotations" / "alignments.jsonl").read_text(encoding="utf-8").splitlines()]
    equivalent = [float(by_text[x["text_a"]] @ by_text[x["text_b"]]) for x in links if x["relation"] == "equivalent"]
    doc_ids = texts.column("doc_id").to_pylist()
    first = matrix[[i for i, d in enumerate(doc_ids) if d.startswith("000_")]]
    later = matrix[[i for i, d in enumerate(doc_ids) if d.startswith("004_")]]
    unrelated = (first @ later.T).ravel()
    assert len(equivalent) == 21
    assert np.median(equivalent) > np.quantile(unrelated, 0.95)


def test_two_workers_give_the_same_bytes(raw_txt: Path, embedded: Path, tmp_path: Path) -> None:
    other = annotate(raw_txt, tmp_path / "ds", ner="rules", workers=2, batch_size=2, shard_docs=4, quiet=True, embeddings=True)
    for shard in SHARDS:
        assert (other / shard).read_bytes() == (embedded / shard).read_bytes()
    assert (other / "manifest.json").read_bytes() == (embedded / "manifest.json").read_bytes()


def test_a_broken_vector_or_a_missing_row_is_located(embedded: Path, tmp_path: Path) -> None:
    def zero_second(table: pa.Table) -> pa.Table:
        rows = table.to_pylist()
        rows[1]["embedding"] = [0.0] * len(rows[1]["embedding"])
        return pa.Table.from_pylist(rows, schema=table.schema)

    found = problems(tamper(embedded, tmp_path / "zero", SHARDS[0], zero_second))
    assert len(found) == 1 and "row 1" in found[0] and "field 'embedding'" in found[0] and "not a finite unit vector (norm 0)" in found[0]
    found = problems(tamper(embedded, tmp_path / "drop", SHARDS[1], lambda t: t.slice(1)))
    assert len(found) == 1 and "one embedding per segment" in found[0] and "field 'index'" in found[0]


def test_gold_seeds_refuse_the_stage_cleanly(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ceasefire_news", "build", "--seeds", str(default_seeds_dir()), "--out", str(tmp_path / "o"), "--embeddings"],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "--embeddings is a silver stage" in result.stderr
    assert not (tmp_path / "o").exists()


def test_missing_extra_is_a_clean_error(raw_txt: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ceasefire_news.bench.baselines.embeddings as module

    monkeypatch.setattr(module, "embeddings_available", lambda: False)
    with pytest.raises(DatasetError, match=r"pip install torch==2.13.0 'ceasefire-news\[embeddings\]'"):
        annotate(raw_txt, tmp_path / "o", ner="rules", workers=1, quiet=True, embeddings=True)
    assert not (tmp_path / "o").exists()


def test_diff_names_both_datasets_and_shows_the_optional_table(embedded: Path, silver_built: Path) -> None:
    from ceasefire_news.dataset.diff import diff_datasets, format_diff

    diff = diff_datasets(silver_built, embedded)
    assert diff.tables_added == ("sentence_embeddings",)
    assert diff.tables["sentence_embeddings"].new_rows == 150
    assert diff.tables["sentences"].is_empty  # same segments: the stage adds a table, changes none
    name = Manifest.model_validate_json((embedded / "manifest.json").read_bytes()).name
    assert format_diff(diff).startswith(f"## Changes: {name} 0.0.0 (version unchanged)")
    assert "ceasefire-news" not in format_diff(diff).splitlines()[0]  # a user's dataset is named as theirs
