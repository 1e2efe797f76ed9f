"""Engines: they schedule the per-batch stage (silver/annotate.py) and return its results in input order.

An engine knows nothing about the stages, and the stages know nothing about the engine: both
engines call the same function on the same input batches, and the pipeline sorts every shard by key
before writing, so the output bytes are the same whichever engine ran.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

import pyarrow as pa

ENGINES = ("local", "ray")

#: The function an engine runs: fn(batch, plan) -> result table.
Stage = Callable[[pa.Table, Any], pa.Table]


class Engine(Protocol):
    """Runs a stage over batches; yields one result per batch, in input order."""

    name: str
    workers: int

    def map(self, fn: Stage, batches: Iterable[pa.Table], plan: Any) -> Iterator[pa.Table]:
        """fn(batch, plan) for every batch, results in input order."""
        ...

    def close(self) -> None:
        """Release workers."""
        ...


def get_engine(name: str, workers: int | None = None) -> Engine:
    """The engine called `name` ('local' or 'ray') with `workers` processes (default: all CPUs)."""
    if name == "local":
        from .local import LocalEngine

        return LocalEngine(workers)
    if name == "ray":
        from .ray import RayEngine

        return RayEngine(workers)
    raise ValueError(f"unknown engine {name!r}; expected one of {', '.join(ENGINES)}")
