"""The three version numbers of ceasefire-news, each defined here and nowhere else."""

#: Dataset version (semver): major = breaking schema change, minor = data or
#: annotations added, patch = corrections.  Stamped into the card, the
#: manifest and every Parquet file.
DATASET_VERSION = "1.0.0"

#: Version of the record schemas (the pydantic models and the JSON Schema
#: files generated from them in ``schema/``).
SCHEMA_VERSION = "1.0.0"

#: Version of the on-disk layout (directory structure, Parquet key-value
#: metadata, manifest fields).  Written into every Parquet file.
FORMAT_VERSION = "1"

#: Version of the Python package (tools, not data).
__version__ = "1.0.0"
