"""manifest.json's pydantic models: its JSON Schema, what the build writes, and the wording of its problems."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..schema.rules import SHA256_PATTERN


class FileEntry(BaseModel):
    """Size and checksum of one file of the built dataset."""

    model_config = ConfigDict(extra="forbid", strict=True)
    size: int = Field(ge=0, description="Size in bytes.")
    sha256: str = Field(pattern=SHA256_PATTERN, description="SHA-256 of the file's bytes.")


class TableEntry(BaseModel):
    """Where a table lives and how many rows it has."""

    model_config = ConfigDict(extra="forbid", strict=True)
    file: str = Field(
        description="Path of the table's Parquet file, relative to the dataset directory; for a table "
        "written in several shards, a glob pattern matching exactly its shard files (data/<config>/test-*-of-000NN.parquet)."
    )
    num_rows: int = Field(ge=0, description="Number of rows.")


class LayerSource(BaseModel):
    """Who made a table: hand-checked gold or the silver pipeline, with the method and its version."""

    model_config = ConfigDict(extra="forbid", strict=True)
    source: Literal["gold", "silver", "absent"] = Field(
        description="gold: written and checked by hand; silver: made by the pipeline; absent: no such layer, the table is empty."
    )
    method: str = Field(min_length=1, description="How the table was made (tool, model or rule set).")
    version: str = Field(min_length=1, description="Version of that method (a change in output bumps it).")


class Manifest(BaseModel):
    """The manifest of a built dataset directory."""

    model_config = ConfigDict(extra="forbid", strict=True)
    name: str = Field(description="Dataset name.")
    dataset_version: str = Field(description="Dataset semver.")
    schema_version: str = Field(description="Record schema version.")
    format_version: str = Field(description="On-disk format version.")
    files: dict[str, FileEntry] = Field(description="Every file of the directory except manifest.json.")
    tables: dict[str, TableEntry] = Field(description="Every table (config) with its file and row count.")
    inputs: dict[str, str] = Field(description="SHA-256 of every input file, by path relative to the seeds dir.")
    provenance: dict[str, LayerSource] | None = Field(
        default=None,
        description="Per table, gold or silver and the method that made it. Absent in a build of hand-annotated "
        "seeds, where every table is gold; present in every build with at least one silver table.",
    )
