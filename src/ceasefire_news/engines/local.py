"""The local engine: a process pool (the default; no dependency beyond the standard library).

With one worker the stage runs in the calling process. With more, a `spawn` pool (safe with the
threads Arrow starts, unlike `fork`) receives the plan once per process and the batches one by one;
at most two batches per worker are in flight, so memory stays bounded however long the input.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

import pyarrow as pa

from . import Stage

_PLAN: Any = None
_FN: Stage | None = None


def _init(fn: Stage, plan: Any) -> None:
    global _FN, _PLAN
    _FN, _PLAN = fn, plan


def _run(batch: pa.Table) -> pa.Table:
    assert _FN is not None
    return _FN(batch, _PLAN)


class LocalEngine:
    """Runs the stage in a pool of worker processes on this machine."""

    name = "local"

    def __init__(self, workers: int | None = None):
        self.workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
        self._pool: ProcessPoolExecutor | None = None

    def map(self, fn: Stage, batches: Iterable[pa.Table], plan: Any) -> Iterator[pa.Table]:
        """fn(batch, plan) for every batch, in input order."""
        batches = iter(batches)
        first = next(batches, None)
        second = next(batches, None) if first is not None else None
        batches = itertools.chain([b for b in (first, second) if b is not None], batches)
        if self.workers == 1 or second is None:  # one worker, or one batch: no pool to start
            for batch in batches:
                yield fn(batch, plan)
            return
        self._pool = ProcessPoolExecutor(
            self.workers, mp_context=multiprocessing.get_context("spawn"), initializer=_init, initargs=(fn, plan)
        )
        pending: deque[Future] = deque()
        try:
            for batch in batches:
                pending.append(self._pool.submit(_run, batch))
                if len(pending) >= 2 * self.workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
            self.close()

    def close(self) -> None:
        """Shut the pool down (waits for running batches)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
