"""Validation of a silver (sharded) build: the gold invariants per shard, and the corpus-level ones in Arrow.

Shard k of every per-document table holds the same documents, so each shard is checked on its own
with the gold build's checks (documents, segments cover the text, mentions lie in one segment),
and its ner rows are compared, as Arrow tables, with the rows its segments and mentions give. What spans shards is checked with Arrow
compute over a few columns: doc_ids unique, each group level a partition refining the next, and
every pair naming known documents in key order with the relation its groups give.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..dataset.manifest import Manifest
from ..dataset.shards import read_shards, with_label_names
from ..dataset.storage import read_metadata, read_parquet
from ..errors import ProblemLog
from ..schema.models import GROUP_LEVELS
from ..schema.tables import declared_table

PER_DOCUMENT = ("documents", "sentences", "entities", "ner", "duplicate_groups")
#: Per-document tables of optional stages (present when the build asked for them).
OPTIONAL_PER_DOCUMENT = ("sentence_embeddings",)
#: How far from unit length a stored embedding may be (float32 rounding of a normalised vector).
UNIT_TOLERANCE = 1e-3


def validate_silver(root: Path, manifest: Manifest, log: ProblemLog) -> None:
    """Check a build whose manifest records provenance (at least one silver table)."""
    from ..gold.checks import REQUIRED_TABLES, _check_document_rows, _check_documents, _compare
    from ..gold.entities import check_mentions
    from ..gold.segments import check_sentences

    assert manifest.provenance is not None
    silver_groups = manifest.provenance.get("duplicate_groups") is None or manifest.provenance["duplicate_groups"].source == "silver"
    for name in REQUIRED_TABLES:
        if name not in manifest.tables:
            log.add(str(root / "manifest.json"), f"required table {name!r} is missing", field="tables")
    if log.problems:
        return
    shards = {name: read_shards(root, entry.file) for name, entry in manifest.tables.items()}
    counts = {name: len(shards[name]) for name in (*PER_DOCUMENT, *OPTIONAL_PER_DOCUMENT) if name in shards}
    if len(set(counts.values())) != 1:
        log.add(str(root / "manifest.json"), f"per-document tables have different shard counts {counts}; expected equal", field="tables")
        return
    for name, paths in shards.items():
        _check_files(root, manifest, name, paths, silver_groups, log)
    if log.problems:
        return
    doc_ids: list[pa.Array] = []
    for k in range(counts["documents"]):
        # The gold checks on validated records (documents, segments, mentions) ...
        located = {name: read_parquet(name, shards[name][k], log, declared_table(name, silver_groups)) for name in ("documents", "sentences", "entities")}
        _check_key_order(shards, k, log)
        texts = _check_documents(located["documents"], log)
        segments = check_sentences(texts, located["sentences"], log)
        _check_document_rows(located["documents"], segments, log)
        mentions = check_mentions(texts, segments, located["entities"], log)
        _compare("entities", located["entities"], mentions, log)
        # ... and the ner rows compared as Arrow tables with the ones the segments and mentions give
        # (a pydantic object per token row would add no check and most of the time).
        if not log.problems:
            _check_ner(shards, k, log)
        if "sentence_embeddings" in shards and not log.problems:
            _check_embeddings(shards, k, log)
        ids = pa.array(sorted(i.record.doc_id for i in located["documents"]), pa.string())
        doc_ids.append(ids)
        groups_ids = pq.read_table(shards["duplicate_groups"][k], columns=["doc_id"]).column("doc_id").combine_chunks()
        if groups_ids.to_pylist() != ids.to_pylist():
            log.add(str(shards["duplicate_groups"][k]), "doc_ids differ from the documents shard's (one row per document, same shard)", field="doc_id")
    if log.problems:
        return
    all_ids = pa.concat_arrays(doc_ids) if doc_ids else pa.array([], pa.string())
    if pc.count_distinct(all_ids).as_py() != len(all_ids):
        dupes = pa.table({"d": all_ids}).group_by("d").aggregate([("d", "count")]).filter(pc.greater(pc.field("d_count"), 1))
        log.add(str(root / "data" / "documents"), f"doc_id {dupes.column('d')[0].as_py()!r} occurs in more than one row", field="doc_id")
        return
    _check_identities(shards["entities"], log)
    groups = pa.concat_tables(pq.read_table(p) for p in shards["duplicate_groups"])
    _check_partitions(root, groups, log)
    _check_pairs(root, shards["pairs"], groups, silver_groups, log)


def _check_ner(shards: dict[str, list[Path]], k: int, log: ProblemLog) -> None:
    """Shard k of `ner` equals the rows derived from its segments and mentions (tokenized as the gold build does)."""
    from .entities import NER_COLUMNS, ner_from_mentions

    tables = {name: with_label_names(declared_table(name), pq.read_table(shards[name][k])) for name in ("documents", "sentences", "entities", "ner")}
    expected = ner_from_mentions(tables["documents"], tables["sentences"], tables["entities"])
    stored = tables["ner"].cast(NER_COLUMNS)
    if stored.equals(expected):
        return
    path = str(shards["ner"][k])
    if stored.num_rows != expected.num_rows:
        log.add(path, f"{stored.num_rows} ner rows but the segments give {expected.num_rows}", field="sentence_index")
        return
    for row, (have, want) in enumerate(zip(stored.to_pylist(), expected.to_pylist())):
        if have != want:
            fields = ",".join(f for f in want if have[f] != want[f])
            log.add(path, f"row {(want['doc_id'], want['sentence_index'])} differs from the value derived from the base tables", row=row, doc_id=want["doc_id"], field=fields)
            return


def _check_embeddings(shards: dict[str, list[Path]], k: int, log: ProblemLog) -> None:
    """Shard k of `sentence_embeddings`: one row per segment of the shard, one dimension, finite unit vectors."""
    import numpy as np

    path = shards["sentence_embeddings"][k]
    table = pq.read_table(path)
    keys = pq.read_table(shards["sentences"][k], columns=["doc_id", "index"])
    if not table.select(["doc_id", "index"]).equals(keys):
        have = list(zip(table.column("doc_id").to_pylist(), table.column("index").to_pylist()))
        want = list(zip(keys.column("doc_id").to_pylist(), keys.column("index").to_pylist()))
        row = next((i for i, (a, b) in enumerate(zip(have, want)) if a != b), min(len(have), len(want)))
        where = (have + want)[row] if row < len(have) else want[row]
        log.add(str(path), f"segment keys differ from the sentences shard's at {where} ({len(have)} rows, {len(want)} segments): one embedding per segment", row=row, doc_id=where[0], field="index")
        return
    column = table.column("embedding").combine_chunks()
    lengths = pc.list_value_length(column).to_numpy(zero_copy_only=False)
    if len(lengths) == 0:
        return
    dim = int(lengths[0])
    odd = np.flatnonzero((lengths != dim) | (lengths == 0))
    if len(odd):
        row = int(odd[0])
        log.add(str(path), f"embedding has {int(lengths[row])} values, the table's first has {dim}: one dimension for all, at least 1", row=row, doc_id=table.column("doc_id")[row].as_py(), field="embedding")
        return
    vectors = column.flatten().to_numpy(zero_copy_only=False).reshape(len(lengths), dim)
    norms = np.linalg.norm(vectors.astype(np.float64), axis=1)
    bad = np.flatnonzero(~np.isfinite(norms) | (np.abs(norms - 1) > UNIT_TOLERANCE))
    if len(bad):
        row = int(bad[0])
        log.add(str(path), f"embedding is not a finite unit vector (norm {norms[row]:.6g}); {len(bad)} such row(s)", row=row, doc_id=table.column("doc_id")[row].as_py(), field="embedding")


def _check_identities(paths: list[Path], log: ProblemLog) -> None:
    """Across all shards: one entity_id never carries two kb_ids, and one kb_id never has two entity_ids."""
    if not paths:
        return
    ids = pa.concat_tables(pq.read_table(p, columns=["entity_id", "kb_id"]) for p in paths).filter(pc.is_valid(pc.field("entity_id")))
    for key, other in (("entity_id", "kb_id"), ("kb_id", "entity_id")):
        rows = ids.filter(pc.is_valid(pc.field(key))) if key == "kb_id" else ids
        spread = rows.group_by(key).aggregate([(other, "count_distinct", pc.CountOptions(mode="all"))])
        bad = spread.filter(pc.greater(spread.column(f"{other}_count_distinct"), 1))
        if bad.num_rows:
            log.add(str(paths[0].parent), f"{key} {bad.column(key)[0].as_py()!r} has more than one {other} across the table", field=other)


def _check_files(root: Path, manifest: Manifest, name: str, paths: list[Path], silver_groups: bool, log: ProblemLog) -> None:
    table = declared_table(name, silver_groups)
    rows = 0
    for path in paths:
        if not path.is_file():
            continue  # reported by verify_files
        try:
            schema = pq.read_schema(path)
            rows += pq.ParquetFile(path).metadata.num_rows
        except (OSError, pa.ArrowException) as err:
            log.add(str(path), f"cannot read Parquet file: {err}")
            continue
        if schema.remove_metadata() != table.arrow_schema:
            log.add(str(path), f"schema differs from the declared {name} schema: {schema.remove_metadata()}")
        stamp = read_metadata(path)
        for key in ("dataset_version", "schema_version", "format_version"):
            if stamp.get(key) != getattr(manifest, key):
                log.add(str(path), f"Parquet metadata {key}={stamp.get(key)!r}, manifest.json has {getattr(manifest, key)!r}", field=key)
    if rows != manifest.tables[name].num_rows:
        log.add(str(root / "manifest.json"), f"{name} has {rows} rows in its shards but manifest.json says {manifest.tables[name].num_rows}", field="num_rows")


def _check_key_order(shards: dict[str, list[Path]], k: int, log: ProblemLog) -> None:
    """Rows inside a shard are in strictly increasing key order (the writer sorts them)."""
    for name in PER_DOCUMENT:
        table = declared_table(name)
        data = pq.read_table(shards[name][k], columns=list(table.key))
        keys = list(zip(*(data.column(c).to_pylist() for c in table.key)))
        for row, (a, b) in enumerate(zip(keys, keys[1:]), 1):
            if not a < b:
                log.add(str(shards[name][k]), f"rows out of key order: {b} follows {a}", row=row, field=table.key[0])
                break


def _check_partitions(root: Path, groups: pa.Table, log: ProblemLog) -> None:
    """Each group level refines the next coarser one."""
    where = str(root / "data" / "duplicate_groups")
    for finer, coarser in zip(GROUP_LEVELS, GROUP_LEVELS[1:]):
        spread = groups.group_by(finer).aggregate([(coarser, "count_distinct")])
        bad = spread.filter(pc.greater(spread.column(f"{coarser}_count_distinct"), 1))
        if bad.num_rows:
            log.add(where, f"{finer} group {bad.column(finer)[0].as_py()!r} is split across {coarser} groups", field=coarser)


def _check_pairs(root: Path, paths: list[Path], groups: pa.Table, silver_groups: bool, log: ProblemLog) -> None:
    """Pairs name known documents, doc_a < doc_b, in strictly increasing key order, with the relation their groups give."""
    ids = groups.column("doc_id")
    previous = None
    total = 0
    for path in paths:
        pairs = with_label_names(declared_table("pairs", silver_groups), pq.read_table(path))
        total += pairs.num_rows
        if not pairs.num_rows:
            continue
        a, b = pairs.column("doc_a"), pairs.column("doc_b")
        for column, name in ((a, "doc_a"), (b, "doc_b")):
            unknown = pc.invert(pc.is_in(column, value_set=ids))
            if pc.any(unknown).as_py():
                row = pc.index(unknown, True).as_py()
                log.add(str(path), f"unknown doc_id {column[row].as_py()!r}", row=row, field=name)
                return
        if not pc.all(pc.less(a, b)).as_py():
            row = pc.index(pc.less(a, b), False).as_py()
            log.add(str(path), "doc_a must sort before doc_b", row=row, field="doc_a")
            return
        if previous is not None:
            a = pa.concat_arrays([pa.array([previous[0]], pa.string()), a.combine_chunks()])
            b = pa.concat_arrays([pa.array([previous[1]], pa.string()), b.combine_chunks()])
        a, b = pa.chunked_array([a]).combine_chunks(), pa.chunked_array([b]).combine_chunks()
        if len(a) > 1:  # each key greater than the one before (vectorised: pairs tables are long)
            pa_, na, pb, nb = a.slice(0, len(a) - 1), a.slice(1), b.slice(0, len(b) - 1), b.slice(1)
            ordered = pc.or_(pc.greater(na, pa_), pc.and_(pc.equal(na, pa_), pc.greater(nb, pb)))
            if not pc.all(ordered).as_py():
                i = pc.index(ordered, False).as_py()
                row = i + (0 if previous is not None else 1)
                log.add(str(path), f"pairs out of key order or repeated: {(na[i].as_py(), nb[i].as_py())} after {(pa_[i].as_py(), pb[i].as_py())}", row=row, field="doc_a")
                return
        previous = (a[-1].as_py(), b[-1].as_py())
        expected = _relations(pairs, groups)
        wrong = pc.not_equal(pairs.column("relation"), expected)
        if pc.any(wrong).as_py():
            row = pc.index(wrong, True).as_py()
            log.add(
                str(path),
                f"relation {pairs.column('relation')[row].as_py()!r} but the groups give {expected[row].as_py()!r}",
                row=row,
                field="relation",
            )
            return
    n = len(ids)
    if not silver_groups and total != n * (n - 1) // 2:
        log.add(str(root / "data" / "pairs"), f"{total} pairs but {n} documents have {n * (n - 1) // 2}; a gold pairs table lists every pair")


def _relations(pairs: pa.Table, groups: pa.Table) -> pa.Array:
    """The relation the groups give each pair (finest shared level), as label names."""
    index = {}
    for side in ("doc_a", "doc_b"):
        pos = pc.index_in(pairs.column(side), value_set=groups.column("doc_id"))
        index[side] = {level: pc.take(groups.column(level), pos) for level in GROUP_LEVELS}
    name = pa.array(["unrelated"] * pairs.num_rows, pa.string())
    for level, relation in (("topic", "same_topic"), ("event", "same_event"), ("near_duplicate", "near_duplicate")):
        same = pc.equal(index["doc_a"][level], index["doc_b"][level])
        name = pc.if_else(same, relation, name)
    return name
