"""Fixtures of the benchmark tests: a build that has an alignment layer."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ceasefire_news import build
from ceasefire_news.gold.seeds import default_seeds_dir

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(scope="session")
def aligned(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A build with alignment gold: the project's own when its seeds have one, else the seeds plus the test fixture."""
    if (default_seeds_dir() / "annotations" / "alignments.jsonl").is_file():
        return built
    root = tmp_path_factory.mktemp("aligned")
    seeds = root / "seeds"
    shutil.copytree(default_seeds_dir(), seeds)
    shutil.copyfile(FIXTURES / "alignments.jsonl", seeds / "annotations" / "alignments.jsonl")
    return build(seeds, root / "ds")
