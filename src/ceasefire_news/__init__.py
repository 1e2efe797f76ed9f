"""ceasefire-news: an annotated news corpus and benchmark for near-duplicates, clustering, NER, linking and segmentation."""

from .dataset.build import build
from .gold.checks import validate
from .errors import DatasetError
from .bench.evaluate import TASKS, evaluate
from .bench.iob2 import iob2_from_spans, spans_from_iob2
from .dataset.load import load, load_all
from .schema.tables import CONFIGS, TABLES
from .bench.views import clustering, pair_classification
from .versions import DATASET_VERSION, FORMAT_VERSION, SCHEMA_VERSION, __version__

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
    "iob2_from_spans",
    "load",
    "load_all",
    "pair_classification",
    "spans_from_iob2",
    "validate",
]
