"""Helpers shared by the tests: editing annotation files and checking a located build failure."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from ceasefire_news import DatasetError, build


def edit_jsonl(path: Path, change: Callable[[list[dict]], object]) -> Path:
    """Load a JSON Lines file, let change() edit its records in place, write it back."""
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    change(records)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def assert_build_fails_located(seeds: Path, out: Path, fragments: list[str]) -> list[str]:
    """Build must raise with one problem line containing every fragment, and leave no output."""
    with pytest.raises(DatasetError) as err:
        build(seeds, out)
    lines = [str(p) for p in err.value.problems]
    assert any(all(f in line for f in fragments) for line in lines), lines
    assert not out.exists()
    return lines
