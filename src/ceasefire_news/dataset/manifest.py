"""manifest.json: versions, per-file size and sha256, row counts and input checksums."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import ProblemLog
from ..schema.models import SHA256_PATTERN
from ..versions import FORMAT_VERSION, SCHEMA_VERSION

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


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, read in chunks (memory does not grow with the file)."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class Tree:
    """What a directory holds, found without following symbolic links (relative POSIX paths)."""

    files: dict[str, int] = field(default_factory=dict)  # regular file -> size
    symlinks: list[str] = field(default_factory=list)
    empty_dirs: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)  # FIFOs, sockets, devices
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # directory, reason
    sha256: dict[str, str] = field(default_factory=dict)  # filled as files are checksummed

    def strays(self) -> list[tuple[str, str]]:
        """(path, what it is) of every entry a built dataset never has: links, special files, empty dirs."""
        return sorted(
            [(p, "is a symbolic link (a dataset holds regular files only)") for p in self.symlinks]
            + [(p, "is not a regular file") for p in self.others]
            + [(p, "is a stray empty directory") for p in self.empty_dirs]
            + [(p, f"cannot be listed: {why}") for p, why in self.unreadable]
        )


def scan_tree(root: Path) -> Tree:
    """Every entry below root, classified, without following symbolic links."""
    tree = Tree()

    def unreadable(err: OSError) -> None:
        where = Path(err.filename).relative_to(root).as_posix() if err.filename else "."
        tree.unreadable.append((where, err.strerror or str(err)))

    for folder, dirs, files in os.walk(root, onerror=unreadable):
        base = Path(folder)
        rel_base = base.relative_to(root)
        if base != root and not dirs and not files:
            tree.empty_dirs.append(rel_base.as_posix())
        for name in dirs:
            if (base / name).is_symlink():
                tree.symlinks.append((rel_base / name).as_posix())
        for name in files:
            rel = (rel_base / name).as_posix()
            try:
                info = (base / name).lstat()
            except OSError as err:
                tree.unreadable.append((rel, err.strerror or str(err)))
                continue
            if stat.S_ISLNK(info.st_mode):
                tree.symlinks.append(rel)
            elif stat.S_ISREG(info.st_mode):
                tree.files[rel] = info.st_size
            else:
                tree.others.append(rel)
    return tree


def list_files(root: Path) -> list[str]:
    """Every regular file below root (relative POSIX paths, sorted), manifest.json excepted."""
    return sorted(rel for rel in scan_tree(root).files if rel != MANIFEST_FILE)


def unsafe_path(rel: str) -> str | None:
    """Why rel cannot name a file inside a dataset directory (absolute, '..', not normalised), or None."""
    if not rel or "\x00" in rel:
        return "is not a file name"
    pure = PurePosixPath(rel)
    if pure.is_absolute() or rel.startswith("~") or (len(rel) > 1 and rel[1] == ":"):
        return "is an absolute path, outside the dataset directory"
    if ".." in pure.parts:
        return "points outside the dataset directory ('..')"
    if pure.as_posix() != rel or "." in rel.split("/") or "\\" in rel:
        return "is not a normalised relative path (expected like data/<config>/<file>)"
    return None


def write_manifest(
    root: Path, tables: dict[str, TableEntry], inputs: dict[str, str], *, name: str, dataset_version: str,
    provenance: dict[str, LayerSource] | None = None,
) -> Manifest:
    """Checksum every file under root and write manifest.json deterministically."""
    manifest = Manifest(
        name=name,
        dataset_version=dataset_version,
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
    if not path.is_file() or path.is_symlink():
        log.add(str(path), "manifest.json is missing" if not path.exists() else "manifest.json is not a regular file")
        return None
    try:
        return Manifest.model_validate_json(path.read_bytes())
    except OSError as err:
        log.add(str(path), f"cannot read the file: {err.strerror or err}")
        return None
    except ValidationError as err:
        for e in err.errors():
            log.add(str(path), e["msg"], field=".".join(str(p) for p in e["loc"]) or None)
        return None


def verify_files(root: Path, manifest: Manifest, log: ProblemLog, tree: Tree | None = None) -> Tree:
    """Check every listed file's size and sha256; report missing, extra and stray entries; return the tree."""
    tree = tree if tree is not None else scan_tree(root)
    listed = set()
    for rel, entry in manifest.files.items():
        reason = unsafe_path(rel)
        if reason is not None or rel == MANIFEST_FILE:
            reason = reason or "is manifest.json itself, which lists the other files"
            log.add(str(root / MANIFEST_FILE), f"file entry {rel!r} {reason}", field=f"files.{rel}")
            continue
        listed.add(rel)
        path = root / rel
        if rel not in tree.files:
            if rel not in tree.symlinks and rel not in tree.others:
                log.add(str(path), "file listed in manifest.json is missing")
            continue
        size = tree.files[rel]
        if size != entry.size:
            log.add(str(path), f"size {size} differs from manifest.json ({entry.size})", field="size")
        try:
            digest = tree.sha256[rel] = sha256_file(path)
        except OSError as err:
            log.add(str(path), f"cannot read the file: {err.strerror or err}")
            continue
        if digest != entry.sha256:
            log.add(str(path), f"sha256 {digest} differs from manifest.json ({entry.sha256})", field="sha256")
    for rel in sorted(set(tree.files) - listed - {MANIFEST_FILE}):
        log.add(str(root / rel), "file is not listed in manifest.json (extra file)")
    for rel, what in tree.strays():
        log.add(str(root / rel), what)
    # Any dataset version validates (old releases stay checkable); schema and format must be ours.
    for key, expected in (("schema_version", SCHEMA_VERSION), ("format_version", FORMAT_VERSION)):
        if getattr(manifest, key) != expected:
            log.add(str(root / MANIFEST_FILE), f"{getattr(manifest, key)!r} is not supported; expected {expected!r}", field=key)
    return tree


def not_our_output(root: Path) -> str | None:
    """None if root is an earlier output of this package (its manifest and its files agree), else why not.

    Cheap on purpose (names, kinds and sizes, no checksums): it decides whether a command may
    replace root, and a directory holding anything the package did not write must be left alone.
    """
    path = root / MANIFEST_FILE
    try:
        if not stat.S_ISREG(path.lstat().st_mode):
            return "its manifest.json is not a regular file"
        manifest = Manifest.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        return "it has no manifest.json"
    except (OSError, ValidationError):
        return "its manifest.json is not one written by ceasefire-news"
    tree = scan_tree(root)
    strays = tree.strays()
    if strays:
        return f"{strays[0][0]} {strays[0][1]}"
    extra = sorted(set(tree.files) - set(manifest.files) - {MANIFEST_FILE})
    if extra:
        shown = ", ".join(extra[:3]) + (f" and {len(extra) - 3} more" if len(extra) > 3 else "")
        return f"it holds files its manifest.json does not list ({shown})"
    for rel, entry in sorted(manifest.files.items()):
        if rel not in tree.files:
            return f"{rel}, listed in its manifest.json, is missing"
        if tree.files[rel] != entry.size:
            return f"{rel} is not the file its manifest.json lists (size {tree.files[rel]}, not {entry.size})"
    return None
