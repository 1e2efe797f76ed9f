"""Progress and summary of a long command: a tqdm bar with documents/s and MB/s, and an end report."""

from __future__ import annotations

import resource
import sys
import time
from dataclasses import dataclass, field
from typing import TextIO


def interactive(stream: TextIO | None = None) -> bool:
    """True when the stream (stderr by default) is a terminal: progress is shown only there."""
    stream = stream if stream is not None else sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)())


def peak_memory_mb() -> float:
    """Peak resident memory in MB of this process and of its finished child processes (worker pools)."""
    scale = 1 / 1024 if sys.platform != "darwin" else 1 / 1024 / 1024  # ru_maxrss: KiB on Linux, bytes on macOS
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale
    return max(own, children)


def release_memory() -> None:
    """Return freed memory to the OS between stages: Python's cycles, Arrow's pool and the C heap.

    A long build frees far more than it holds (each shard's tables, grouping's arrays); the
    allocators keep those pages for reuse, so without this each stage's peak sits on the last
    one's leftovers (at 1M documents validation started on about 1 GB of them). Hand-written
    because no kept library exposes glibc's `malloc_trim`; elsewhere that step is skipped.
    """
    import ctypes
    import gc

    import pyarrow as pa

    gc.collect()
    pa.default_memory_pool().release_unused()
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None).malloc_trim(0)
        except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
            pass


class Progress:
    """A progress bar over documents, showing documents/s and MB/s; silent when disabled."""

    def __init__(self, label: str, total: int | None = None, enabled: bool = True):
        self.start = time.perf_counter()
        self.bytes = 0
        self._bar = None
        if enabled:
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=label, unit="doc", unit_scale=True, dynamic_ncols=True, file=sys.stderr)

    def update(self, docs: int, num_bytes: int) -> None:
        """Count documents and bytes done."""
        self.bytes += num_bytes
        if self._bar is not None:
            elapsed = max(time.perf_counter() - self.start, 1e-9)
            self._bar.set_postfix_str(f"{self.bytes / elapsed / 1e6:.3g} MB/s", refresh=False)
            self._bar.update(docs)

    def stage(self, label: str) -> None:
        """Name the step that follows the per-document stages (grouping, writing, validating)."""
        if self._bar is not None:
            self._bar.set_description_str(label)
            self._bar.refresh()

    def close(self) -> None:
        """Remove the bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


@dataclass
class Summary:
    """What a build did: rows per table, time, throughput and peak memory."""

    out: str
    engine: str
    workers: int
    documents: int = 0
    input_bytes: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    layers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    peak_mb: float = 0.0

    def format(self) -> str:
        """A few aligned lines for the terminal."""
        rate = self.documents / self.seconds if self.seconds else 0.0
        mbs = self.input_bytes / 1e6 / self.seconds if self.seconds else 0.0
        lines = [
            f"built {self.out}: {self.documents} documents, {self.input_bytes / 1e6:.3g} MB in {self.seconds:.1f} s "
            f"({rate:.3g} docs/s, {mbs:.3g} MB/s) on engine {self.engine} x{self.workers}; peak memory {self.peak_mb:.0f} MB",
        ]
        width = max((len(n) for n in self.rows), default=0)
        for name, count in self.rows.items():
            source = f"  ({self.layers[name]})" if name in self.layers else ""
            lines.append(f"  {name:<{width}}  {count:>12,d} rows{source}")
        return "\n".join(lines)
