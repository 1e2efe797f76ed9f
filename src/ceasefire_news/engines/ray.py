"""The Ray engine: the same stage as Ray Data `map_batches` tasks, on this machine or a Ray cluster.

Without RAY_ADDRESS, Ray starts locally with `workers` CPUs; with RAY_ADDRESS set (for example
`ray://head:10001` or `auto`), it joins that cluster, whose nodes need ceasefire-news installed.
Batches go to Ray in windows of a few per CPU (bounded memory); each input batch carries its number
in a `_batch` column so that results are regrouped by batch whatever order Ray returns them in (Ray
keeps no order by default, and `preserve_order` only orders blocks). The pipeline then sorts every
shard by key, so the output is byte-identical to the local engine's.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from . import Stage

BATCH_COLUMN = "_batch"


def _apply(block: pa.Table, fn: Stage, plan: Any) -> pa.Table:
    """Run the stage on one block; carry the block's batch numbers over (one output row per input row)."""
    numbers = block.column(BATCH_COLUMN)
    out = fn(block.drop_columns([BATCH_COLUMN]), plan)
    if out.num_rows != block.num_rows:
        raise ValueError(f"stage returned {out.num_rows} rows for {block.num_rows} input rows")
    return out.append_column(BATCH_COLUMN, numbers)


class RayEngine:
    """Runs the stage as Ray Data map_batches tasks."""

    name = "ray"

    def __init__(self, workers: int | None = None):
        try:
            import ray
        except ImportError as err:  # pragma: no cover - depends on the environment
            raise ImportError("the Ray engine needs the optional extra: pip install 'ceasefire-news[ray]'") from err
        self.workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
        self._started = False
        for name in ("ray", "ray.data"):  # Ray's own start-up notes would break the progress bar
            logging.getLogger(name).setLevel(logging.ERROR)
        if not ray.is_initialized():
            address = os.environ.get("RAY_ADDRESS") or None
            options: dict[str, Any] = dict(
                address=address,
                include_dashboard=False,
                log_to_driver=False,
                logging_level=logging.ERROR,
                configure_logging=True,
            )
            if address is None:
                options["num_cpus"] = self.workers
            ray.init(**options)
            self._started = True
        from ray.data import DataContext

        context = DataContext.get_current()
        context.enable_progress_bars = False
        context.print_on_execution_start = False
        self.window = 4 * self.workers

    def map(self, fn: Stage, batches: Iterable[pa.Table], plan: Any) -> Iterator[pa.Table]:
        """fn(batch, plan) for every batch, in input order."""
        window: list[pa.Table] = []
        number = 0
        for batch in batches:
            window.append(batch.append_column(BATCH_COLUMN, pa.array([number] * batch.num_rows, pa.int64())))
            number += 1
            if len(window) == self.window:
                yield from self._run(window, fn, plan)
                window = []
        if window:
            yield from self._run(window, fn, plan)

    def _run(self, window: list[pa.Table], fn: Stage, plan: Any) -> Iterator[pa.Table]:
        import ray.data

        dataset = ray.data.from_arrow(window).map_batches(
            _apply, batch_format="pyarrow", batch_size=None, zero_copy_batch=True, fn_kwargs={"fn": fn, "plan": plan}
        )
        parts = [t for t in dataset.iter_batches(batch_format="pyarrow", batch_size=None) if t.num_rows]
        results = pa.concat_tables(parts) if parts else None
        first = window[0].column(BATCH_COLUMN)[0].as_py()
        for offset in range(len(window)):
            if results is None:
                continue
            mine = results.filter(pc.equal(results.column(BATCH_COLUMN), first + offset))
            yield mine.drop_columns([BATCH_COLUMN])

    def close(self) -> None:
        """Shut down the Ray runtime if this engine started it."""
        if self._started:
            import ray

            ray.shutdown()
            self._started = False
