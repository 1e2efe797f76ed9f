"""Cross-record invariants and derived tables, shared by the build and by `validate` of a built directory."""

from __future__ import annotations

import hashlib
from pathlib import Path

from typing import TYPE_CHECKING

import pyarrow as pa

from .alignments import check_links, segment_texts, sentence_pairs
from .entities import check_identities, check_mentions, checked_mentions, entity_columns, ner_rows, ner_table
from ..errors import Located, ProblemLog
from .groups import check_groups, check_pairs_table, make_pairs, pairs_file_matches
from ..dataset.integrity import check_card, check_croissant, check_inputs, check_required, shard_files
from ..dataset.manifest import MANIFEST_FILE, ManifestInfo, read_manifest, scan_tree, verify_files
from .segments import check_sentences
from ..dataset.storage import from_columns, read_arrow, read_footer, read_metadata, read_parquet, sort_by_key, to_arrow
from ..schema.tables import TABLES, data_file

if TYPE_CHECKING:
    from ..schema.models import Sentence

#: Tables every dataset must have.
REQUIRED_TABLES = ("documents", "sentences", "entities", "ner", "duplicate_groups", "pairs", "alignments", "sentence_pairs")
#: Tables `validate` reads back as validated records: the layers everything else is derived from.
BASE_TABLES = ("documents", "sentences", "entities", "duplicate_groups", "alignments")
#: Tables read and compared as whole Arrow tables with the ones derived from the base layers
#: (entities are both: their annotation columns are base, mention_id and sentence_index derived).
ARROW_TABLES = ("entities", "ner", "sentence_pairs")
#: Tables compared with the derived ones as a stream of row groups, read whole only to locate a problem.
STREAMED_TABLES = ("pairs",)
#: Tables that are derived from others: validate recomputes them and compares.
DERIVED_TABLES = ("entities", "ner", "pairs")


def derive(located: dict[str, list[Located]], log: ProblemLog) -> dict[str, list[Located]]:
    """Check the base layers and derive every table as records: the readable reference of `derive_tables`.

    The build and `validate` use `derive_tables` (Arrow, no object per derived row); tests check
    that the two agree, as `groups.make_pairs` is the reference of `groups.pair_batches`.
    """
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
    if "alignments" in located:
        out["alignments"] = check_links(segment_texts(segments), located["alignments"], log)
    return out


def derive_tables(located: dict[str, list[Located]], log: ProblemLog) -> dict[str, pa.Table]:
    """What the build writes: the checks of `derive`, each table made once, as Arrow in key order.

    Every table except `pairs`, which the build streams from duplicate_groups with
    `groups.pair_batches` (n(n-1)/2 rows), and `sentence_pairs`, which needs the alignment
    layer's agreement files too. No pydantic object is made for a derived table: `ner` is built
    column by column (`entities.ner_table`); records were validated once, when read.
    """
    texts = _check_documents(located["documents"], log)
    segments = check_sentences(texts, located["sentences"], log)
    _check_document_rows(located["documents"], segments, log)
    out = {"documents": records_table("documents", located["documents"]), "sentences": records_table("sentences", located["sentences"])}
    if "entities" in located:
        mentions = checked_mentions(texts, segments, located["entities"], log)
        check_identities((item for item, _ in mentions), log)
        entities = from_columns(TABLES["entities"], entity_columns(mentions)).replace_schema_metadata(None)
        out["entities"] = sort_by_key(entities, TABLES["entities"].key)
        out["ner"] = ner_table(texts, segments, mentions, log)
    if "duplicate_groups" in located:
        check_groups(texts, located["duplicate_groups"], log)
        out["duplicate_groups"] = records_table("duplicate_groups", located["duplicate_groups"])
    if "alignments" in located:
        out["alignments"] = records_table("alignments", check_links(segment_texts(segments), located["alignments"], log))
    return out


def records_table(name: str, items: list[Located]) -> pa.Table:
    """A table of located records as Arrow (declared schema, no metadata), in key order."""
    data = to_arrow(TABLES[name], [i.record for i in items]).replace_schema_metadata(None)
    return sort_by_key(data, TABLES[name].key)


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
        else:
            # field by field: a stored row may be a light record (storage.row_type), the derived one a model
            diff = [f for f in TABLES[name].columns if getattr(want[k], f) != getattr(item.record, f)]
            if diff:
                log.at(item, f"row {k} differs from the value derived from the base tables", ",".join(diff))
    missing = sorted(set(want) - have)
    if missing:
        file = stored[0].file if stored else name
        log.add(file, f"{len(missing)} derived row(s) missing, first {missing[0]}")


def validate(data_dir: Path | str, seeds_dir: Path | str | None = None, *, rederive: bool = True) -> ManifestInfo:
    """Validate a built dataset directory: files, checksums, versions, row counts and every invariant.

    With seeds_dir, also check that the dataset was built from exactly those inputs (manifest.json's input sha256s).
    With rederive=False (what the build runs on the files it has just written from records that
    `derive_tables` checked), tables are checked from their Parquet footers (schema, row count)
    besides checksums, version stamps, card and Croissant; they are not read back and re-derived.
    """
    root = Path(data_dir)
    log = ProblemLog()
    if not root.is_dir():
        log.add(str(root), "dataset directory does not exist" if not root.exists() else "dataset path is not a directory")
        log.raise_if_any()
    tree = scan_tree(root)
    manifest = read_manifest(root, log)
    if manifest is not None and manifest.provenance is not None:
        # A build with silver tables is sharded and checked shard by shard (silver/checks.py).
        from ..silver.checks import validate_silver

        check_required(root, tree, [], log)  # the shards are checked against manifest.json by validate_silver
        verify_files(root, manifest, log, tree)
        validate_silver(root, manifest, log)
        check_card(root, manifest, log)
        check_croissant(root, tree, shard_files(tree, manifest), log)
        log.raise_if_any()
        return manifest
    required_files = [data_file(name) for name in REQUIRED_TABLES]
    check_required(root, tree, required_files, log)
    if manifest is None:
        log.raise_if_any()
    assert manifest is not None
    verify_files(root, manifest, log, tree)
    located: dict[str, list[Located]] = {}
    arrow: dict[str, pa.Table] = {}
    streamed: dict[str, Path] = {}
    for name in REQUIRED_TABLES:
        if name not in manifest.tables:
            log.add(str(root / MANIFEST_FILE), f"required table {name!r} is missing", field="tables")
    for name, entry in manifest.tables.items():
        if name not in TABLES:
            log.add(str(root / MANIFEST_FILE), f"unknown table {name!r}", field="tables")
            continue
        if entry.file != data_file(name):
            log.add(str(root / MANIFEST_FILE), f"table {name!r} file {entry.file!r} is not {data_file(name)!r}", field=f"tables.{name}.file")
            continue
        path = root / entry.file
        if entry.file not in tree.files:
            continue  # already reported as missing or stray
        if not rederive:
            footer_rows = read_footer(name, path, log)
            num_rows = footer_rows if footer_rows is not None else entry.num_rows
        elif name in STREAMED_TABLES:
            footer_rows = read_footer(name, path, log)
            num_rows = footer_rows if footer_rows is not None else entry.num_rows
            if footer_rows is not None:
                streamed[name] = path
        else:
            num_rows = entry.num_rows
            if name in BASE_TABLES:
                located[name] = read_parquet(name, path, log)
                num_rows = len(located[name])
            if name in ARROW_TABLES:
                data = read_arrow(name, path, log)
                if data is not None:
                    arrow[name] = data
                    num_rows = data.num_rows
        if num_rows != entry.num_rows:
            log.add(str(path), f"{num_rows} rows but manifest.json says {entry.num_rows}", field="num_rows")
        stamp = read_metadata(path, log)
        for key in ("dataset_version", "schema_version", "format_version"):
            if stamp.get(key) != getattr(manifest, key):
                log.add(str(path), f"Parquet metadata {key}={stamp.get(key)!r}, manifest.json has {getattr(manifest, key)!r}", field=key)
    check_card(root, manifest, log)
    check_croissant(root, tree, [manifest.tables[n].file for n in manifest.tables if n in TABLES], log)
    if seeds_dir is not None:
        from .seeds import list_inputs  # imports the seed models (pydantic): only when asked to compare with seeds

        check_inputs(root, manifest, Path(seeds_dir), list_inputs(Path(seeds_dir)), log)
    if rederive and all(n in located for n in BASE_TABLES) and all(n in arrow for n in ARROW_TABLES) and "pairs" in streamed:
        # Derived once, as Arrow, exactly as the build makes them; compared as whole tables (pairs
        # in row-group chunks), so no record object is made per derived row (8 million pairs at 4,000 documents).
        derived = derive_tables(located, log)
        where = {name: str(root / manifest.tables[name].file) for name in (*ARROW_TABLES, *STREAMED_TABLES)}
        for name in ("entities", "ner"):
            compare_arrow(where[name], arrow[name], derived[name], log)
        if not pairs_file_matches(derived["duplicate_groups"], streamed["pairs"]):
            stored_pairs = read_arrow("pairs", streamed["pairs"], log)
            if stored_pairs is not None:
                check_pairs_table(derived["duplicate_groups"], stored_pairs, where["pairs"], log)
        stored = arrow["sentence_pairs"]
        if stored.num_rows or located["alignments"]:  # empty when the seeds have no alignment layer
            texts = segment_texts({d: [i.record for i in items] for d, items in _by_doc(located["sentences"]).items()})
            links = check_links(texts, located["alignments"], ProblemLog())  # the valid links; problems were reported above
            want = sentence_pairs(texts, [i.record for i in links])
            compare_arrow(where["sentence_pairs"], stored, want, log)
    log.raise_if_any()
    return manifest


def _by_doc(items: list[Located]) -> dict[str, list[Located]]:
    out: dict[str, list[Located]] = {}
    for item in items:
        out.setdefault(item.record.doc_id, []).append(item)
    return out


def compare_arrow(file: str, stored: pa.Table, want: pa.Table, log: ProblemLog, shown: int = 5) -> None:
    """Report rows of a stored Arrow table that differ from the derived one (row, doc_a, column)."""
    if stored.num_rows != want.num_rows:
        log.add(file, f"{stored.num_rows} rows but the base tables give {want.num_rows}")
        return
    if stored.equals(want):
        return
    import pyarrow.compute as pc

    differing: dict[int, list[str]] = {}
    for name in want.column_names:
        if stored[name].equals(want[name]):
            continue
        if pa.types.is_list(want.schema.field(name).type):  # no compute kernel compares lists: per row (only on failure)
            rows = [i for i, (a, b) in enumerate(zip(stored[name].to_pylist(), want[name].to_pylist())) if a != b]
        else:
            same = pc.fill_null(pc.equal(stored[name], want[name]), False)
            rows = pc.indices_nonzero(pc.invert(same)).to_pylist()
        for row in rows[:shown]:
            differing.setdefault(row, []).append(name)
    for row in sorted(differing)[:shown]:
        doc = stored["doc_a"][row].as_py() if "doc_a" in stored.column_names else None
        log.add(file, "row differs from the value derived from the base tables", row=row, doc_id=doc, field=",".join(differing[row]))
    if len(differing) > shown:
        log.add(file, f"... and more differing rows (first {shown} shown)")
