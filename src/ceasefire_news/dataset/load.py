"""Loaders: the built tables as `datasets.Dataset` objects, building them first if needed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .build import DEFAULT_OUT, build
from .manifest import MANIFEST_FILE, Manifest
from ..schema.tables import CONFIGS, SPLIT, TABLES

if TYPE_CHECKING:
    import datasets


def default_data_dir() -> Path:
    """Where `load` looks for (and builds) the dataset when no directory is given."""
    return DEFAULT_OUT


def load(config: str = "documents", data_dir: Path | str | None = None, split: str = SPLIT) -> datasets.Dataset:
    """Load one config as a datasets.Dataset (declared Features), building the dataset if missing."""
    if config not in CONFIGS:
        raise ValueError(f"unknown config {config!r}; expected one of {', '.join(CONFIGS)}")
    root = Path(data_dir) if data_dir is not None else default_data_dir()
    if not (root / MANIFEST_FILE).is_file():
        build(out_dir=root)
    import datasets  # here, not at the top: two CPU seconds that only loading needs

    manifest = Manifest.model_validate_json((root / MANIFEST_FILE).read_bytes())
    entry = manifest.tables.get(config)
    if entry is not None and entry.num_rows == 0 and split == SPLIT:
        # `datasets.load_dataset` cannot read a split without rows (huggingface/datasets#8401):
        # an empty table (e.g. the alignment layer of seeds without alignments) loads as an empty Dataset.
        return datasets.Dataset.from_dict({name: [] for name in TABLES[config].features}, features=TABLES[config].features)
    return datasets.load_dataset(str(root), config, split=split)


def load_all(data_dir: Path | str | None = None, split: str = SPLIT) -> dict[str, datasets.Dataset]:
    """Load every config present in the built dataset, by config name."""
    root = Path(data_dir) if data_dir is not None else default_data_dir()
    first = load(CONFIGS[0], root, split)
    manifest = Manifest.model_validate_json((root / MANIFEST_FILE).read_bytes())
    return {CONFIGS[0]: first, **{name: load(name, root, split) for name in CONFIGS[1:] if name in manifest.tables}}
