"""MTEB-style views of the gold groups: pair classification per level and clustering with the three levels."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import datasets

from ..dataset.load import load
from ..schema.models import GROUP_LEVELS


def _docs_and_groups(data_dir: Path | str | None) -> tuple[dict[str, str], dict[str, dict]]:
    texts = {r["doc_id"]: r["text"] for r in load("documents", data_dir)}
    groups = {r["doc_id"]: r for r in load("duplicate_groups", data_dir)}
    return texts, groups


def pair_classification(level: str, data_dir: Path | str | None = None) -> datasets.Dataset:
    """Every document pair as MTEB PairClassification: one row of lists sentence1, sentence2, labels (1 = same group)."""
    if level not in GROUP_LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {', '.join(GROUP_LEVELS)}")
    texts, groups = _docs_and_groups(data_dir)
    pairs = list(combinations(sorted(texts), 2))
    return datasets.Dataset.from_dict(
        {
            "sentence1": [[texts[a] for a, _ in pairs]],
            "sentence2": [[texts[b] for _, b in pairs]],
            "labels": [[int(groups[a][level] == groups[b][level]) for a, b in pairs]],
        },
        features=datasets.Features(
            {
                "sentence1": datasets.List(datasets.Value("string")),
                "sentence2": datasets.List(datasets.Value("string")),
                "labels": datasets.List(datasets.Value("int32")),
            }
        ),
    )


def clustering(data_dir: Path | str | None = None) -> datasets.Dataset:
    """MTEB Clustering: one row per level (near_duplicate, event, topic) with all documents and their group ids."""
    texts, groups = _docs_and_groups(data_dir)
    ids = sorted(texts)
    return datasets.Dataset.from_dict(
        {
            "level": list(GROUP_LEVELS),
            "sentences": [[texts[d] for d in ids] for _ in GROUP_LEVELS],
            "labels": [[groups[d][level] for d in ids] for level in GROUP_LEVELS],
        },
        features=datasets.Features(
            {
                "level": datasets.Value("string"),
                "sentences": datasets.List(datasets.Value("string")),
                "labels": datasets.List(datasets.Value("string")),
            }
        ),
    )
