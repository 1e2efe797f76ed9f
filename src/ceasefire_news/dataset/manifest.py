"""manifest.json: versions, per-file size and sha256, row counts and input checksums."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import ProblemLog
from ..schema.models import SHA256_PATTERN
from ..versions import DATASET_VERSION, FORMAT_VERSION, SCHEMA_VERSION

MANIFEST_FILE = "manifest.json"


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
    source: Literal["gold", "silver"] = Field(description="gold: written and checked by hand; silver: made by the pipeline.")
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


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def list_files(root: Path) -> list[str]:
    """Every regular file below root (relative POSIX paths, sorted), manifest.json excepted."""
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and p.relative_to(root).as_posix() != MANIFEST_FILE
    )


def write_manifest(
    root: Path, tables: dict[str, TableEntry], inputs: dict[str, str], provenance: dict[str, LayerSource] | None = None
) -> Manifest:
    """Checksum every file under root and write manifest.json deterministically."""
    manifest = Manifest(
        name="ceasefire-news",
        dataset_version=DATASET_VERSION,
        schema_version=SCHEMA_VERSION,
        format_version=FORMAT_VERSION,
        files={
            rel: FileEntry(size=(root / rel).stat().st_size, sha256=sha256_file(root / rel))
            for rel in list_files(root)
        },
        tables=dict(sorted(tables.items())),
        inputs=dict(sorted(inputs.items())),
        provenance=dict(sorted(provenance.items())) if provenance is not None else None,
    )
    (root / MANIFEST_FILE).write_text(
        json.dumps(manifest.model_dump(exclude_none=True), indent=2, sort_keys=True, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    return manifest


def read_manifest(root: Path, log: ProblemLog) -> Manifest | None:
    """Read and validate manifest.json; a missing or malformed one is a problem."""
    path = root / MANIFEST_FILE
    if not path.is_file():
        log.add(str(path), "manifest.json is missing")
        return None
    try:
        return Manifest.model_validate_json(path.read_bytes())
    except ValidationError as err:
        for e in err.errors():
            log.add(str(path), e["msg"], field=".".join(str(p) for p in e["loc"]) or None)
        return None


def verify_files(root: Path, manifest: Manifest, log: ProblemLog) -> None:
    """Check every listed file's size and sha256, and that no file is missing or extra."""
    present = set(list_files(root))
    for rel, entry in manifest.files.items():
        path = root / rel
        if rel not in present:
            log.add(str(path), "file listed in manifest.json is missing")
            continue
        size = path.stat().st_size
        if size != entry.size:
            log.add(str(path), f"size {size} differs from manifest.json ({entry.size})", field="size")
        digest = sha256_file(path)
        if digest != entry.sha256:
            log.add(str(path), f"sha256 {digest} differs from manifest.json ({entry.sha256})", field="sha256")
    for rel in sorted(present - set(manifest.files)):
        log.add(str(root / rel), "file is not listed in manifest.json (extra file)")
    # Any dataset version validates (old releases stay checkable); schema and format must be ours.
    for key, expected in (("schema_version", SCHEMA_VERSION), ("format_version", FORMAT_VERSION)):
        if getattr(manifest, key) != expected:
            log.add(str(root / MANIFEST_FILE), f"{getattr(manifest, key)!r} is not supported; expected {expected!r}", field=key)
