"""Shared fixtures: an offline, isolated environment and one build of the project's seeds."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

# Set before `datasets` is imported anywhere: no network, and a cache of our own.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ.setdefault("HF_HOME", tempfile.mkdtemp(prefix="ceasefire-news-hf-"))
os.environ["HF_DATASETS_CACHE"] = str(Path(os.environ["HF_HOME"]) / "datasets")

import pytest  # noqa: E402

from ceasefire_news import build  # noqa: E402
from ceasefire_news.gold.seeds import default_seeds_dir  # noqa: E402


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's seeds built once for the whole session (read-only for tests)."""
    return build(out_dir=tmp_path_factory.mktemp("built") / "ceasefire-news")


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    """A private, writable copy of the project's seeds directory."""
    dest = tmp_path / "seeds"
    shutil.copytree(default_seeds_dir(), dest)
    return dest
