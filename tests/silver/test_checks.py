"""Validation of silver builds: every broken invariant is found and located, even with fresh checksums."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from ceasefire_news import DatasetError, validate
from ceasefire_news.dataset.manifest import Manifest, sha256_file, write_manifest

from .conftest import DOC_IDS


def tamper(built: Path, tmp_path: Path, rel: str, change: Callable[[pa.Table], pa.Table]) -> Path:
    """A copy of the build with one shard rewritten by change() and manifest.json refreshed (so only the data is wrong)."""
    root = tmp_path / "copy"
    shutil.copytree(built, root)
    path = root / rel
    table = pq.read_table(path)
    pq.write_table(change(table).cast(table.schema), path)
    croissant = json.loads((root / "croissant.json").read_text(encoding="utf-8"))
    for obj in croissant["distribution"]:
        if obj.get("contentUrl") == rel:
            obj.update(sha256=sha256_file(path), contentSize=f"{path.stat().st_size} B")
    (root / "croissant.json").write_text(json.dumps(croissant, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    manifest = Manifest.model_validate_json((root / "manifest.json").read_bytes())
    config = rel.split("/")[1]
    rows = sum(pq.ParquetFile(p).metadata.num_rows for p in (root / "data" / config).glob("*.parquet"))
    tables = {**manifest.tables, config: manifest.tables[config].model_copy(update={"num_rows": rows})}
    (root / "manifest.json").unlink()
    write_manifest(
        root, tables, manifest.inputs, name=manifest.name, dataset_version=manifest.dataset_version, provenance=manifest.provenance
    )
    return root


def problems(root: Path) -> list[str]:
    with pytest.raises(DatasetError) as err:
        validate(root)
    return [str(p) for p in err.value.problems]


def test_silver_build_is_valid(silver_built: Path) -> None:
    assert validate(silver_built).provenance["sentences"].source == "silver"


def test_split_near_duplicate_group_is_found(silver_built: Path, tmp_path: Path) -> None:
    def change(t: pa.Table) -> pa.Table:
        event = pc.if_else(pc.equal(t.column("doc_id"), DOC_IDS[1]), "event:elsewhere", t.column("event"))
        return t.set_column(t.schema.get_field_index("event"), "event", event)

    root = tamper(silver_built, tmp_path, "data/duplicate_groups/test-00000-of-00002.parquet", change)
    found = problems(root)
    assert any(f"near_duplicate group 'nd:{DOC_IDS[0]}' is split across event groups" in p and "field 'event'" in p for p in found), found


def test_wrong_pair_relation_is_found(silver_built: Path, tmp_path: Path) -> None:
    def change(t: pa.Table) -> pa.Table:
        unrelated = 0 if pa.types.is_integer(t.schema.field("relation").type) else "unrelated"  # index or name, as the file stores it
        return t.set_column(t.schema.get_field_index("relation"), "relation", pa.array([unrelated] * t.num_rows, t.schema.field("relation").type))

    root = tamper(silver_built, tmp_path, "data/pairs/test-00000-of-00001.parquet", change)
    found = problems(root)
    assert found == [f"{root}/data/pairs/test-00000-of-00001.parquet row 0 field 'relation': relation 'unrelated' but the groups give 'near_duplicate'"]


def test_uncovered_text_is_found(silver_built: Path, tmp_path: Path) -> None:
    def change(t: pa.Table) -> pa.Table:
        keep = pc.invert(pc.and_(pc.equal(t.column("doc_id"), DOC_IDS[2]), pc.equal(t.column("index"), 5)))
        return t.filter(keep)

    root = tamper(silver_built, tmp_path, "data/sentences/test-00000-of-00002.parquet", change)
    found = problems(root)
    assert any(f"doc_id={DOC_IDS[2]}" in p and "is not covered by any segment" in p for p in found), found


def test_rows_out_of_key_order_are_found(silver_built: Path, tmp_path: Path) -> None:
    def change(t: pa.Table) -> pa.Table:
        return t.take(pa.array([1, 0, *range(2, t.num_rows)]))

    root = tamper(silver_built, tmp_path, "data/documents/test-00000-of-00002.parquet", change)
    found = problems(root)
    assert any("test-00000-of-00002.parquet row 1 field 'doc_id': rows out of key order" in p for p in found), found


def test_a_changed_byte_fails_the_checksum(silver_built: Path, tmp_path: Path) -> None:
    root = tmp_path / "copy"
    shutil.copytree(silver_built, root)
    path = root / "data/ner/test-00001-of-00002.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    assert any("test-00001-of-00002.parquet" in p and "sha256" in p for p in problems(root))


def test_pairs_out_of_order_are_found(silver_built: Path, tmp_path: Path) -> None:
    def change(t: pa.Table) -> pa.Table:
        return t.take(pa.array([0, 2, 1, *range(3, t.num_rows)]))

    root = tamper(silver_built, tmp_path, "data/pairs/test-00000-of-00001.parquet", change)
    found = problems(root)
    assert len(found) == 1 and "test-00000-of-00001.parquet row 2 field 'doc_a': pairs out of key order or repeated" in found[0], found


def _set(t: pa.Table, column: str, row: int, value: object) -> pa.Table:
    values = t.column(column).to_pylist()
    values[row] = value
    return t.set_column(t.schema.get_field_index(column), column, pa.array(values, t.schema.field(column).type))


def _shard_tables(built: Path) -> dict[str, pa.Table]:
    from ceasefire_news.dataset.shards import with_label_names
    from ceasefire_news.schema.tables import declared_table

    return {
        name: with_label_names(declared_table(name, True), pq.read_table(built / f"data/{name}/test-00000-of-00002.parquet"))
        for name in ("documents", "sentences", "entities")
    }


TAMPERINGS = {
    "sha256": ("documents", lambda t: _set(t, "sha256", 0, "0" * 64), "sha256"),
    "num_chars": ("documents", lambda t: _set(t, "num_chars", 1, t.column("num_chars")[1].as_py() + 1), "num_chars"),
    "num_sentences": ("documents", lambda t: _set(t, "num_sentences", 0, 3), "num_sentences"),
    "title": ("documents", lambda t: _set(t, "title", 0, "Another title"), "title"),
    "segment text": ("sentences", lambda t: _set(t, "text", 4, "x" * len(t.column("text")[4].as_py())), "does not equal document text"),
    "segment index": ("sentences", lambda t: _set(t, "index", 4, 40), "out of order"),
    "segment role": ("sentences", lambda t: _set(t, "role", 4, "title"), "title segment must be the first"),
    "segment span": ("sentences", lambda t: _set(t, "end", 4, t.column("end")[4].as_py() + 1), "invalid record"),
    "mention text": ("entities", lambda t: _set(t, "text", 0, "Q" * len(t.column("text")[0].as_py())), "does not equal document text"),
    "mention segment": ("entities", lambda t: _set(t, "sentence_index", 0, t.column("sentence_index")[0].as_py() + 1), "differs from the value derived"),
    "mention id": ("entities", lambda t: _set(t, "mention_id", 0, "x:1-2"), "differs from the value derived"),
    "mention link": ("entities", lambda t: _set(t, "entity_id", 0, "Q1"), "entity_id"),
    "mention without entity_id": ("entities", lambda t: _set(t, "entity_id", 0, None), "needs an entity_id"),
}


@pytest.mark.parametrize("case", sorted(TAMPERINGS))
def test_column_checks_catch_what_the_record_checks_catch(silver_built: Path, tmp_path: Path, case: str) -> None:
    """The column-wise shard check (the fast path of validation) finds every tampering, and validate then locates it."""
    from ceasefire_news.silver.checks import _shard_problem

    name, change, message = TAMPERINGS[case]
    tables = _shard_tables(silver_built)
    assert _shard_problem(tables["documents"], tables["sentences"], tables["entities"]) is None
    tables[name] = change(tables[name])
    assert _shard_problem(tables["documents"], tables["sentences"], tables["entities"]) is not None
    root = tamper(silver_built, tmp_path, f"data/{name}/test-00000-of-00002.parquet", change)
    found = problems(root)
    assert any(message in p for p in found), found


@pytest.mark.parametrize("slice_docs", [1, 1000])
def test_changed_ner_tag_is_found_in_any_slice(silver_built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slice_docs: int) -> None:
    """The ner rows are re-derived slice by slice: a changed tag is found and located by its row in the shard."""
    from ceasefire_news.silver import checks

    monkeypatch.setattr(checks, "NER_CHECK_DOCS", slice_docs)
    rel = "data/ner/test-00000-of-00002.parquet"
    table = pq.read_table(silver_built / rel)
    row = table.num_rows - 1  # in the last document of the shard

    def change(t: pa.Table) -> pa.Table:
        tags = t.column("ner_tags").to_pylist()
        tags[row] = ["B-PERSON"] + tags[row][1:] if tags[row][0] != "B-PERSON" else ["O"] + tags[row][1:]
        return t.set_column(t.schema.get_field_index("ner_tags"), "ner_tags", pa.array(tags, t.schema.field("ner_tags").type))

    root = tamper(silver_built, tmp_path, rel, change)
    doc_id = table.column("doc_id")[row].as_py()
    found = problems(root)
    assert found == [f"{root}/{rel} row {row} doc_id={doc_id} field 'ner_tags': row ({doc_id!r}, {table.column('sentence_index')[row].as_py()}) differs from the value derived from the base tables"], found


def test_pair_naming_an_unknown_document_is_found(silver_built: Path, tmp_path: Path) -> None:
    root = tamper(silver_built, tmp_path, "data/pairs/test-00000-of-00001.parquet", lambda t: _set(t, "doc_b", 0, "zz_unknown"))
    assert problems(root) == [f"{root}/data/pairs/test-00000-of-00001.parquet row 0 field 'doc_b': unknown doc_id 'zz_unknown'"]


def test_pair_with_doc_a_after_doc_b_is_found(silver_built: Path, tmp_path: Path) -> None:
    def change(t: pa.Table) -> pa.Table:
        a, b = t.column("doc_a")[1].as_py(), t.column("doc_b")[1].as_py()
        return _set(_set(t, "doc_a", 1, b), "doc_b", 1, a)

    root = tamper(silver_built, tmp_path, "data/pairs/test-00000-of-00001.parquet", change)
    assert problems(root) == [f"{root}/data/pairs/test-00000-of-00001.parquet row 1 field 'doc_a': doc_a must sort before doc_b"]


def test_doc_ranks_follow_doc_id_order_and_refuse_a_repeated_id(tmp_path: Path) -> None:
    from ceasefire_news.errors import ProblemLog
    from ceasefire_news.silver.checks import _doc_ranks

    log = ProblemLog()
    assert _doc_ranks(tmp_path, pa.array(["c", "a", "b"]), log).tolist() == [2, 0, 1]
    assert _doc_ranks(tmp_path, pa.array(["b", "a", "b"]), log) is None
    assert [str(p) for p in log.problems] == [f"{tmp_path}/data/documents field 'doc_id': doc_id 'b' occurs in more than one row"]


def _group_codes_of(near_duplicate: list[str], event: list[str], topic: list[str]) -> dict:
    import numpy as np

    codes = {}
    for level, labels in (("near_duplicate", near_duplicate), ("event", event), ("topic", topic)):
        encoded = pc.dictionary_encode(pa.array(labels))
        codes[level] = (encoded.indices.to_numpy().astype(np.int64), encoded.dictionary)
    return codes


def test_pairs_are_in_key_order_across_shards(tmp_path: Path) -> None:
    """The key order runs on from one pairs shard to the next: a shard may not start below the last key before it."""
    from ceasefire_news.errors import ProblemLog
    from ceasefire_news.silver.checks import _check_pairs, _doc_ranks

    ids = pa.array(["b", "a", "c"])  # positions 0, 1, 2; ranks 1, 0, 2
    codes = _group_codes_of(["nd:a", "nd:a", "nd:c"], ["event:a", "event:a", "event:c"], ["topic:a", "topic:a", "topic:a"])
    shards = []
    for i, rows in enumerate([[("a", "b", "near_duplicate"), ("a", "c", "same_topic")], [("b", "c", "same_topic")]]):
        path = tmp_path / f"pairs-{i}.parquet"
        pq.write_table(pa.table({k: [r[j] for r in rows] for j, k in enumerate(("doc_a", "doc_b", "relation"))}), path)
        shards.append(path)
    log = ProblemLog()
    rank = _doc_ranks(tmp_path, ids, log)
    _check_pairs(tmp_path, shards, ids, rank, codes, True, log)
    assert log.problems == []
    pq.write_table(pa.table({"doc_a": ["a"], "doc_b": ["b"], "relation": ["near_duplicate"]}), shards[1])  # repeats shard 0's first key
    _check_pairs(tmp_path, shards, ids, rank, codes, True, log)
    assert [str(p) for p in log.problems] == [f"{shards[1]} row 0 field 'doc_a': pairs out of key order or repeated: ('a', 'b') after ('a', 'c')"]


def test_partition_check_names_the_first_split_group(tmp_path: Path) -> None:
    from ceasefire_news.errors import ProblemLog
    from ceasefire_news.silver.checks import _check_partitions

    log = ProblemLog()
    _check_partitions(tmp_path, _group_codes_of(["nd:x", "nd:y", "nd:y", "nd:x"], ["e:1", "e:2", "e:3", "e:1"], ["t"] * 4), log)
    assert [str(p) for p in log.problems] == [f"{tmp_path}/data/duplicate_groups field 'event': near_duplicate group 'nd:y' is split across event groups"]
    log = ProblemLog()
    _check_partitions(tmp_path, _group_codes_of(["nd:x", "nd:y", "nd:y"], ["e:1", "e:2", "e:2"], ["t:1", "t:1", "t:2"]), log)
    assert [str(p) for p in log.problems] == [f"{tmp_path}/data/duplicate_groups field 'topic': event group 'e:2' is split across topic groups"]


def test_an_entity_id_with_two_kb_ids_in_different_shards_is_found(tmp_path: Path) -> None:
    from ceasefire_news.errors import ProblemLog
    from ceasefire_news.silver.checks import _check_identities

    paths = [tmp_path / "entities-0.parquet", tmp_path / "entities-1.parquet"]
    pq.write_table(pa.table({"entity_id": ["Q1", "Q1", "nil:x"], "kb_id": ["Q1", "Q1", None]}), paths[0])
    pq.write_table(pa.table({"entity_id": ["nil:x", "Q2"], "kb_id": [None, "Q2"]}), paths[1])
    log = ProblemLog()
    _check_identities(paths, log)
    assert log.problems == []
    pq.write_table(pa.table({"entity_id": ["Q1"], "kb_id": ["Q7"]}), paths[1])
    _check_identities(paths, log)
    assert [str(p) for p in log.problems] == [f"{tmp_path} field 'kb_id': entity_id 'Q1' has more than one kb_id across the table"]


def _record_problems(tables: dict[str, pa.Table], folder: Path) -> list[str]:
    """The gold build's record checks (what validation runs to locate a problem) on one shard's tables."""
    from ceasefire_news.dataset.shards import to_storage
    from ceasefire_news.dataset.storage import read_parquet
    from ceasefire_news.errors import ProblemLog
    from ceasefire_news.gold.checks import _check_document_rows, _check_documents, _compare
    from ceasefire_news.gold.entities import check_mentions
    from ceasefire_news.gold.segments import check_sentences
    from ceasefire_news.schema.tables import declared_table

    log = ProblemLog()
    located = {}
    for name, table in tables.items():
        declared = declared_table(name, True)
        pq.write_table(to_storage(declared, table).cast(declared.arrow_schema), folder / f"{name}.parquet")
        located[name] = read_parquet(name, folder / f"{name}.parquet", log, declared_table(name, True))
    texts = _check_documents(located["documents"], log)
    segments = check_sentences(texts, located["sentences"], log)
    _check_document_rows(located["documents"], segments, log)
    mentions = check_mentions(texts, segments, located["entities"], log)
    _compare("entities", located["entities"], mentions, log)
    return [str(p) for p in log.problems]


def test_column_segment_checks_agree_with_the_record_checks_on_random_edits(silver_built: Path, tmp_path: Path) -> None:
    """Random edits of one segment that keep its field rules (text re-sliced from the document): the
    column checks find a problem exactly when the record checks do, both ways (a stricter column check
    would fail valid builds)."""
    import random

    from ceasefire_news.silver.checks import _shard_problem

    base = _shard_tables(silver_built)
    texts = dict(zip(base["documents"].column("doc_id").to_pylist(), base["documents"].column("text").to_pylist()))
    rows = base["sentences"].to_pylist()
    rng = random.Random(20251126)
    verdicts = []
    for trial in range(60):
        edited = [dict(r) for r in rows]
        r = rng.randrange(len(edited))
        row, text = edited[r], texts[edited[r]["doc_id"]]
        kind = rng.choice(["start", "end", "both", "role", "drop", "swap"])
        if kind in ("start", "end", "both"):
            shift = rng.choice([-3, -2, -1, 1, 2, 3])
            if kind in ("start", "both"):
                row["start"] = max(0, row["start"] + shift)
            if kind in ("end", "both"):
                row["end"] = min(len(text), row["end"] + shift)
            if row["end"] <= row["start"]:
                continue
            row["text"] = text[row["start"] : row["end"]]
        elif kind == "role":
            row["role"] = rng.choice(["title", "body", "heading"])
        elif kind == "drop":  # remove a segment, renumber its document's others, keep num_sentences in step below
            doc = edited.pop(r)["doc_id"]
            for i, other in enumerate(o for o in edited if o["doc_id"] == doc):
                other["index"] = i
        elif kind == "swap" and r + 1 < len(edited) and edited[r + 1]["doc_id"] == row["doc_id"]:
            edited[r], edited[r + 1] = edited[r + 1], edited[r]
        sents = pa.Table.from_pylist(edited, schema=base["sentences"].schema)
        counts = pc.value_counts(sents.column("doc_id")).to_pylist()
        per_doc = {c["values"]: c["counts"] for c in counts}
        docs = base["documents"]
        docs = docs.set_column(docs.schema.get_field_index("num_sentences"), "num_sentences", pa.array([per_doc.get(d, 0) for d in docs.column("doc_id").to_pylist()], docs.schema.field("num_sentences").type))
        column = _shard_problem(docs, sents, base["entities"])
        folder = tmp_path / str(trial)
        folder.mkdir()
        record = _record_problems({"documents": docs, "sentences": sents, "entities": base["entities"]}, folder)
        assert (column is None) == (not record), (kind, r, column, record)
        verdicts.append(column is None)
    assert True in verdicts and False in verdicts  # both outcomes were exercised
