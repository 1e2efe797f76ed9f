"""Cross-record invariants and derived tables, shared by the build and by `validate` of a built directory."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa
import yaml

from .entities import check_identities, check_mentions, entity_columns, ner_table
from ..errors import Located, ProblemLog
from .groups import check_groups, check_pairs_table
from ..dataset.manifest import Manifest, read_manifest, verify_files
from ..schema.models import Sentence
from .segments import check_sentences
from ..dataset.storage import from_columns, read_footer, read_metadata, read_parquet, read_table, sort_by_key, to_arrow
from ..schema.tables import TABLES

#: Tables every dataset must have.
REQUIRED_TABLES = ("documents", "sentences", "entities", "ner", "duplicate_groups", "pairs")
#: Tables read back as validated records by `validate`: the layers everything else is derived from.
BASE_TABLES = ("documents", "sentences", "entities", "duplicate_groups")
#: Tables that are derived from others: validate recomputes them and compares.
DERIVED_TABLES = ("entities", "ner", "pairs")


def derive(located: dict[str, list[Located]], log: ProblemLog) -> dict[str, pa.Table]:
    """Check the base layers (documents, sentences, entities, duplicate_groups) and derive the tables.

    Returns every table except `pairs` as an Arrow table in key order, each derived once and built
    column by column (pairs are streamed from duplicate_groups by `groups.pair_batches`). Records
    are validated once, when read; here only cross-record invariants are checked.
    """
    texts = _check_documents(located["documents"], log)
    segments = check_sentences(texts, located["sentences"], log)
    _check_document_rows(located["documents"], segments, log)
    out = {"documents": _table("documents", located["documents"]), "sentences": _table("sentences", located["sentences"])}
    if "entities" in located:
        mentions = check_mentions(texts, segments, located["entities"], log)
        check_identities((item for item, _ in mentions), log)
        out["entities"] = sort_by_key(from_columns(TABLES["entities"], entity_columns(mentions)), TABLES["entities"].key)
        out["ner"] = ner_table(texts, segments, mentions, log)
    if "duplicate_groups" in located:
        groups = located["duplicate_groups"]
        check_groups(texts, groups, log)
        out["duplicate_groups"] = _table("duplicate_groups", groups)
    return out


def _table(name: str, items: list[Located]) -> pa.Table:
    """A table of records as Arrow, in key order."""
    return sort_by_key(to_arrow(TABLES[name], [i.record for i in items]), TABLES[name].key)


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


def _compare(name: str, stored: pa.Table, derived: pa.Table, file: str, log: ProblemLog) -> None:
    """Report stored rows of a derived table that differ from what the base layers give.

    Row order does not matter. Equal tables are recognised with one Arrow comparison; only a
    table that differs is compared row by row, to say which rows and fields.
    """
    key = TABLES[name].key
    if sort_by_key(stored, key).equals(derived):
        return
    want = {tuple(row[k] for k in key): row for row in derived.to_pylist()}
    have = set()
    for row_no, row in enumerate(stored.to_pylist()):
        k = tuple(row[f] for f in key)
        have.add(k)
        where = {"row": row_no, "doc_id": row.get("doc_id")}
        if k not in want:
            log.add(file, f"row {k} is not derived from the base tables", field=key[0], **where)
        elif want[k] != row:
            diff = [f for f in TABLES[name].features if want[k][f] != row[f]]
            log.add(file, f"row {k} differs from the value derived from the base tables", field=",".join(diff), **where)
    missing = sorted(set(want) - have)
    if missing:
        log.add(file, f"{len(missing)} derived row(s) missing, first {missing[0]}")


def validate(data_dir: Path | str, *, rederive: bool = True) -> Manifest:
    """Validate a built dataset directory: checksums, versions, row counts and every invariant.

    With rederive=False (what the build runs on the files it has just written from records it
    has checked), tables are checked from their Parquet footers (schema, row count) and the
    base layers are not read back and re-derived.
    """
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
    stored: dict[str, pa.Table | None] = {}
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
        if not rederive:
            num_rows = read_footer(name, path, log) or 0
        elif name in BASE_TABLES:
            located[name] = read_parquet(name, path, log)
            num_rows = len(located[name])
        else:
            stored[name] = read_table(name, path, log)
            num_rows = stored[name].num_rows if stored[name] is not None else 0
        if num_rows != entry.num_rows:
            log.add(str(path), f"{num_rows} rows but manifest.json says {entry.num_rows}", field="num_rows")
        stamp = read_metadata(path)
        for key in ("dataset_version", "schema_version", "format_version"):
            if stamp.get(key) != getattr(manifest, key):
                log.add(str(path), f"Parquet metadata {key}={stamp.get(key)!r}, manifest.json has {getattr(manifest, key)!r}", field=key)
    _check_card(root, manifest, log)
    if rederive and all(name in located for name in BASE_TABLES) and all(name in stored for name in ("ner", "pairs")):
        derived = derive(located, log)
        stored["entities"] = read_table("entities", root / manifest.tables["entities"].file, ProblemLog())  # reported above
        for name in ("entities", "ner"):
            if stored[name] is not None:
                _compare(name, stored[name], derived[name], str(root / manifest.tables[name].file), log)
        if stored["pairs"] is not None:
            check_pairs_table(derived["duplicate_groups"], stored["pairs"], str(root / manifest.tables["pairs"].file), log)
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
