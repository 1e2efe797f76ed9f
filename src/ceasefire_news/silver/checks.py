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

from ..dataset.manifest import ManifestInfo
from ..dataset.shards import read_shards, with_label_names
from ..dataset.storage import read_file, read_metadata, read_parquet
from ..errors import ProblemLog
from ..schema.rules import GROUP_LEVELS
from ..schema.tables import declared_table
from .progress import release_memory

PER_DOCUMENT = ("documents", "sentences", "entities", "ner", "duplicate_groups")
#: Per-document tables of optional stages (present when the build asked for them).
OPTIONAL_PER_DOCUMENT = ("sentence_embeddings",)
#: How far from unit length a stored embedding may be (float32 rounding of a normalised vector).
UNIT_TOLERANCE = 1e-3


def validate_silver(root: Path, manifest: ManifestInfo, log: ProblemLog) -> None:
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
    release_memory()  # after a build, most of its freed memory is still held by the allocators
    for k in range(counts["documents"]):
        _check_key_order(shards, k, log)
        tables = {name: with_label_names(declared_table(name, silver_groups), read_file(shards[name][k])) for name in ("documents", "sentences", "entities")}
        reason = _shard_problem(tables["documents"], tables["sentences"], tables["entities"])
        if reason is not None:
            # Something is wrong: the record checks of the gold build locate it (file, row, doc_id, field).
            before = len(log.problems)
            located = {name: read_parquet(name, shards[name][k], log, declared_table(name, silver_groups)) for name in ("documents", "sentences", "entities")}
            texts = _check_documents(located["documents"], log)
            segments = check_sentences(texts, located["sentences"], log)
            _check_document_rows(located["documents"], segments, log)
            mentions = check_mentions(texts, segments, located["entities"], log)
            _compare("entities", located["entities"], mentions, log)
            if len(log.problems) == before:
                log.add(str(shards[reason[0]][k]), reason[1])
        # ... and the ner rows compared as Arrow tables with the ones the segments and mentions give.
        if not log.problems:
            _check_ner(shards, k, tables, log)
        if "sentence_embeddings" in shards and not log.problems:
            _check_embeddings(shards, k, log)
        ids = tables["documents"].column("doc_id").combine_chunks()
        ids = pc.take(ids, pc.sort_indices(ids))
        doc_ids.append(ids)
        groups_ids = read_file(shards["duplicate_groups"][k], columns=["doc_id"]).column("doc_id").combine_chunks()
        if not groups_ids.equals(ids):
            log.add(str(shards["duplicate_groups"][k]), "doc_ids differ from the documents shard's (one row per document, same shard)", field="doc_id")
        del tables, groups_ids
        release_memory()  # each shard's checks start from the same memory, whatever the shard count
    if log.problems:
        return
    # Corpus-level checks on integer codes: the doc_ids once (row order of the duplicate_groups
    # shards), a rank per document in doc_id order, and each group level as one code per document.
    # Strings of the whole corpus are never compared or looked up per pair.
    ids = pa.concat_arrays(doc_ids) if doc_ids else pa.array([], pa.string())
    del doc_ids
    rank = _doc_ranks(root, ids, log)
    if rank is None:
        return
    _check_identities(shards["entities"], log)
    codes = _group_codes(shards["duplicate_groups"], silver_groups)
    _check_partitions(root, codes, log)
    _check_pairs(root, shards["pairs"], ids, rank, codes, silver_groups, log)


def _shard_problem(docs: pa.Table, sents: pa.Table, ents: pa.Table) -> tuple[str, str] | None:
    """(table, reason) of the first broken invariant of one shard, or None when it passes them all.

    The same invariants as the record checks of the gold build (pydantic field rules, gold/segments.py
    and gold/entities.py), over columns: Arrow compute where a rule is columnar, one plain loop over
    the segment and mention columns where it compares text. It only decides; on any problem the
    caller runs the record checks, which locate every problem with its row, doc_id and field. (The
    record checks build a pydantic object per row: most of a silver build's time before.)
    """
    import hashlib

    import numpy as np

    from ..gold.segments import is_list_marker
    from ..schema.rules import DOC_ID_PATTERN, ENTITY_LABELS, KB_ID_PATTERN, NAME_LABELS, ROLES, SHA256_PATTERN

    def all_true(values: pa.Array | pa.ChunkedArray) -> bool:
        return bool(pc.all(pc.fill_null(values, False)).as_py() if len(values) else True)

    def no_nulls(table: pa.Table, columns: tuple[str, ...]) -> bool:
        return all(table.column(c).null_count == 0 for c in columns)

    # documents: field rules, checksum, length
    if not no_nulls(docs, ("doc_id", "text", "sha256", "num_chars", "num_sentences")):
        return "documents", "a required field is null"
    if not all_true(pc.match_substring_regex(docs.column("doc_id"), DOC_ID_PATTERN)):
        return "documents", "doc_id does not match its pattern"
    if not all_true(pc.match_substring_regex(docs.column("sha256"), SHA256_PATTERN)):
        return "documents", "sha256 is not 64 hex digits"
    if not all_true(pc.equal(docs.column("num_chars"), pc.utf8_length(docs.column("text")))) or not all_true(pc.greater(docs.column("num_chars"), 0)):
        return "documents", "num_chars differs from the text length (or the text is empty)"
    texts = docs.column("text").to_pylist()
    for text, digest in zip(texts, docs.column("sha256").to_pylist()):
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != digest:
            return "documents", "sha256 differs from the text's"
    doc_ids = docs.column("doc_id").combine_chunks()
    if pc.count_distinct(doc_ids).as_py() != len(doc_ids):
        return "documents", "duplicate doc_id"
    # sentences: field rules
    if not no_nulls(sents, ("doc_id", "index", "start", "end", "text", "role")):
        return "sentences", "a required field is null"
    s_doc = pc.index_in(sents.column("doc_id"), value_set=doc_ids)
    if s_doc.null_count:
        return "sentences", "unknown doc_id"
    start, end, text_len = sents.column("start"), sents.column("end"), pc.utf8_length(sents.column("text"))
    if not (
        all_true(pc.greater_equal(start, 0)) and all_true(pc.greater(end, start)) and all_true(pc.equal(text_len, pc.subtract(end, start)))
        and all_true(pc.greater_equal(sents.column("index"), 0)) and all_true(pc.is_in(sents.column("role"), value_set=pa.array(ROLES)))
    ):
        return "sentences", "a segment breaks a field rule (offsets, text length, index or role)"
    # sentences against their documents, in file order per document (as the record checks group them)
    s_pos = s_doc.to_numpy(zero_copy_only=False)
    counts = np.bincount(s_pos, minlength=len(texts)) if len(s_pos) else np.zeros(len(texts), dtype=np.int64)
    if (counts == 0).any():
        return "sentences", "a document has no segments"
    if not np.array_equal(counts, docs.column("num_sentences").to_numpy()):
        return "documents", "num_sentences differs from the segment count"
    order = np.argsort(s_pos, kind="stable")
    cols = [np.asarray(sents.column(c).to_numpy(), dtype=np.int64)[order].tolist() for c in ("index", "start", "end")]
    seg_text = pc.take(sents.column("text"), pa.array(order)).to_pylist()
    seg_role = pc.take(sents.column("role"), pa.array(order)).to_pylist()
    titles: list[str | None] = [None] * len(texts)

    def gap_ok(text: str, a: int, b: int) -> bool:
        gap = text[a:b]
        return not gap or gap.isspace() or all(text[p].isspace() or is_list_marker(text, p) for p in range(a, b))

    p_sorted = s_pos[order].tolist()
    prev_doc, text, prev_end, position = -1, "", 0, 0
    for doc, index, a, b, t, role in zip(p_sorted, *cols, seg_text, seg_role):
        if doc != prev_doc:
            if prev_doc >= 0 and not gap_ok(text, prev_end, len(text)):
                return "sentences", "text after the last segment is not covered"
            prev_doc, text, prev_end, position = doc, texts[doc], 0, 0
            if role == "title":
                titles[doc] = t
        if index != position or b > len(text) or text[a:b] != t or t[0].isspace() or t[-1].isspace():
            return "sentences", "a segment's index, span or text is wrong"
        if a < prev_end or not gap_ok(text, prev_end, a):
            return "sentences", "segments overlap or leave text uncovered"
        if role == "title" and position != 0:
            return "sentences", "a title segment that is not first"
        prev_end = max(prev_end, b)
        position += 1
    if prev_doc >= 0 and not gap_ok(text, prev_end, len(text)):
        return "sentences", "text after the last segment is not covered"
    if docs.column("title").to_pylist() != titles:
        return "documents", "title differs from the title segment"
    # entities: field rules
    if not ents.num_rows:
        return None
    if not no_nulls(ents, ("doc_id", "mention_id", "sentence_index", "start", "end", "text", "label")):
        return "entities", "a required field is null"
    e_doc = pc.index_in(ents.column("doc_id"), value_set=doc_ids)
    if e_doc.null_count:
        return "entities", "unknown doc_id"
    m_start, m_end = ents.column("start"), ents.column("end")
    kb, eid, label = ents.column("kb_id"), ents.column("entity_id"), ents.column("label")
    if not (
        all_true(pc.greater_equal(m_start, 0)) and all_true(pc.greater(m_end, m_start))
        and all_true(pc.equal(pc.utf8_length(ents.column("text")), pc.subtract(m_end, m_start)))
        and all_true(pc.is_in(label, value_set=pa.array(ENTITY_LABELS)))
        and all_true(pc.match_substring_regex(pc.drop_null(kb), KB_ID_PATTERN))
        and all_true(pc.greater(pc.utf8_length(pc.drop_null(eid)), 0))
    ):
        return "entities", "a mention breaks a field rule (offsets, text length, label, kb_id or entity_id)"
    # links (gold/entities._check_link)
    is_name = pc.is_in(label, value_set=pa.array(sorted(NAME_LABELS)))
    other_ok = pc.and_(pc.is_null(kb), pc.is_null(eid))
    name_ok = pc.if_else(pc.is_valid(kb), pc.fill_null(pc.equal(eid, kb), False), pc.fill_null(pc.starts_with(eid, "nil:"), False))
    if not all_true(pc.if_else(is_name, name_ok, other_ok)):
        return "entities", "kb_id / entity_id break the linking rules"
    expected_id = pc.binary_join_element_wise(
        ents.column("doc_id"), pa.scalar(":"), pc.cast(m_start, pa.string()), pa.scalar("-"), pc.cast(m_end, pa.string()), ""
    )
    if not all_true(pc.equal(ents.column("mention_id"), expected_id)):
        return "entities", "mention_id is not <doc_id>:<start>-<end>"
    # each mention inside exactly one segment (the last one starting at or before it), with its index
    seg_key = s_pos.astype(np.int64) * (1 << 32) + np.asarray(start.to_numpy(), dtype=np.int64)
    by_key = np.argsort(seg_key, kind="stable")
    m_pos = e_doc.to_numpy(zero_copy_only=False).astype(np.int64)
    ms, me = np.asarray(m_start.to_numpy(), dtype=np.int64), np.asarray(m_end.to_numpy(), dtype=np.int64)
    holder = np.searchsorted(seg_key[by_key], m_pos * (1 << 32) + ms, side="right") - 1
    seg_row = by_key[np.maximum(holder, 0)]
    seg_end_all = np.asarray(end.to_numpy(), dtype=np.int64)
    seg_index_all = np.asarray(sents.column("index").to_numpy(), dtype=np.int64)
    inside = (holder >= 0) & (s_pos[seg_row] == m_pos) & (me <= seg_end_all[seg_row])
    if not inside.all() or not np.array_equal(seg_index_all[seg_row], np.asarray(ents.column("sentence_index").to_numpy(), dtype=np.int64)):
        return "entities", "a mention is not inside exactly one segment, or names the wrong one"
    # text, edges and flatness, per document in (start, end) order
    m_order = np.lexsort((me, ms, m_pos))
    prev_doc, prev_end = -1, 0
    m_text = pc.take(ents.column("text"), pa.array(m_order)).to_pylist()
    for doc, a, b, t in zip(m_pos[m_order].tolist(), ms[m_order].tolist(), me[m_order].tolist(), m_text):
        text = texts[doc]
        if b > len(text) or text[a:b] != t or t[0].isspace() or t[-1].isspace():
            return "entities", "a mention's span or text is wrong"
        if doc == prev_doc and a < prev_end:
            return "entities", "mentions overlap"
        prev_doc, prev_end = doc, b
    return None


#: Documents re-tokenized at a time when the ner rows are checked (bounds the memory of the check).
NER_CHECK_DOCS = 1000


def _check_ner(shards: dict[str, list[Path]], k: int, base: dict[str, pa.Table], log: ProblemLog) -> None:
    """Shard k of `ner` equals the rows derived from its segments and mentions (tokenized as the gold build does).

    `base` holds shard k's documents, sentences and entities as the caller read them (read once, not
    twice: a shard's tables are most of validation's memory). Runs only on shards whose other checks
    passed, so every table is in key order and the rows of consecutive documents are consecutive: the
    shard is compared in slices of NER_CHECK_DOCS documents.
    """
    import numpy as np

    from .entities import NER_COLUMNS, ner_from_mentions

    tables = {**base, "ner": with_label_names(declared_table("ner"), read_file(shards["ner"][k]))}
    docs = tables["documents"]
    path = str(shards["ner"][k])
    stored_all = tables["ner"].cast(NER_COLUMNS)
    n_expected = tables["sentences"].num_rows
    if stored_all.num_rows != n_expected:
        log.add(path, f"{stored_all.num_rows} ner rows but the segments give {n_expected}", field="sentence_index")
        return
    doc_ids = docs.column("doc_id").combine_chunks()
    # Row ranges of each slice of documents in the sorted tables.
    cuts = doc_ids.take(pa.array(np.arange(0, len(doc_ids), NER_CHECK_DOCS))).to_pylist() + [None]
    ranges = {}
    for name in ("sentences", "entities", "ner"):
        column = tables[name].column("doc_id").combine_chunks()
        bounds = [int(pc.sum(pc.less(column, c)).as_py() or 0) if c is not None else len(column) for c in cuts]
        ranges[name] = bounds
    for i in range(len(cuts) - 1):
        part = {name: tables[name].slice(ranges[name][i], ranges[name][i + 1] - ranges[name][i]) for name in ("sentences", "entities", "ner")}
        expected = ner_from_mentions(docs.slice(i * NER_CHECK_DOCS, NER_CHECK_DOCS), part["sentences"], part["entities"])
        stored = part["ner"].cast(NER_COLUMNS)
        if stored.equals(expected):
            continue
        for row, (have, want) in enumerate(zip(stored.to_pylist(), expected.to_pylist())):
            if have != want:
                fields = ",".join(f for f in want if have[f] != want[f])
                where = ranges["ner"][i] + row
                log.add(path, f"row {(want['doc_id'], want['sentence_index'])} differs from the value derived from the base tables", row=where, doc_id=want["doc_id"], field=fields)
                return


def _check_embeddings(shards: dict[str, list[Path]], k: int, log: ProblemLog) -> None:
    """Shard k of `sentence_embeddings`: one row per segment of the shard, one dimension, finite unit vectors."""
    import numpy as np

    path = shards["sentence_embeddings"][k]
    table = read_file(path)
    keys = read_file(shards["sentences"][k], columns=["doc_id", "index"])
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


def _doc_ranks(root: Path, ids: pa.Array, log: ProblemLog):
    """Each document's rank in doc_id order (numpy int64), or None after reporting a doc_id in two rows."""
    import numpy as np

    by_id = pc.sort_indices(ids).to_numpy()
    if len(ids) > 1:
        ordered = pc.take(ids, pa.array(by_id))
        repeated = pc.equal(ordered.slice(1), ordered.slice(0, len(ordered) - 1))
        if pc.any(repeated).as_py():
            doc_id = ordered[pc.index(repeated, True).as_py()].as_py()
            log.add(str(root / "data" / "documents"), f"doc_id {doc_id!r} occurs in more than one row", field="doc_id")
            return None
    rank = np.empty(len(ids), dtype=np.int64)
    rank[by_id] = np.arange(len(ids))
    return rank


def _check_identities(paths: list[Path], log: ProblemLog) -> None:
    """Across all shards: one entity_id never carries two kb_ids, and one kb_id never has two entity_ids.

    Each shard is reduced to its distinct (entity_id, kb_id) pairs first, so what is held across
    shards grows with the number of entities, not of mentions.
    """
    if not paths:
        return
    parts = []
    for path in paths:
        rows = read_file(path, columns=["entity_id", "kb_id"]).filter(pc.is_valid(pc.field("entity_id")))
        parts.append(rows.group_by(["entity_id", "kb_id"]).aggregate([]))
    ids = pa.concat_tables(parts).group_by(["entity_id", "kb_id"]).aggregate([])
    for key, other in (("entity_id", "kb_id"), ("kb_id", "entity_id")):
        rows = ids.filter(pc.is_valid(pc.field(key))) if key == "kb_id" else ids
        spread = rows.group_by(key).aggregate([(other, "count_distinct", pc.CountOptions(mode="all"))])
        bad = spread.filter(pc.greater(spread.column(f"{other}_count_distinct"), 1))
        if bad.num_rows:
            log.add(str(paths[0].parent), f"{key} {bad.column(key)[0].as_py()!r} has more than one {other} across the table", field=other)


def _group_codes(paths: list[Path], silver_groups: bool) -> dict[str, tuple]:
    """Per group level: (an int64 code per document in the shards' row order, the labels the codes index)."""
    codes = {}
    table = declared_table("duplicate_groups", silver_groups)
    for level in GROUP_LEVELS:  # one level's strings at a time
        column = pa.concat_arrays([with_label_names(table, read_file(p, columns=[level])).column(0).combine_chunks() for p in paths])
        encoded = pc.dictionary_encode(column, null_encoding="encode")
        codes[level] = (encoded.indices.to_numpy(zero_copy_only=False).astype("int64"), encoded.dictionary)
    return codes


def _check_files(root: Path, manifest: ManifestInfo, name: str, paths: list[Path], silver_groups: bool, log: ProblemLog) -> None:
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
    """Rows inside a shard are in strictly increasing key order (the writer sorts them); compared column-wise."""
    for name in PER_DOCUMENT:
        table = declared_table(name)
        data = read_file(shards[name][k], columns=list(table.key))
        if data.num_rows < 2:
            continue
        cols = [data.column(c).combine_chunks() for c in table.key]
        prev = [c.slice(0, len(c) - 1) for c in cols]
        nxt = [c.slice(1) for c in cols]
        ordered = pa.array([False] * (len(cols[0]) - 1))
        for a, b in reversed(list(zip(prev, nxt))):  # lexicographic: greater on this column, or equal and ordered on the rest
            ordered = pc.or_(pc.greater(b, a), pc.and_(pc.equal(b, a), ordered))
        ordered = pc.fill_null(ordered, False)
        if not pc.all(ordered).as_py():
            i = pc.index(ordered, False).as_py()
            before, after = (tuple(c[i].as_py() for c in cols), tuple(c[i + 1].as_py() for c in cols))
            log.add(str(shards[name][k]), f"rows out of key order: {after} follows {before}", row=i + 1, field=table.key[0])


def _check_partitions(root: Path, codes: dict[str, tuple], log: ProblemLog) -> None:
    """Each group level refines the next coarser one (every finer group inside one coarser group)."""
    import numpy as np

    where = str(root / "data" / "duplicate_groups")
    for finer, coarser in zip(GROUP_LEVELS, GROUP_LEVELS[1:]):
        (f, names), (c, coarse_names) = codes[finer], codes[coarser]
        width = max(len(coarse_names), 1)
        combos = np.unique(f * width + c)  # distinct (finer, coarser) pairs, sorted by finer code
        owner = combos // width
        split = np.flatnonzero(owner[1:] == owner[:-1])
        if len(split):  # the first split group in row order: codes number the labels by first appearance
            log.add(where, f"{finer} group {names[int(owner[split[0]])].as_py()!r} is split across {coarser} groups", field=coarser)


def _check_pairs(
    root: Path, paths: list[Path], ids: pa.Array, rank, codes: dict[str, tuple], silver_groups: bool, log: ProblemLog
) -> None:
    """Pairs name known documents, doc_a < doc_b, in strictly increasing key order, with the relation their groups give.

    Each pair becomes two document positions (one hash lookup per side and shard), and everything
    else is integers: the key rank(doc_a) * N + rank(doc_b), increasing across the shards, and the
    relation from the group codes.
    """
    import numpy as np

    from ..schema.rules import RELATIONS

    n = len(ids)
    relations = pa.array(RELATIONS, pa.string())
    previous = -1  # the last key of the shards before
    total = 0
    for path in paths:
        pairs = with_label_names(declared_table("pairs", silver_groups), read_file(path, columns=["doc_a", "doc_b", "relation"]))
        total += pairs.num_rows
        if not pairs.num_rows:
            continue
        positions = []
        for name in ("doc_a", "doc_b"):
            column = pairs.column(name).combine_chunks()
            pos = pc.index_in(column, value_set=ids)
            if pos.null_count:
                row = pc.index(pc.is_null(pos), True).as_py()
                log.add(str(path), f"unknown doc_id {column[row].as_py()!r}", row=row, field=name)
                return
            positions.append(pos.to_numpy().astype(np.int64))
        a, b = positions
        ra, rb = rank[a], rank[b]
        if (ra >= rb).any():
            log.add(str(path), "doc_a must sort before doc_b", row=int(np.argmax(ra >= rb)), field="doc_a")
            return
        key = ra * n + rb
        steps = np.diff(key, prepend=previous)
        if (steps <= 0).any():
            i = int(np.argmax(steps <= 0))
            before = (ids[int(a[i - 1])].as_py(), ids[int(b[i - 1])].as_py()) if i else _pair_at_key(ids, rank, previous)
            after = (ids[int(a[i])].as_py(), ids[int(b[i])].as_py())
            log.add(str(path), f"pairs out of key order or repeated: {after} after {before}", row=i, field="doc_a")
            return
        previous = int(key[-1])
        expected = np.zeros(len(a), dtype=np.int64)  # the finest level the two share, as an index of RELATIONS
        for level, relation in (("topic", 1), ("event", 2), ("near_duplicate", 3)):
            level_codes = codes[level][0]
            expected[level_codes[a] == level_codes[b]] = relation
        stored = pc.index_in(pairs.column("relation"), value_set=relations).fill_null(-1).to_numpy()
        wrong = np.flatnonzero(stored != expected)
        if len(wrong):
            row = int(wrong[0])
            log.add(
                str(path),
                f"relation {pairs.column('relation')[row].as_py()!r} but the groups give {RELATIONS[expected[row]]!r}",
                row=row,
                field="relation",
            )
            return
    if not silver_groups and total != n * (n - 1) // 2:
        log.add(str(root / "data" / "pairs"), f"{total} pairs but {n} documents have {n * (n - 1) // 2}; a gold pairs table lists every pair")


def _pair_at_key(ids: pa.Array, rank, key: int) -> tuple[str, str]:
    """The (doc_a, doc_b) of a pair key rank(doc_a) * N + rank(doc_b)."""
    import numpy as np

    n = len(ids)
    by_rank = np.argsort(rank)
    return ids[int(by_rank[key // n])].as_py(), ids[int(by_rank[key % n])].as_py()
