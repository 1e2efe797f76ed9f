"""Duplicate-group labels: partition checks at three levels and the derived document pairs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from itertools import combinations

from ..errors import Located, ProblemLog
from ..schema.models import GROUP_LEVELS, DuplicateGroups, Pair


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
