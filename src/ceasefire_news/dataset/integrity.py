"""Integrity of a built directory beyond manifest.json: the files the package requires, the card, Croissant, inputs.

Every check reports located problems and never raises on damaged content: `validate` must be able
to say what is wrong with any directory, however broken.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import ProblemLog
from .card_yaml import has_opaque, read_block_yaml
from .manifest import MANIFEST_FILE, ManifestInfo, Tree, sha256_file, unsafe_path

CARD_FILE = "README.md"
CROISSANT_FILE = "croissant.json"
LICENSE_FILE = "LICENSE.md"
#: Files every dataset has besides its tables and manifest.json, fixed by the package (not by the manifest).
FIXED_FILES = (CARD_FILE, CROISSANT_FILE, LICENSE_FILE)


def check_required(root: Path, tree: Tree, table_files: Iterable[str], log: ProblemLog) -> None:
    """Every file the package requires (card, Croissant, licence, manifest, each required table) is present."""
    for rel in (*FIXED_FILES, MANIFEST_FILE, *table_files):
        if rel not in tree.files and rel not in tree.symlinks and rel not in tree.others:
            log.add(str(root / rel), "required file is missing (every dataset has it, whatever manifest.json lists)")


def _utf8(path: Path, data: bytes, log: ProblemLog) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        bad = data[err.start : err.start + 1]
        log.add(str(path), f"not valid UTF-8 at byte {err.start} ({bad!r}): {err.reason}", line=line)
        return None


def read_front_matter(path: Path, log: ProblemLog) -> dict[str, Any] | None:
    """The dataset card's YAML front matter as a mapping; any damage is a problem located by line."""
    try:
        data = path.read_bytes()
    except OSError as err:
        log.add(str(path), f"cannot read the dataset card: {err.strerror or err}")
        return None
    text = _utf8(path, data, log)
    if text is None:
        return None
    parts = text.split("---\n", 2)
    if len(parts) < 3 or parts[0] != "":
        log.add(str(path), "dataset card has no YAML front matter (expected it between two '---' lines)", line=1)
        return None
    meta = read_block_yaml(parts[1])  # the block style the build writes, read without importing PyYAML
    if meta is not None and not has_opaque(meta):
        return meta
    import yaml

    try:
        # libyaml when installed: the card's dataset_info is long, and every load() checks it.
        meta = yaml.load(parts[1], Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        line = mark.line + 2 if mark is not None else None  # +1 for 1-based, +1 for the opening '---'
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        log.add(str(path), f"YAML front matter is not valid YAML: {problem}", line=line)
        return None
    except RecursionError:
        log.add(str(path), "YAML front matter is nested too deeply")
        return None
    if not isinstance(meta, dict):
        log.add(str(path), f"YAML front matter is a {type(meta).__name__}, expected a mapping", line=2)
        return None
    return meta


def check_card(root: Path, manifest: ManifestInfo, log: ProblemLog) -> None:
    """The card's configs name every table, with its file and the manifest's dataset version."""
    path = root / CARD_FILE
    if not path.is_file() or path.is_symlink():
        return  # reported as missing or stray
    meta = read_front_matter(path, log)
    if meta is None:
        return
    configs = meta.get("configs")
    if not isinstance(configs, list) or not all(isinstance(c, dict) for c in configs):
        log.add(str(path), "front matter 'configs' is not a list of mappings", field="configs")
        return
    by_name = {c.get("config_name"): c for c in configs}
    for name, table in manifest.tables.items():
        config = by_name.get(name)
        if config is None:
            log.add(str(path), f"config {name!r} is missing from the card", field="configs")
            continue
        if str(config.get("version")) != manifest.dataset_version:
            log.add(str(path), f"config {name!r} version {config.get('version')!r} differs from manifest.json {manifest.dataset_version!r}", field="configs.version")
        files = config.get("data_files")
        paths = [f.get("path") for f in files if isinstance(f, dict)] if isinstance(files, list) else None
        if not _lists_table_file(paths, table.file):
            log.add(str(path), f"config {name!r} data_files {paths!r} differ from the table file {table.file!r}", field="configs.data_files")


def _lists_table_file(paths: list | None, file: str) -> bool:
    """True if a card config's data_files name the manifest's table file (or, for shards, each shard once)."""
    if paths == [file]:
        return True
    if paths is None or len(paths) != 1 or "*" not in file:
        return False
    from fnmatch import fnmatchcase

    shards = paths[0] if isinstance(paths[0], list) else [paths[0]]
    count = int(file.rsplit("-of-", 1)[1].split(".")[0])  # test-*-of-000NN.parquet
    return len(shards) == len(set(shards)) == count and all(isinstance(p, str) and fnmatchcase(p, file) for p in shards)


def shard_files(tree: Tree, manifest: ManifestInfo) -> list[str]:
    """Every table file of a build, a sharded table's glob expanded over the files present."""
    from fnmatch import fnmatchcase

    out = []
    for entry in manifest.tables.values():
        out.extend(sorted(f for f in tree.files if fnmatchcase(f, entry.file)) if "*" in entry.file else [entry.file])
    return out


def check_croissant(root: Path, tree: Tree, table_files: Iterable[str], log: ProblemLog) -> None:
    """Every file object of croissant.json names a file of the dataset with its sha256, and every table has one."""
    path = root / CROISSANT_FILE
    if CROISSANT_FILE not in tree.files:
        return  # reported as missing or stray
    try:
        text = _utf8(path, path.read_bytes(), log)
        meta = json.loads(text) if text is not None else None
    except OSError as err:
        log.add(str(path), f"cannot read the file: {err.strerror or err}")
        return
    except json.JSONDecodeError as err:
        log.add(str(path), f"invalid JSON: {err.msg} at column {err.colno}", line=err.lineno)
        return
    except (ValueError, RecursionError) as err:
        log.add(str(path), f"invalid JSON: {err}")
        return
    if meta is None:
        return
    distribution = meta.get("distribution") if isinstance(meta, dict) else None
    if not isinstance(distribution, list):
        log.add(str(path), "expected a JSON object with a 'distribution' list of file objects", field="distribution")
        return
    named = set()
    for i, obj in enumerate(distribution):
        where = f"distribution.{i}"
        if not isinstance(obj, dict) or obj.get("@type") not in ("cr:FileObject", "cr:FileSet"):
            log.add(str(path), "expected a cr:FileObject", field=where)
            continue
        if obj.get("@type") == "cr:FileSet":
            continue  # a glob of files; no single checksum to compare
        rel, digest = obj.get("contentUrl"), obj.get("sha256")
        if not isinstance(rel, str) or unsafe_path(rel) is not None:
            log.add(str(path), f"contentUrl {rel!r} {unsafe_path(rel) if isinstance(rel, str) else 'is not a string'}", field=f"{where}.contentUrl")
            continue
        named.add(rel)
        if rel not in tree.files:
            log.add(str(path), f"contentUrl {rel!r} names no file of the dataset", field=f"{where}.contentUrl")
            continue
        actual = tree.sha256.get(rel)
        if actual is None:
            try:
                actual = tree.sha256[rel] = sha256_file(root / rel)
            except OSError:
                continue  # reported where the file is read for manifest.json
        if digest != actual:
            log.add(str(path), f"sha256 {digest!r} of {rel} differs from the file's ({actual})", field=f"{where}.sha256")
    for rel in table_files:
        if rel not in named:
            log.add(str(path), f"table file {rel} has no file object in croissant.json", field="distribution")


def check_inputs(root: Path, manifest: ManifestInfo, seeds: Path, inputs: Iterable[str], log: ProblemLog) -> None:
    """The seeds directory holds exactly the input files manifest.json lists, with the same sha256."""
    where = str(root / MANIFEST_FILE)
    if not seeds.is_dir():
        log.add(str(seeds), "seeds directory does not exist" if not seeds.exists() else "seeds path is not a directory")
        return
    for rel, digest in manifest.inputs.items():
        reason = unsafe_path(rel)
        if reason is not None:
            log.add(where, f"input {rel!r} {reason}", field=f"inputs.{rel}")
            continue
        path = seeds / rel
        if not path.is_file():
            log.add(str(path), "input listed in manifest.json is missing from the seeds directory", field=f"inputs.{rel}")
            continue
        try:
            actual = sha256_file(path)
        except OSError as err:
            log.add(str(path), f"cannot read the file: {err.strerror or err}")
            continue
        if actual != digest:
            log.add(str(path), f"sha256 {actual} differs from manifest.json inputs ({digest}): the dataset was built from another version of this file", field=f"inputs.{rel}")
    for rel in sorted(set(inputs) - set(manifest.inputs)):
        log.add(str(seeds / rel), "input file is not in manifest.json inputs: the dataset was built without it", field="inputs")
