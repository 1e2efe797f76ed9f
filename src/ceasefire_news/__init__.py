"""ceasefire-news: an annotated news corpus and benchmark for near-duplicates, clustering, NER, linking and segmentation."""

from pathlib import Path
from typing import Any

from .dataset.build import build
from .gold.checks import validate
from .errors import DatasetError
from .bench.evaluate import TASKS, evaluate
from .dataset.load import load, load_all
from .schema.tables import CONFIGS, TABLES
from .bench.views import clustering, pair_classification
from .versions import DATASET_VERSION, FORMAT_VERSION, SCHEMA_VERSION, __version__


def mteb_tasks(data_dir: "Path | str | None" = None) -> "list[Any]":
    """MTEB task objects over the built dataset, for `mteb.evaluate(model, tasks=mteb_tasks())` (extra `mteb`)."""
    from .bench.mteb_tasks import mteb_tasks as _mteb_tasks  # imports mteb only when asked for

    return _mteb_tasks(data_dir)


__all__ = [
    "CONFIGS",
    "DATASET_VERSION",
    "FORMAT_VERSION",
    "SCHEMA_VERSION",
    "TASKS",
    "TABLES",
    "DatasetError",
    "__version__",
    "build",
    "clustering",
    "evaluate",
    "load",
    "load_all",
    "mteb_tasks",
    "pair_classification",
    "validate",
]
