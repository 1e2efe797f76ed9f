"""Cross-record invariants shared by the build and by `validate` of a built dataset directory."""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from .errors import Located, ProblemLog
from .groups import check_groups, check_pairs
from .manifest import Manifest, read_manifest, verify_files
from .segments import check_sentences
from .storage import read_metadata, read_parquet
from .tables import TABLES

#: Tables every dataset must have.
REQUIRED_TABLES = ("documents", "sentences", "duplicate_groups", "pairs")


def check_records(located: dict[str, list[Located]]) -> ProblemLog:
    """Check every invariant that spans records and tables; return the problems found."""
    log = ProblemLog()
    texts: dict[str, str] = {}
    for item in located["documents"]:
        doc = item.record
        if doc.doc_id in texts:
            log.at(item, f"duplicate doc_id {doc.doc_id!r}", "doc_id")
            continue
        texts[doc.doc_id] = doc.text
        digest = hashlib.sha256(doc.text.encode("utf-8")).hexdigest()
        if digest != doc.sha256:
            log.at(item, f"sha256 of the text is {digest}, not {doc.sha256}", "sha256")
        if doc.num_chars != len(doc.text):
            log.at(item, f"num_chars {doc.num_chars} but the text has {len(doc.text)} characters", "num_chars")
    segments = check_sentences(texts, located["sentences"], log)
    for item in located["documents"]:
        doc = item.record
        segs = segments.get(doc.doc_id, [])
        if doc.num_sentences != len(segs):
            log.at(item, f"num_sentences {doc.num_sentences} but {len(segs)} segments", "num_sentences")
        title = segs[0].text if segs and segs[0].role == "title" else None
        if doc.title != title:
            log.at(item, f"title {doc.title!r} differs from the title segment {title!r}", "title")
    if "duplicate_groups" in located:
        check_groups(texts, located["duplicate_groups"], log)
        check_pairs([i.record for i in located["duplicate_groups"]], located.get("pairs", []), log)
    return log


def validate(data_dir: Path | str) -> Manifest:
    """Validate a built dataset directory: checksums, versions, row counts and every invariant."""
    root = Path(data_dir)
    log = ProblemLog()
    if not root.is_dir():
        log.add(str(root), "dataset directory does not exist")
        log.raise_if_any()
    manifest = read_manifest(root, log)
    log.raise_if_any()
    assert manifest is not None
    verify_files(root, manifest, log)
    located: dict[str, list[Located]] = {}
    for name in REQUIRED_TABLES:
        if name not in manifest.tables:
            log.add(str(root / "manifest.json"), f"required table {name!r} is missing", field="tables")
    for name, entry in manifest.tables.items():
        path = root / entry.file
        if name not in TABLES:
            log.add(str(root / "manifest.json"), f"unknown table {name!r}", field="tables")
            continue
        if not path.is_file():
            continue  # already reported by verify_files
        items = read_parquet(name, path, log)
        if len(items) != entry.num_rows:
            log.add(str(path), f"{len(items)} rows but manifest.json says {entry.num_rows}", field="num_rows")
        stamp = read_metadata(path)
        for key in ("dataset_version", "schema_version", "format_version"):
            if stamp.get(key) != getattr(manifest, key):
                log.add(str(path), f"Parquet metadata {key}={stamp.get(key)!r}, manifest.json has {getattr(manifest, key)!r}", field=key)
        located[name] = items
    _check_card(root, manifest, log)
    if all(name in located for name in REQUIRED_TABLES):
        log.problems.extend(check_records(located).problems)
    log.raise_if_any()
    return manifest


def _check_card(root: Path, manifest: Manifest, log: ProblemLog) -> None:
    path = root / "README.md"
    if not path.is_file():
        return  # reported by verify_files when listed
    text = path.read_text(encoding="utf-8")
    parts = text.split("---\n", 2)
    if len(parts) < 3 or parts[0] != "":
        log.add(str(path), "dataset card has no YAML front matter")
        return
    meta = yaml.safe_load(parts[1]) or {}
    configs = {c.get("config_name"): c for c in meta.get("configs", [])}
    for name in manifest.tables:
        config = configs.get(name)
        if config is None:
            log.add(str(path), f"config {name!r} is missing from the card", field="configs")
        elif str(config.get("version")) != manifest.dataset_version:
            log.add(str(path), f"config {name!r} version {config.get('version')!r} differs from manifest.json {manifest.dataset_version!r}", field="configs.version")
