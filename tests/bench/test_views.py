"""MTEB-style views built from the gold groups."""

from __future__ import annotations

from pathlib import Path

import pytest

from ceasefire_news.bench.views import clustering, pair_classification


@pytest.mark.parametrize("level, positives", [("near_duplicate", 3), ("event", 6), ("topic", 10)])
def test_pair_classification(built: Path, level: str, positives: int) -> None:
    view = pair_classification(level, built)
    assert view.column_names == ["sentence1", "sentence2", "labels"]
    row = view[0]
    assert len(row["sentence1"]) == len(row["sentence2"]) == len(row["labels"]) == 10
    assert sum(row["labels"]) == positives
    assert row["sentence1"][0].startswith("Trump and Putin Set for Talks") and row["labels"][0] == 1


def test_clustering(built: Path) -> None:
    view = clustering(built)
    assert view["level"] == ["near_duplicate", "event", "topic"]
    assert [len(set(labels)) for labels in view["labels"]] == [3, 2, 1]
    assert all(len(s) == 5 for s in view["sentences"])


def test_unknown_level(built: Path) -> None:
    with pytest.raises(ValueError, match="unknown level 'story'"):
        pair_classification("story", built)
