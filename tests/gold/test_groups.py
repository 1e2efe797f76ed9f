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


def _groups_table(rows: list[DuplicateGroups]):
    from ceasefire_news.dataset.storage import to_arrow
    from ceasefire_news.schema.tables import TABLES

    return to_arrow(TABLES["duplicate_groups"], rows)


def _random_groups(n: int, seed: int) -> list[DuplicateGroups]:
    """n documents in random order, in topic > event > near_duplicate groups that refine each other."""
    import random

    rng = random.Random(seed)
    out = []
    for i in range(n):
        t = rng.randrange(3)
        e = f"{t}.{rng.randrange(3)}"
        out.append(DuplicateGroups(doc_id=f"d{i:03d}", near_duplicate=f"{e}.{rng.randrange(2)}", event=e, topic=str(t)))
    rng.shuffle(out)
    return out


@pytest.mark.parametrize("n, batch", [(0, 5), (1, 7), (2, 1), (5, 3), (5, 10), (37, 666), (37, 50), (37, 1)])
def test_vectorised_pairs_equal_the_reference(n: int, batch: int) -> None:
    from ceasefire_news.gold.groups import pair_batches, pair_count

    groups = _random_groups(n, seed=n)
    chunks = list(pair_batches(_groups_table(groups), batch))
    assert len(chunks) == max(1, -(-pair_count(n) // batch))  # one chunk per batch, at least one (maybe empty)
    assert all(c.num_rows == batch for c in chunks[:-1]) and chunks[-1].num_rows <= batch
    rows = [r for c in chunks for r in c.to_pylist()]
    assert len(rows) == pair_count(n) == n * (n - 1) // 2
    assert rows == [p.model_dump() for p in make_pairs(groups)]


@pytest.mark.parametrize("small_take", [True, False])
def test_pair_batches_alike_with_and_without_arrow_take(monkeypatch: pytest.MonkeyPatch, small_take: bool) -> None:
    """Small tables are gathered in Python (no pyarrow.compute), large ones with Arrow's take: same chunks, same nbytes."""
    from ceasefire_news.dataset import storage
    from ceasefire_news.gold.groups import pair_batches

    monkeypatch.setattr(storage, "SMALL_TAKE_BYTES", 10**9 if small_take else -1)
    groups = _random_groups(37, seed=3)
    chunks = list(pair_batches(_groups_table(groups), 100))
    assert [r for c in chunks for r in c.to_pylist()] == [p.model_dump() for p in make_pairs(groups)]
    monkeypatch.setattr(storage, "SMALL_TAKE_BYTES", -1 if small_take else 10**9)
    other = list(pair_batches(_groups_table(groups), 100))
    assert all(a.equals(b) and a.nbytes == b.nbytes for a, b in zip(chunks, other, strict=True))


def test_pairs_of_the_seeds_are_the_built_table(built: Path) -> None:
    import pyarrow.parquet as pq

    from ceasefire_news.gold.groups import pair_batches
    from ceasefire_news.schema.tables import data_file

    groups = pq.read_table(built / data_file("duplicate_groups"))
    stored = pq.read_table(built / data_file("pairs"))
    (chunk,) = pair_batches(groups, 1_000)
    assert chunk.equals(stored.replace_schema_metadata(None))


@pytest.mark.parametrize("n", [0, 1, 2, 60])
def test_relation_counts_from_group_sizes(n: int) -> None:
    from ceasefire_news.gold.groups import relation_counts

    groups = _random_groups(n, seed=3)
    assert relation_counts(_groups_table(groups)) == {
        **{r: 0 for r in ("unrelated", "same_topic", "same_event", "near_duplicate")},
        **Counter(p.relation for p in make_pairs(groups)),
    }


def test_pairs_table_check_locates_every_kind_of_error() -> None:
    import pyarrow as pa

    from ceasefire_news.errors import ProblemLog
    from ceasefire_news.gold.groups import check_pairs_table, pair_batches

    groups = _groups_table(_random_groups(12, seed=1))
    good = next(pair_batches(groups, 1000))
    log = ProblemLog()
    check_pairs_table(groups, good, "pairs.parquet", log)
    assert log.problems == []

    rows = good.to_pylist()
    wrong = "same_topic" if rows[4]["relation"] != "same_topic" else "unrelated"
    rows[4]["relation"] = wrong  # wrong relation
    rows[5]["relation"] = "cousin"  # not a relation at all
    rows[7] = dict(rows[6])  # duplicate of row 6, so rows[7]'s pair goes missing
    rows[9]["doc_a"], rows[9]["doc_b"] = rows[9]["doc_b"], rows[9]["doc_a"]  # doc_a > doc_b
    rows[10]["doc_b"] = "nope"  # unknown document
    log = ProblemLog()
    check_pairs_table(groups, pa.Table.from_pylist(rows, schema=good.schema), "pairs.parquet", log)
    found = [str(p) for p in log.problems]
    assert any(f.startswith(f"pairs.parquet row 4 doc_id={rows[4]['doc_a']} field 'relation': relation {wrong!r} but the groups give") for f in found), found
    assert any(f.startswith("pairs.parquet row 5 ") and "relation 'cousin' but the groups give" in f for f in found), found
    assert any(f.startswith("pairs.parquet row 7 ") and "duplicate pair" in f for f in found), found
    assert any(f.startswith("pairs.parquet row 9 ") and "not an ordered pair" in f for f in found), found
    assert any(f.startswith("pairs.parquet row 10 ") and "not an ordered pair of known documents" in f for f in found), found
    missing = [f for f in found if "missing" in f]
    assert missing == [f"pairs.parquet: 3 pair(s) missing, first ('{good['doc_a'][7]}', '{good['doc_b'][7]}')"], found
    assert len(found) == 6


def test_pairs_table_check_accepts_the_built_pairs(built: Path) -> None:
    import pyarrow.parquet as pq

    from ceasefire_news.errors import ProblemLog
    from ceasefire_news.gold.groups import _equals_derived, check_pairs_table
    from ceasefire_news.schema.tables import data_file

    groups = pq.read_table(built / data_file("duplicate_groups"))
    pairs = pq.read_table(built / data_file("pairs"))
    assert _equals_derived(groups, pairs)
    assert not _equals_derived(groups, pairs.slice(1))
    log = ProblemLog()
    check_pairs_table(groups, pairs.slice(1), "p", log)
    assert [str(p) for p in log.problems] == [f"p: 1 pair(s) missing, first ('{pairs['doc_a'][0]}', '{pairs['doc_b'][0]}')"]


def test_pairs_file_is_compared_by_row_group_and_validate_locates_a_change(built: Path, tmp_path: Path) -> None:
    """validate streams the pairs file against the derived pairs; a changed row (checksums refreshed) is located."""
    import json
    import shutil

    import pyarrow as pa
    import pyarrow.parquet as pq
    import pytest

    from ceasefire_news import DatasetError, validate
    from ceasefire_news.dataset.manifest import sha256_file
    from ceasefire_news.dataset.storage import PARQUET_OPTIONS
    from ceasefire_news.gold.groups import pairs_file_matches
    from ceasefire_news.schema.tables import data_file

    groups = pq.read_table(built / data_file("duplicate_groups"))
    assert pairs_file_matches(groups, built / data_file("pairs"))
    copy = tmp_path / "ds"
    shutil.copytree(built, copy)
    path = copy / data_file("pairs")
    table = pq.read_table(path)
    rows = table.to_pylist()
    assert rows[3]["relation"] != "near_duplicate"
    rows[3]["relation"] = "near_duplicate"
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), path, **PARQUET_OPTIONS)
    assert not pairs_file_matches(groups, path)
    # Fresh checksums (croissant.json, then manifest.json, which lists croissant.json): only the content is wrong.
    files = json.loads((built / "manifest.json").read_text(encoding="utf-8"))["files"]
    croissant = json.loads((copy / "croissant.json").read_text(encoding="utf-8"))
    for obj in croissant["distribution"]:
        if obj["contentUrl"] == data_file("pairs"):
            obj.update(sha256=sha256_file(path), contentSize=f"{path.stat().st_size} B")
    (copy / "croissant.json").write_text(json.dumps(croissant, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    for rel in (data_file("pairs"), "croissant.json"):
        manifest["files"][rel] = {"sha256": sha256_file(copy / rel), "size": (copy / rel).stat().st_size}
    assert manifest["files"] != files
    (copy / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    with pytest.raises(DatasetError) as err:
        validate(copy)
    found = [str(p) for p in err.value.problems]
    assert found == [
        f"{path} row 3 doc_id={rows[3]['doc_a']} field 'relation': relation 'near_duplicate' but the groups give "
        f"{table['relation'][3].as_py()!r}"
    ], found
