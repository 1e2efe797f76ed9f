"""Duplicate-group labels and the pairs table: gold content, partition/refinement checks, bad input."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import datasets
import pytest

from ceasefire_news import DatasetError, build
from ceasefire_news.gold.groups import make_pairs, relation
from ceasefire_news.schema.models import DuplicateGroups

from ..helpers import assert_build_fails_located, edit_jsonl

WIRE = ["000_a604801cb8896bbe", "001_962f232c241942aa", "002_1326406fc45ba7b4"]


def test_gold_groups_and_pairs(built: Path) -> None:
    groups = datasets.load_dataset(str(built), "duplicate_groups", split="test")
    assert groups.num_rows == 5
    by_doc = {r["doc_id"]: r for r in groups}
    assert {by_doc[d]["near_duplicate"] for d in WIRE} == {"nd:wire-story-march-2025"}
    assert len({r["near_duplicate"] for r in groups}) == 3
    assert len({r["event"] for r in groups}) == 2
    assert len({r["topic"] for r in groups}) == 1
    pairs = datasets.load_dataset(str(built), "pairs", split="test")
    assert isinstance(pairs.features["relation"], datasets.ClassLabel)
    names = pairs.features["relation"].names
    assert names == ["unrelated", "same_topic", "same_event", "near_duplicate"]
    assert pairs.num_rows == 10
    assert Counter(names[r["relation"]] for r in pairs) == {"near_duplicate": 3, "same_event": 3, "same_topic": 4}
    assert pairs[0] == {"doc_a": WIRE[0], "doc_b": WIRE[1], "relation": names.index("near_duplicate")}
    assert all(r["doc_a"] < r["doc_b"] for r in pairs)


def test_relation_is_the_finest_shared_level() -> None:
    def g(doc: str, nd: str, ev: str, tp: str) -> DuplicateGroups:
        return DuplicateGroups(doc_id=doc, near_duplicate=nd, event=ev, topic=tp)

    a, b, c, d = g("a", "n1", "e1", "t1"), g("b", "n1", "e1", "t1"), g("c", "n2", "e1", "t1"), g("d", "n3", "e2", "t2")
    assert relation(a, b) == "near_duplicate"
    assert relation(a, c) == "same_event"
    assert relation(a, d) == "unrelated"
    assert [p.relation for p in make_pairs([d, c, a])] == ["same_event", "unrelated", "unrelated"]




@pytest.mark.parametrize(
    "change, fragments",
    [
        (lambda rows: rows[1].update(event="event:other"), ["duplicate_groups.jsonl:1", "field 'event'", "is split across event groups"]),
        (lambda rows: rows.pop(), ["doc_id=004_8a3745de7e51fef9", "no duplicate-group row"]),
        (lambda rows: rows.append(dict(rows[0])), ["duplicate_groups.jsonl:6", "duplicate row"]),
        (lambda rows: rows[2].update(topic=""), ["duplicate_groups.jsonl:3", "field 'topic'"]),
    ],
    ids=["not a refinement", "missing document", "duplicate document", "empty group id"],
)
def test_bad_groups_are_located(seeds_copy: Path, tmp_path: Path, change, fragments: list[str]) -> None:
    edit_jsonl(seeds_copy / "annotations" / "duplicate_groups.jsonl", change)
    assert_build_fails_located(seeds_copy, tmp_path / "out", fragments)


def test_missing_groups_file(seeds_copy: Path, tmp_path: Path) -> None:
    (seeds_copy / "annotations" / "duplicate_groups.jsonl").unlink()
    with pytest.raises(DatasetError, match="duplicate_groups.jsonl: missing annotation file duplicate_groups.jsonl"):
        build(seeds_copy, tmp_path / "out")
