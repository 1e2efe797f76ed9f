"""ceasefire-news: an annotated news corpus and benchmark for near-duplicates, clustering, NER, linking and segmentation."""

from .dataset.build import build
from .gold.checks import validate
from .errors import DatasetError
from .bench.evaluate import TASKS, evaluate
from .dataset.load import load, load_all
from .schema.tables import CONFIGS, TABLES
from .bench.views import clustering, pair_classification
from .synthetic.generate import synth
from .synthetic.score import score_synth
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
    "load",
    "load_all",
    "pair_classification",
    "score_synth",
    "synth",
    "validate",
]
