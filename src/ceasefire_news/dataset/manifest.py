"""manifest.json: versions, per-file size and sha256, row counts and input checksums."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, NamedTuple

from ..errors import ProblemLog
from ..schema.rules import SHA256_PATTERN
from ..versions import FORMAT_VERSION, SCHEMA_VERSION

if TYPE_CHECKING:
    from .manifest_model import LayerSource, Manifest, TableEntry

MANIFEST_FILE = "manifest.json"


#: The pydantic models of manifest.json (manifest_model.py), imported on first use: reading a valid
#: manifest needs none of them (`read_manifest`), and importing pydantic is most of `validate`'s start-up.
_MODELS = ("FileEntry", "TableEntry", "LayerSource", "Manifest")


def __getattr__(name: str) -> Any:
    if name in _MODELS:
        from . import manifest_model

        return getattr(manifest_model, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class FileInfo(NamedTuple):
    """Size and checksum of one file, as read from a valid manifest.json (a `FileEntry`)."""

    size: int
    sha256: str


class TableInfo(NamedTuple):
    """File and row count of one table, as read from a valid manifest.json (a `TableEntry`)."""

    file: str
    num_rows: int


class LayerInfo(NamedTuple):
    """Who made a table, as read from a valid manifest.json (a `LayerSource`)."""

    source: str
    method: str
    version: str


@dataclass(frozen=True)
class ManifestInfo:
    """A manifest.json that the `Manifest` model accepts, as plain values with the model's field names."""

    name: str
    dataset_version: str
    schema_version: str
    format_version: str
    files: dict[str, FileInfo]
    tables: dict[str, TableInfo]
    inputs: dict[str, str]
    provenance: dict[str, LayerInfo] | None = None


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
    from .manifest_model import FileEntry, Manifest

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


def read_manifest(root: Path, log: ProblemLog) -> ManifestInfo | None:
    """Read and validate manifest.json; a missing or malformed one is a problem."""
    path = root / MANIFEST_FILE
    if not path.is_file() or path.is_symlink():
        log.add(str(path), "manifest.json is missing" if not path.exists() else "manifest.json is not a regular file")
        return None
    try:
        raw = path.read_bytes()
    except OSError as err:
        log.add(str(path), f"cannot read the file: {err.strerror or err}")
        return None
    info = manifest_info(raw)
    if info is not None:
        return info
    from pydantic import ValidationError

    try:
        return _model_info(raw)
    except ValidationError as err:
        for e in err.errors():
            log.add(str(path), e["msg"], field=".".join(str(p) for p in e["loc"]) or None)
        return None


#: Keys of manifest.json's object, of each files / tables / provenance entry (the models' fields).
_TOP_KEYS = frozenset({"name", "dataset_version", "schema_version", "format_version", "files", "tables", "inputs"})
_INT_FIELDS = {FileInfo: ("size",), TableInfo: ("num_rows",)}
_SHA256 = re.compile(SHA256_PATTERN)
#: A \uD800-\uDFFF escape: json.loads keeps a lone surrogate, the model's JSON parser rejects it.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def manifest_info(raw: bytes) -> ManifestInfo | None:
    """manifest.json's bytes as a ManifestInfo when the `Manifest` model surely accepts them, else None (the model decides).

    Plain json and type checks, written by hand to spare `validate` importing pydantic and building
    the model; what it accepts, the model accepts with the same values (tests/dataset/test_manifest_info.py).
    Anything unusual (a BOM, a surrogate escape, a float, a missing key) is left to the model.
    """
    try:
        text = raw.decode("utf-8")
        if text.startswith("\ufeff") or _SURROGATE_ESCAPE.search(text):
            return None
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or not _TOP_KEYS <= data.keys() <= _TOP_KEYS | {"provenance"}:
        return None
    if not all(type(data[key]) is str for key in ("name", "dataset_version", "schema_version", "format_version")):
        return None
    inputs, provenance = data["inputs"], data.get("provenance")
    if type(inputs) is not dict or not all(type(v) is str for v in inputs.values()):
        return None
    files, tables = _entries(data["files"], FileInfo), _entries(data["tables"], TableInfo)
    layers = _entries(provenance, LayerInfo) if provenance is not None else None
    if files is None or tables is None or (provenance is not None and layers is None):
        return None
    if not all(e.size >= 0 and type(e.sha256) is str and _SHA256.fullmatch(e.sha256) for e in files.values()):
        return None
    if not all(type(e.file) is str and e.num_rows >= 0 for e in tables.values()):
        return None
    if layers is not None and not all(e.source in ("gold", "silver", "absent") and _nonempty(e.method) and _nonempty(e.version) for e in layers.values()):
        return None
    return ManifestInfo(
        data["name"], data["dataset_version"], data["schema_version"], data["format_version"], files, tables, dict(inputs), layers
    )


def _entries(value: object, kind: type) -> dict | None:
    """A JSON object of entries as {key: kind(...)} when each is an object with exactly kind's fields (ints as ints), else None."""
    if type(value) is not dict:
        return None
    keys, ints = frozenset(kind._fields), _INT_FIELDS.get(kind, ())
    out = {}
    for key, entry in value.items():
        if type(entry) is not dict or entry.keys() != keys or any(type(entry[f]) is not int for f in ints):
            return None
        out[key] = kind(**entry)
    return out


def _model_info(raw: bytes) -> ManifestInfo:
    """manifest.json's bytes validated by the `Manifest` model (pydantic's ValidationError if it rejects them)."""
    from .manifest_model import Manifest

    m = Manifest.model_validate_json(raw)
    return ManifestInfo(
        m.name, m.dataset_version, m.schema_version, m.format_version,
        {k: FileInfo(e.size, e.sha256) for k, e in m.files.items()},
        {k: TableInfo(e.file, e.num_rows) for k, e in m.tables.items()},
        dict(m.inputs),
        {k: LayerInfo(e.source, e.method, e.version) for k, e in m.provenance.items()} if m.provenance is not None else None,
    )


def _nonempty(value: object) -> bool:
    return type(value) is str and len(value) >= 1


def verify_files(root: Path, manifest: ManifestInfo, log: ProblemLog, tree: Tree | None = None) -> Tree:
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
        raw = path.read_bytes()
        manifest = manifest_info(raw) or _model_info(raw)
    except FileNotFoundError:
        return "it has no manifest.json"
    except (OSError, ValueError):  # pydantic's ValidationError is a ValueError
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
