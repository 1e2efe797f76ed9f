"""The three version numbers of ceasefire-news, each defined here and nowhere else."""

#: The dataset version (semver: major = breaking schema change, minor = data or
#: annotations added, patch = corrections) belongs to the data, not to the code:
#: it is `version` in a seeds directory's dataset.yaml (the project's own in
#: seeds/dataset.yaml), stamped into the card, the manifest and every Parquet file.
#: A seeds directory without one builds as UNRELEASED.  `DATASET_VERSION` below
#: reads the project's seeds/dataset.yaml on first use.
UNRELEASED = "0.0.0"

#: Version of the record schemas (the pydantic models and the JSON Schema
#: files generated from them in ``schema/``).
SCHEMA_VERSION = "1.1.0"

#: Version of the on-disk layout (directory structure, Parquet key-value
#: metadata, manifest fields).  Written into every Parquet file.
#: 2: ClassLabel columns hold the label names (strings), no longer their indices.
FORMAT_VERSION = "2"

#: Version of the Python package (tools, not data).
__version__ = "1.0.0"


def __getattr__(name: str) -> str:
    """DATASET_VERSION: the version of the project's own dataset, from seeds/dataset.yaml (read lazily)."""
    if name == "DATASET_VERSION":
        from .errors import ProblemLog
        from .gold.seeds import default_seeds_dir
        from .release.metadata import read_dataset_info

        log = ProblemLog()
        info = read_dataset_info(default_seeds_dir(), log)
        log.raise_if_any()
        return info.version
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
