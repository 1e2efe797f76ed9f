"""Replicas of the annotated seeds: renamed doc_ids, per-replica groups, shared referents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ceasefire_news.gold.seeds import default_seeds_dir, read_seeds
from ceasefire_news.synthetic.replicate import replicate_seeds


def test_replicas_rename_documents_and_groups(tmp_path: Path) -> None:
    root = replicate_seeds(7, tmp_path / "seeds")
    seeds = read_seeds(root)  # every record valid
    assert sorted(seeds.articles) == [
        "r00000_000_a604801cb8896bbe",
        "r00000_001_962f232c241942aa",
        "r00000_002_1326406fc45ba7b4",
        "r00000_003_dbbfab3a559acc3c",
        "r00000_004_8a3745de7e51fef9",
        "r00001_000_a604801cb8896bbe",
        "r00001_001_962f232c241942aa",
    ]
    original = default_seeds_dir()
    assert (root / "articles" / "r00001_001_962f232c241942aa.txt").read_bytes() == (
        original / "articles" / "001_962f232c241942aa.txt"
    ).read_bytes()
    groups = {g.record.doc_id: g.record for g in seeds.groups}
    assert groups["r00001_000_a604801cb8896bbe"].near_duplicate == "nd:wire-story-march-2025@r00001"
    assert groups["r00001_000_a604801cb8896bbe"].topic == "topic:russia-ukraine-ceasefire-diplomacy-2025@r00001"
    first = json.loads((root / "annotations" / "entities" / "r00001_000_a604801cb8896bbe.jsonl").read_text().splitlines()[0])
    source = json.loads((original / "annotations" / "entities" / "000_a604801cb8896bbe.jsonl").read_text().splitlines()[0])
    assert first == {**source, "doc_id": "r00001_000_a604801cb8896bbe"}
    assert not (root / "annotations" / "agreement").exists()


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="n_docs must be at least 1"):
        replicate_seeds(0, tmp_path / "a")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "articles").mkdir()
    with pytest.raises(FileExistsError):
        replicate_seeds(3, tmp_path / "b")
