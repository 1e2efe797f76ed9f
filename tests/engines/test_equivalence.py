"""The same corpus gives byte-identical output on every engine and any number of workers."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from ceasefire_news import annotate, validate
from ceasefire_news.gold.seeds import default_seeds_dir


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    for path in sorted((default_seeds_dir() / "articles").glob("*.txt")):
        shutil.copyfile(path, folder / path.name)
    return folder


@pytest.fixture(scope="module")
def reference(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """One worker in the calling process: 5 batches of one document, 3 shards of two."""
    out = annotate(corpus, tmp_path_factory.mktemp("ref") / "ds", ner="rules", engine="local", workers=1, batch_size=1, shard_docs=2, quiet=True)
    validate(out)
    return tree(out)


def test_reference_is_sharded(reference: dict[str, bytes]) -> None:
    assert [f for f in reference if f.startswith("data/documents/")] == [f"data/documents/test-0000{k}-of-00003.parquet" for k in range(3)]


def test_local_pool_of_two_matches(corpus: Path, reference: dict[str, bytes], tmp_path: Path) -> None:
    out = annotate(corpus, tmp_path / "ds", ner="rules", engine="local", workers=2, batch_size=1, shard_docs=2, quiet=True)
    assert tree(out) == reference


@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="the ray extra is not installed")
def test_ray_local_mode_matches(corpus: Path, reference: dict[str, bytes], tmp_path: Path) -> None:
    out = annotate(corpus, tmp_path / "ds", ner="rules", engine="ray", workers=2, batch_size=1, shard_docs=2, quiet=True)
    assert tree(out) == reference
