"""Loading through `datasets` offline and through ceasefire_news.dataset.load, never stale after a rebuild."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import datasets
import pytest

import ceasefire_news
from ceasefire_news import build


def test_load_dataset_sentences_offline(built: Path) -> None:
    ds = datasets.load_dataset(str(built), "sentences", split="test")
    assert ds.num_rows == 150
    assert isinstance(ds.features["role"], datasets.ClassLabel)
    assert ds.features["role"].names == ["title", "heading", "body", "list_item", "boilerplate"]
    assert ds.features == ceasefire_news.TABLES["sentences"].features
    first = ds[0]
    assert first["doc_id"] == "000_a604801cb8896bbe"
    assert ds.features["role"].int2str(first["role"]) == "title"


def test_load_dataset_default_config_is_documents(built: Path) -> None:
    ds = datasets.load_dataset(str(built), split="test")
    assert ds.column_names == ["doc_id", "text", "title", "sha256", "num_chars", "num_sentences"]
    assert ds.num_rows == 5


def test_load_builds_only_the_default_location_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)
    with caplog.at_level(logging.WARNING, logger="ceasefire_news"):
        ds = ceasefire_news.load("sentences")
    assert ds.num_rows == 150
    assert (tmp_path / "dist" / "ceasefire-news" / "manifest.json").is_file()
    assert "no dataset at dist/ceasefire-news yet; building it" in caplog.text
    everything = ceasefire_news.load_all()
    assert list(everything) == list(ceasefire_news.CONFIGS)
    assert everything["documents"].num_rows == 5


def test_load_never_writes_an_explicit_directory(tmp_path: Path) -> None:
    target = tmp_path / "fresh"
    with pytest.raises(ceasefire_news.DatasetError, match="no dataset here"):
        ceasefire_news.load("sentences", data_dir=target)
    assert not target.exists()
    target.mkdir()
    with pytest.raises(ceasefire_news.DatasetError, match="not a built dataset"):
        ceasefire_news.load("sentences", data_dir=target)
    assert list(target.iterdir()) == []


def test_unknown_config_is_an_error(built: Path) -> None:
    try:
        ceasefire_news.load("paragraphs", data_dir=built)
    except ValueError as err:
        assert "unknown config 'paragraphs'" in str(err)
    else:
        raise AssertionError("expected ValueError")


def test_rebuilt_dataset_is_not_served_stale(seeds_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    build(seeds_copy, out)
    before = ceasefire_news.load("sentences", data_dir=out)
    assert before.features["role"].int2str(before[1]["role"]) == "body"
    assert "/1.1.0/" in before.cache_files[0]["filename"]  # the dataset version (seeds/dataset.yaml) is in the cache key
    # Correct one annotation (same length, so row counts and sizes stay the same) and rebuild in place.
    path = seeds_copy / "annotations" / "sentences" / "000_a604801cb8896bbe.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    records[1]["role"] = "heading"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    build(seeds_copy, out)
    after = ceasefire_news.load("sentences", data_dir=out)
    assert after.features["role"].int2str(after[1]["role"]) == "heading"
    assert after.cache_files[0]["filename"] != before.cache_files[0]["filename"]


def test_copied_dataset_loads_from_its_new_place(built: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(built, copy)
    assert datasets.load_dataset(str(copy), "documents", split="test").num_rows == 5
