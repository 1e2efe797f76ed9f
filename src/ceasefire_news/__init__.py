"""ceasefire-news: an annotated news corpus and benchmark for near-duplicates, clustering, NER, linking and segmentation.

The public names below are imported on first use (PEP 562), so `import ceasefire_news` and the
command line start without loading `datasets`, scikit-learn or torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .versions import FORMAT_VERSION, SCHEMA_VERSION, __version__

#: Public name -> module that defines it (relative to this package).
_LAZY: dict[str, str] = {
    "build": ".dataset.build",
    "annotate": ".silver.pipeline",
    "synth": ".synthetic.generate",
    "score_synth": ".synthetic.score",
    "validate": ".gold.checks",
    "DatasetError": ".errors",
    "TASKS": ".bench.evaluate",
    "evaluate": ".bench.evaluate",
    "load": ".dataset.load",
    "load_all": ".dataset.load",
    "CONFIGS": ".schema.tables",
    "TABLES": ".schema.tables",
    "clustering": ".bench.views",
    "pair_classification": ".bench.views",
    "DATASET_VERSION": ".versions",
    "spans_from_iob2": ".bench.iob2",
    "iob2_from_spans": ".bench.iob2",
    "mteb_tasks": ".bench.mteb_tasks",  # imports mteb only when asked for (extra `mteb`)
}

__all__ = sorted([*_LAZY, "FORMAT_VERSION", "SCHEMA_VERSION", "__version__"])

if TYPE_CHECKING:
    from .bench.evaluate import TASKS, evaluate
    from .bench.iob2 import iob2_from_spans, spans_from_iob2
    from .bench.mteb_tasks import mteb_tasks
    from .bench.views import clustering, pair_classification
    from .dataset.build import build
    from .silver.pipeline import annotate
    from .synthetic.generate import synth
    from .synthetic.score import score_synth
    from .dataset.load import load, load_all
    from .errors import DatasetError
    from .gold.checks import validate
    from .schema.tables import CONFIGS, TABLES
    from .versions import DATASET_VERSION


def __getattr__(name: str) -> Any:
    """Import a public name's module on first access and cache the name here."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """Every public name, loaded or not."""
    return sorted(set(globals()) | set(_LAZY))
