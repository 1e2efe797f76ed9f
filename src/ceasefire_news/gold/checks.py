"""Cross-record invariants and derived tables, shared by the build and by `validate` of a built directory."""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from .entities import check_identities, check_mentions, ner_rows
from ..errors import Located, ProblemLog
from .groups import check_groups, make_pairs
from ..dataset.manifest import Manifest, read_manifest, verify_files
from ..schema.models import Sentence
from .segments import check_sentences
from ..dataset.storage import read_metadata, read_parquet
from ..schema.tables import TABLES

#: Tables every dataset must have.
REQUIRED_TABLES = ("documents", "sentences", "entities", "ner", "duplicate_groups", "pairs")
#: Tables that are derived from others: validate recomputes them and compares.
DERIVED_TABLES = ("entities", "ner", "pairs")


def derive(located: dict[str, list[Located]], log: ProblemLog) -> dict[str, list[Located]]:
    """Check the base layers (documents, sentences, entities, duplicate_groups) and derive every table."""
    texts = _check_documents(located["documents"], log)
    segments = check_sentences(texts, located["sentences"], log)
    _check_document_rows(located["documents"], segments, log)
    out = {"documents": located["documents"], "sentences": located["sentences"]}
    if "entities" in located:
        mentions = check_mentions(texts, segments, located["entities"], log)
        check_identities(mentions, log)
        out["entities"] = mentions
        out["ner"] = [Located(row, "<ner>") for row in ner_rows(texts, segments, mentions, log)]
    if "duplicate_groups" in located:
        groups = located["duplicate_groups"]
        check_groups(texts, groups, log)
        where = groups[0].file if groups else "<duplicate_groups>"
        out["duplicate_groups"] = groups
        out["pairs"] = [Located(p, where) for p in make_pairs(g.record for g in groups)]
    return out


def _check_documents(items: list[Located], log: ProblemLog) -> dict[str, str]:
    texts: dict[str, str] = {}
    for item in items:
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
    return texts


def _check_document_rows(items: list[Located], segments: dict[str, list[Sentence]], log: ProblemLog) -> None:
    for item in items:
        doc = item.record
        segs = segments.get(doc.doc_id, [])
        if doc.num_sentences != len(segs):
            log.at(item, f"num_sentences {doc.num_sentences} but {len(segs)} segments", "num_sentences")
        title = segs[0].text if segs and segs[0].role == "title" else None
        if doc.title != title:
            log.at(item, f"title {doc.title!r} differs from the title segment {title!r}", "title")


def _compare(name: str, stored: list[Located], derived: list[Located], log: ProblemLog) -> None:
    """Report stored rows of a derived table that differ from what the base layers give."""
    key = TABLES[name].key
    want = {tuple(getattr(i.record, k) for k in key): i.record for i in derived}
    have = set()
    for item in stored:
        k = tuple(getattr(item.record, f) for f in key)
        have.add(k)
        if k not in want:
            log.at(item, f"row {k} is not derived from the base tables", key[0])
        elif want[k] != item.record:
            diff = [f for f in TABLES[name].features if getattr(want[k], f) != getattr(item.record, f)]
            log.at(item, f"row {k} differs from the value derived from the base tables", ",".join(diff))
    missing = sorted(set(want) - have)
    if missing:
        file = stored[0].file if stored else name
        log.add(file, f"{len(missing)} derived row(s) missing, first {missing[0]}")


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
    if manifest.provenance is not None:  # a build with silver tables: sharded, checked shard by shard
        from ..silver.checks import validate_silver

        validate_silver(root, manifest, log)
        _check_card(root, manifest, log)
        log.raise_if_any()
        return manifest
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
        derived = derive(located, log)
        for name in DERIVED_TABLES:
            _compare(name, located[name], derived[name], log)
    log.raise_if_any()
    return manifest


def _check_card(root: Path, manifest: Manifest, log: ProblemLog) -> None:
    path = root / "README.md"
    if not path.is_file():
        return  # reported by verify_files when listed
    parts = path.read_text(encoding="utf-8").split("---\n", 2)
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
