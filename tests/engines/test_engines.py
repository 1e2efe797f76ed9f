"""Engines run a stage over batches and return one result per batch, in input order."""

from __future__ import annotations

import importlib.util

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from ceasefire_news.engines import get_engine


def double_reversed(batch: pa.Table, plan: int) -> pa.Table:
    """A stage that multiplies and returns its rows in reverse order (engines must not care)."""
    rows = batch.take(pa.array(range(batch.num_rows - 1, -1, -1)))
    return pa.table({"x": pc.multiply(rows.column("x"), plan)})


BATCHES = [pa.table({"x": list(range(k * 10, k * 10 + 3))}) for k in range(7)]
EXPECTED = [sorted(v * 2 for v in b.column("x").to_pylist()) for b in BATCHES]


@pytest.mark.parametrize("workers", [1, 2])
def test_local_engine_keeps_input_order(workers: int) -> None:
    engine = get_engine("local", workers)
    out = [sorted(t.column("x").to_pylist()) for t in engine.map(double_reversed, iter(BATCHES), 2)]
    assert out == EXPECTED


@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="the ray extra is not installed")
def test_ray_engine_regroups_results_by_batch() -> None:
    engine = get_engine("ray", 2)
    try:
        engine.window = 3  # several windows, the last one partial
        out = [sorted(t.column("x").to_pylist()) for t in engine.map(double_reversed, iter(BATCHES), 2)]
    finally:
        engine.close()
    assert out == EXPECTED


def test_unknown_engine() -> None:
    with pytest.raises(ValueError, match="unknown engine 'spark'"):
        get_engine("spark")
