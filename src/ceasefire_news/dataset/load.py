"""Loaders: the built tables as `datasets.Dataset` objects, building them first if needed."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import DatasetError, ProblemLog
from .build import DEFAULT_OUT, build
from .integrity import CARD_FILE, read_front_matter
from .manifest import MANIFEST_FILE, Manifest, read_manifest
from ..schema.tables import CONFIGS, OPTIONAL_TABLES, SPLIT, declared_table
from .shards import read_shards

if TYPE_CHECKING:
    import datasets

logger = logging.getLogger("ceasefire_news")


def default_data_dir() -> Path:
    """Where `load` looks for (and builds) the dataset when no directory is given."""
    return DEFAULT_OUT


def dataset_dir(data_dir: Path | str | None = None) -> Path:
    """The built dataset to read: an explicit directory must hold one (it is never written); only the
    default location is built on demand, with a note on stderr. Raise DatasetError if it cannot be read."""
    if data_dir is None and not (default_data_dir() / MANIFEST_FILE).is_file():
        logger.warning("ceasefire-news: no dataset at %s yet; building it from the package's seeds", default_data_dir())
        build(out_dir=default_data_dir())
    root = Path(data_dir) if data_dir is not None else default_data_dir()
    log = ProblemLog()
    if not root.is_dir():
        hint = f"; build one with `ceasefire-news build --out {root}`"
        log.add(str(root), ("no dataset here (the directory does not exist)" if not root.exists() else "not a directory") + hint)
        log.raise_if_any()
    if not (root / MANIFEST_FILE).exists():
        log.add(str(root / MANIFEST_FILE), f"not a built dataset (no manifest.json); build one with `ceasefire-news build --out {root}`")
        log.raise_if_any()
    read_manifest(root, log)
    if (root / CARD_FILE).exists():
        read_front_matter(root / CARD_FILE, log)
    else:
        log.add(str(root / CARD_FILE), "dataset card is missing; rebuild the dataset")
    log.raise_if_any()
    return root


def load(config: str = "documents", data_dir: Path | str | None = None, split: str = SPLIT) -> datasets.Dataset:
    """Load one config as a datasets.Dataset (declared Features); see dataset_dir for which directory.

    Works for single-file (gold) and sharded (silver) builds alike, and for the optional tables a
    build has (`sentence_embeddings`): the files come from manifest.json.
    """
    if config not in CONFIGS and config not in OPTIONAL_TABLES:
        raise ValueError(f"unknown config {config!r}; expected one of {', '.join((*CONFIGS, *OPTIONAL_TABLES))}")
    root = dataset_dir(data_dir)
    manifest = Manifest.model_validate_json((root / MANIFEST_FILE).read_bytes())
    entry = manifest.tables.get(config)
    if entry is None:
        log = ProblemLog()
        log.add(str(root / MANIFEST_FILE), f"this build has no {config!r} table (it has {', '.join(manifest.tables)})", field="tables")
        raise DatasetError(log.problems)
    for path in read_shards(root, entry.file) or [root / entry.file]:
        try:
            pq.read_schema(path)  # reads the footer only: names the file if it is missing or damaged
        except (OSError, pa.ArrowException) as err:
            log = ProblemLog()
            log.add(str(path), f"cannot read the table of config {config!r}: {err}; run `ceasefire-news validate {root}`")
            raise DatasetError(log.problems) from err
    import datasets  # here, not at the top: two CPU seconds that only loading needs

    if entry.num_rows == 0 and split == SPLIT:
        # `datasets.load_dataset` cannot read a split without rows (huggingface/datasets#8401):
        # an empty table (e.g. the alignment layer of seeds without alignments) loads as an empty Dataset.
        silver_groups = manifest.provenance is not None and manifest.provenance.get("duplicate_groups") is not None and manifest.provenance["duplicate_groups"].source == "silver"
        features = declared_table(config, silver_groups).features
        return datasets.Dataset.from_dict({name: [] for name in features}, features=features)
    try:
        return datasets.load_dataset(str(root), config, split=split)
    except Exception as err:  # the `datasets` library raises many types; all mean this directory cannot be loaded
        log = ProblemLog()
        first_line = (str(err).strip().splitlines() or [""])[0]
        log.add(str(root), f"cannot load config {config!r} ({type(err).__name__}: {first_line}); run `ceasefire-news validate {root}`")
        raise DatasetError(log.problems) from err


def load_all(data_dir: Path | str | None = None, split: str = SPLIT) -> dict[str, datasets.Dataset]:
    """Load every config present in the built dataset, by config name."""
    root = dataset_dir(data_dir)
    first = load(CONFIGS[0], root, split)
    manifest = Manifest.model_validate_json((root / MANIFEST_FILE).read_bytes())
    names = [name for name in (*CONFIGS[1:], *OPTIONAL_TABLES) if name in manifest.tables]
    return {CONFIGS[0]: first, **{name: load(name, root, split) for name in names}}
