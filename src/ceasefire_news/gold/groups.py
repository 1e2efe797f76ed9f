"""Duplicate-group labels: partition checks at three levels and the derived document pairs.

The pairs table of a gold corpus holds every unordered pair: n(n-1)/2 rows for n documents
(5 documents: 10 rows; 1,000: 499,500; 4,000: about 8 million; 10,000: about 50 million). The
build makes it with numpy/Arrow in chunks of one Parquet row group (`pair_batches`), never as
Python objects; `make_pairs` is the readable reference the vectorised code is tested against.
"""

from __future__ import annotations

from pathlib import Path

from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import combinations
from typing import TYPE_CHECKING

from ..errors import Located, ProblemLog
from ..schema.rules import GROUP_LEVELS, RELATIONS

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

    from ..schema.models import DuplicateGroups, Pair


def relation(a: DuplicateGroups, b: DuplicateGroups) -> str:
    """The finest level two documents share: near_duplicate, same_event, same_topic or unrelated."""
    if a.near_duplicate == b.near_duplicate:
        return "near_duplicate"
    if a.event == b.event:
        return "same_event"
    if a.topic == b.topic:
        return "same_topic"
    return "unrelated"


def make_pairs(groups: Iterable[DuplicateGroups]) -> list[Pair]:
    """Every unordered pair of documents once (doc_a < doc_b) with its relation."""
    from ..schema.models import Pair

    ordered = sorted(groups, key=lambda g: g.doc_id)
    return [Pair(doc_a=a.doc_id, doc_b=b.doc_id, relation=relation(a, b)) for a, b in combinations(ordered, 2)]


def check_groups(doc_ids: Iterable[str], items: list[Located[DuplicateGroups]], log: ProblemLog) -> None:
    """Check one row per known document and that each level refines the next coarser one."""
    known = set(doc_ids)
    seen: dict[str, Located] = {}
    for item in items:
        doc_id = item.record.doc_id
        if doc_id not in known:
            log.at(item, f"unknown doc_id {doc_id!r} (no such document)", "doc_id")
        elif doc_id in seen:
            log.at(item, f"duplicate row for doc_id {doc_id!r}; each document has exactly one", "doc_id")
        seen.setdefault(doc_id, item)
    for doc_id in sorted(known - set(seen)):
        where = items[0].file if items else "<duplicate_groups>"
        log.add(where, "document has no duplicate-group row", doc_id=doc_id)
    for finer, coarser in zip(GROUP_LEVELS, GROUP_LEVELS[1:]):
        parents: dict[str, set[str]] = defaultdict(set)
        first: dict[str, Located] = {}
        for item in seen.values():
            group = getattr(item.record, finer)
            parents[group].add(getattr(item.record, coarser))
            first.setdefault(group, item)
        for group, coarse in sorted(parents.items()):
            if len(coarse) > 1:
                log.at(
                    first[group],
                    f"{finer} group {group!r} is split across {coarser} groups {sorted(coarse)}; "
                    f"each {finer} group must lie inside one {coarser} group",
                    coarser,
                )


def check_pairs(groups: list[DuplicateGroups], items: list[Located[Pair]], log: ProblemLog) -> None:
    """Check that the pairs table is exactly the pairs derived from the groups."""
    expected = {(p.doc_a, p.doc_b): p.relation for p in make_pairs(groups)}
    seen = set()
    for item in items:
        key = (item.record.doc_a, item.record.doc_b)
        if key not in expected:
            log.at(item, f"pair {key} is not an ordered pair of known documents (doc_a < doc_b)", "doc_a")
        elif key in seen:
            log.at(item, f"duplicate pair {key}", "doc_a")
        elif item.record.relation != expected[key]:
            log.at(item, f"relation {item.record.relation!r} but the groups give {expected[key]!r}", "relation")
        seen.add(key)
    for key in sorted(set(expected) - seen):
        log.add(items[0].file if items else "<pairs>", f"pair {key} is missing")


def pair_count(n_docs: int) -> int:
    """Rows of the all-pairs table of n_docs documents: n(n-1)/2."""
    return n_docs * (n_docs - 1) // 2


def _level_codes(groups: pa.Table) -> tuple[list[str], list[np.ndarray]]:
    """Doc ids in sorted order and, per group level finest first, an integer group code per document.

    Plain Python over one row per document (cheap next to the n(n-1)/2 pairs), which spares
    `validate` importing pyarrow.compute; Python orders str as Arrow orders their UTF-8 bytes.
    """
    import numpy as np

    ids = groups.column("doc_id").to_pylist()
    order = sorted(range(len(ids)), key=ids.__getitem__)
    codes = []
    for level in GROUP_LEVELS:
        values, seen = groups.column(level).to_pylist(), {}
        codes.append(np.array([seen.setdefault(values[i], len(seen)) for i in order], dtype=np.int64))
    return [ids[i] for i in order], codes


def _relations(codes: list[np.ndarray], a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The relation's position in RELATIONS (coarsest first) of document pairs (a[k], b[k])."""
    import numpy as np

    # Levels refine each other, so the finest shared level is the number of shared levels:
    # 0 unrelated, 1 same_topic, 2 same_event, 3 near_duplicate.
    return sum((c[a] == c[b]).astype(np.int64) for c in codes)


def pair_batches(groups: pa.Table, batch_rows: int) -> Iterator[pa.Table]:
    """Every unordered document pair once (doc_a < doc_b, in key order) with its relation, in Arrow chunks.

    groups is a duplicate_groups table (any row order); each chunk has batch_rows rows except the
    last, and at least one (possibly empty) chunk is produced. The relation is the label name.
    """
    import numpy as np
    import pyarrow as pa

    from ..dataset.storage import arrow_array, dense, take_values
    from ..schema.tables import TABLES

    schema = TABLES["pairs"].arrow_schema
    sorted_ids, codes = _level_codes(groups)
    doc_ids, names = arrow_array(sorted_ids, pa.string()), arrow_array(RELATIONS, pa.string())
    n = len(sorted_ids)
    total = pair_count(n)
    # Pair number k in lexicographic order of (a, b): row a starts at first[a] = a*n - a(a+1)/2.
    index = np.arange(n, dtype=np.int64)
    first = index * n - index * (index + 1) // 2
    for start in range(0, max(total, 1), batch_rows):
        k = np.arange(start, min(start + batch_rows, total), dtype=np.int64)
        a = np.searchsorted(first, k, side="right") - 1
        b = k - first[a] + a + 1
        columns = [take_values(doc_ids, a), take_values(doc_ids, b), take_values(names, _relations(codes, a, b))]
        yield pa.Table.from_arrays([dense(c) for c in columns], schema=schema)


def relation_counts(groups: pa.Table) -> dict[str, int]:
    """Pairs per relation, from the group sizes alone (O(n)): sum of C(size, 2) per level, differenced."""
    from ..dataset.storage import numpy_view

    same = []
    for level in GROUP_LEVELS:  # finest first
        sizes = numpy_view(groups.column(level).value_counts().field("counts"))
        same.append(int((sizes * (sizes - 1) // 2).sum()))
    nd, ev, tp = same
    return {
        "unrelated": pair_count(groups.num_rows) - tp,
        "same_topic": tp - ev,
        "same_event": ev - nd,
        "near_duplicate": nd,
    }


def check_pairs_table(groups: pa.Table, pairs: pa.Table, file: str, log: ProblemLog, shown: int = 5) -> None:
    """Check, vectorised, that a stored pairs table is exactly the pairs derived from the groups.

    The Arrow counterpart of `check_pairs` for tables of millions of rows: unknown documents,
    doc_a >= doc_b, duplicate and missing pairs and wrong relations are reported, each located
    by row, at most `shown` rows per kind of problem and then a count.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..dataset.storage import arrow_array

    sorted_ids, codes = _level_codes(groups)
    doc_ids = arrow_array(sorted_ids, pa.string())
    n = len(doc_ids)
    if pairs.num_rows == pair_count(n) and _equals_derived(groups, pairs):
        return  # the common case, in one streamed comparison; the rest only locates problems
    a_idx = pc.index_in(pairs.column("doc_a"), value_set=doc_ids)
    b_idx = pc.index_in(pairs.column("doc_b"), value_set=doc_ids)
    known = pc.and_(pc.is_valid(a_idx), pc.is_valid(b_idx)).to_numpy(zero_copy_only=False)
    a = a_idx.fill_null(0).to_numpy().astype(np.int64)
    b = b_idx.fill_null(0).to_numpy().astype(np.int64)
    ordered = known & (a < b)
    doc_a, doc_b, relation = pairs.column("doc_a"), pairs.column("doc_b"), pairs.column("relation")

    def report(rows: np.ndarray, message, field: str) -> None:
        for row in rows[:shown].tolist():
            log.add(file, message(row), row=row, doc_id=doc_a[row].as_py(), field=field)
        if len(rows) > shown:
            log.add(file, f"... and {len(rows) - shown} more row(s) with the same problem", field=field)

    def key(row: int) -> tuple[str, str]:
        return (doc_a[row].as_py(), doc_b[row].as_py())

    report(np.flatnonzero(~ordered), lambda r: f"pair {key(r)} is not an ordered pair of known documents (doc_a < doc_b)", "doc_a")
    rows = np.flatnonzero(ordered)
    code = a[rows] * n + b[rows]
    order = np.argsort(code, kind="stable")  # sorting, not hashing: numpy's hash unique is slow on millions of codes
    ranked = code[order]
    repeat = ranked[1:] == ranked[:-1]
    dup = np.zeros(len(rows), dtype=bool)
    dup[order[1:]] = repeat
    report(rows[dup], lambda r: f"duplicate pair {key(r)}", "doc_a")
    stored = pc.index_in(relation, value_set=pa.array(RELATIONS, pa.string())).fill_null(-1).to_numpy().astype(np.int64)
    expected = np.zeros(len(stored), dtype=np.int64)
    expected[rows] = _relations(codes, a[rows], b[rows])
    wrong = rows[(stored[rows] != expected[rows]) & ~dup]
    report(wrong, lambda r: f"relation {relation[r].as_py()!r} but the groups give {RELATIONS[expected[r]]!r}", "relation")
    present = ranked[np.concatenate(([True], ~repeat))] if len(ranked) else ranked  # sorted, distinct
    missing = pair_count(n) - len(present)
    if missing:
        first = _first_missing(present, n)
        log.add(file, f"{missing} pair(s) missing, first {(doc_ids[first[0]].as_py(), doc_ids[first[1]].as_py())}")


def pairs_file_matches(groups: pa.Table, path: Path) -> bool:
    """True if a pairs Parquet file holds exactly the derived pairs, compared one row group at a time.

    Never holds the whole file (8 million rows at 4,000 documents): row group i must equal chunk i of
    `pair_batches`, as the build writes them. False on any difference, including another row-group
    layout; the caller then reads the file whole and locates the problems (`check_pairs_table`).
    """
    import pyarrow.parquet as pq

    from ..dataset.storage import ROW_GROUP_SIZE

    file = pq.ParquetFile(path)
    chunks = pair_batches(groups, ROW_GROUP_SIZE)
    for i in range(file.num_row_groups):
        chunk = next(chunks, None)
        if chunk is None or not file.read_row_group(i).replace_schema_metadata(None).equals(chunk):
            return False
    rest = next(chunks, None)
    return rest is None or (rest.num_rows == 0 and file.num_row_groups == 0 and next(chunks, None) is None)


def _equals_derived(groups: pa.Table, pairs: pa.Table) -> bool:
    """True if pairs holds exactly the derived pairs, in key order (compared one row group at a time)."""
    from ..dataset.storage import ROW_GROUP_SIZE

    offset = 0
    for chunk in pair_batches(groups, ROW_GROUP_SIZE):
        if not pairs.slice(offset, chunk.num_rows).equals(chunk):
            return False
        offset += chunk.num_rows
    return offset == pairs.num_rows


def _first_missing(present: np.ndarray, n: int) -> tuple[int, int]:
    """The first (a, b), a < b, in key order whose code a*n+b is not in the sorted array present."""
    import numpy as np

    for a in range(n - 1):
        lo, hi = np.searchsorted(present, [a * n + a + 1, a * n + n])
        if hi - lo < n - a - 1:
            row = set(present[lo:hi].tolist())
            return a, next(b for b in range(a + 1, n) if a * n + b not in row)
    raise ValueError("no pair is missing")
