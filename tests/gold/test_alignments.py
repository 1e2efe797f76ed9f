"""The alignment layer: tables built from a small fixture link file on a copy of the seeds, checks, agreement."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from itertools import combinations
from pathlib import Path

import datasets
import pyarrow.parquet as pq
import pytest
from sklearn.metrics import cohen_kappa_score

from ceasefire_news import build, load, validate
from ceasefire_news.errors import DatasetError
from ceasefire_news.gold.alignments import num_cross_pairs, pair_positions, sentence_pairs
from ceasefire_news.gold.seeds import default_seeds_dir
from ceasefire_news.schema.models import Alignment
from ceasefire_news.schema.tables import TABLES, data_file

from ..helpers import assert_build_fails_located, edit_jsonl

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LINKS = FIXTURES / "alignments.jsonl"
AGREEMENT = FIXTURES / "alignment_agreement"
D0, D1, D3 = "000_a604801cb8896bbe", "001_962f232c241942aa", "003_dbbfab3a559acc3c"
SEGMENTS = {"000_a604801cb8896bbe": 26, "001_962f232c241942aa": 25, "002_1326406fc45ba7b4": 27, D3: 52, "004_8a3745de7e51fef9": 20}


def with_fixture(seeds: Path) -> Path:
    """Put the fixture link file and the two fixture agreement files into a seeds copy."""
    shutil.copyfile(LINKS, seeds / "annotations" / "alignments.jsonl")
    target = seeds / "annotations" / "alignment_agreement"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(AGREEMENT, target)
    return seeds


def without_alignments(seeds: Path) -> Path:
    """Remove the alignment layer (gold and agreement files) from a seeds copy."""
    (seeds / "annotations" / "alignments.jsonl").unlink(missing_ok=True)
    shutil.rmtree(seeds / "annotations" / "alignment_agreement", ignore_errors=True)
    return seeds


@pytest.fixture(scope="module")
def fixture_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds with the fixture alignment files, built once for this module."""
    root = tmp_path_factory.mktemp("align")
    seeds = root / "seeds"
    shutil.copytree(default_seeds_dir(), seeds)
    return build(with_fixture(seeds), root / "ds")


def table(root: Path, name: str) -> list[dict]:
    return [TABLES[name].from_row(r).model_dump() for r in pq.read_table(root / data_file(name)).to_pylist()]


def links_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_alignments_table_is_the_fixture_in_key_order(fixture_build: Path) -> None:
    rows = table(fixture_build, "alignments")
    expected = sorted(links_of(LINKS), key=lambda r: (r["doc_a"], r["doc_b"], r["index_a"], r["index_b"]))
    assert rows == expected
    assert len(rows) == 7
    assert Counter(r["relation"] for r in rows) == {"equivalent": 3, "partial": 4}


def test_sentence_pairs_counts_and_golden_rows(fixture_build: Path) -> None:
    rows = table(fixture_build, "sentence_pairs")
    assert len(rows) == num_cross_pairs(SEGMENTS) == 8683
    assert Counter(r["label"] for r in rows) == {"unrelated": 8676, "partial": 4, "equivalent": 3}
    # Key order: doc_a, doc_b, then index_a, index_b; every cross-document pair exactly once.
    keys = [(r["doc_a"], r["doc_b"], r["index_a"], r["index_b"]) for r in rows]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert all(r["doc_a"] < r["doc_b"] for r in rows)
    assert rows[0] == {
        "doc_a": D0,
        "index_a": 0,
        "doc_b": D1,
        "index_b": 0,
        "label": "unrelated",
        "sentence1": "Trump and Putin Set for Talks as Ceasefire Negotiations Stall",
        "sentence2": "Trump and Putin likely to discuss Ukraine this week",
    }
    # Row of the link (000, 7) - (001, 5): block 000-001 starts at 0, so row 7 * 25 + 5.
    assert rows[7 * 25 + 5] == {
        "doc_a": D0,
        "index_a": 7,
        "doc_b": D1,
        "index_b": 5,
        "label": "equivalent",
        "sentence1": "Speaking to CNN, he said, “The two presidents are set for a positive and productive discussion this week.”",
        "sentence2": "“I think the two presidents are going to have a really good and positive discussion this week,” Witkoff told CNN.",
    }
    last = rows[-1]
    assert (last["doc_a"], last["index_a"], last["doc_b"], last["index_b"]) == (D3, 51, "004_8a3745de7e51fef9", 19)


def test_sentence_pairs_equal_a_plain_python_derivation(fixture_build: Path) -> None:
    segs: dict[str, list[str]] = {}
    for s in table(fixture_build, "sentences"):
        segs.setdefault(s["doc_id"], []).append(s["text"])
    gold = {(r["doc_a"], r["index_a"], r["doc_b"], r["index_b"]): r["relation"] for r in links_of(LINKS)}
    expected = [
        {
            "doc_a": a,
            "index_a": i,
            "doc_b": b,
            "index_b": j,
            "label": gold.get((a, i, b, j), "unrelated"),
            "sentence1": segs[a][i],
            "sentence2": segs[b][j],
        }
        for a, b in combinations(sorted(segs), 2)
        for i in range(len(segs[a]))
        for j in range(len(segs[b]))
    ]
    assert table(fixture_build, "sentence_pairs") == expected


def test_pair_positions_and_empty_input() -> None:
    sizes = {"a": 2, "b": 3, "c": 1}
    # Blocks: a-b rows 0..5, a-c rows 6..7, b-c rows 8..10.
    assert pair_positions(sizes, [("a", 0, "b", 0), ("a", 1, "b", 2), ("a", 1, "c", 0), ("b", 2, "c", 0)]).tolist() == [0, 5, 7, 10]
    assert sentence_pairs({}, []).num_rows == 0
    one = sentence_pairs({"a": ["x"]}, [])
    assert one.num_rows == 0 and one.schema == TABLES["sentence_pairs"].arrow_schema


def test_load_dataset_offline_with_class_labels(fixture_build: Path) -> None:
    alignments = datasets.load_dataset(str(fixture_build), "alignments", split="test")
    assert alignments.features["relation"].names == ["equivalent", "partial"]
    assert alignments.num_rows == 7
    pairs = datasets.load_dataset(str(fixture_build), "sentence_pairs", split="test")
    assert isinstance(pairs.features["label"], datasets.ClassLabel)
    assert pairs.features["label"].names == ["unrelated", "partial", "equivalent"]
    assert pairs.num_rows == 8683
    assert sum(1 for label in pairs["label"] if label == 2) == 3


def test_build_validates_and_is_deterministic(fixture_build: Path, tmp_path: Path) -> None:
    validate(fixture_build)
    seeds = tmp_path / "seeds"
    shutil.copytree(default_seeds_dir(), seeds)
    again = build(with_fixture(seeds), tmp_path / "again")
    for name in ("alignments", "sentence_pairs"):
        assert (again / data_file(name)).read_bytes() == (fixture_build / data_file(name)).read_bytes()


def test_card_reports_alignment_agreement(fixture_build: Path) -> None:
    # Independently: full label vectors over all 8683 pairs, scored by scikit-learn directly.
    order = [(a, i, b, j) for a, b in combinations(sorted(SEGMENTS), 2) for i in range(SEGMENTS[a]) for j in range(SEGMENTS[b])]
    labels = {"partial": 1, "equivalent": 2}
    vectors = []
    for name in ("annotator_a", "annotator_b"):
        given = {(r["doc_a"], r["index_a"], r["doc_b"], r["index_b"]): labels[r["relation"]] for r in links_of(AGREEMENT / f"{name}.jsonl")}
        vectors.append([given.get(k, 0) for k in order])
    kappa = cohen_kappa_score(*vectors)
    card = (fixture_build / "README.md").read_text(encoding="utf-8")
    assert (
        f"annotator_a vs annotator_b (5 and 5 links): Cohen's kappa over all 8683 cross-document segment pairs "
        f"(unrelated, partial, equivalent) = {kappa:.4f}; link F1 = 0.8000 (same pair), 0.4000 (same pair and relation)"
    ) in card
    assert "| equivalent | 3 |" in card and "| partial | 4 |" in card and "| unrelated | 8676 |" in card


def test_without_alignment_file_both_tables_are_empty(seeds_copy: Path, tmp_path: Path) -> None:
    out = build(without_alignments(seeds_copy), tmp_path / "ds")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["tables"]["alignments"]["num_rows"] == 0
    assert manifest["tables"]["sentence_pairs"]["num_rows"] == 0
    assert "The alignment layer is absent from these seeds" in (out / "README.md").read_text(encoding="utf-8")
    validate(out)
    for name in ("alignments", "sentence_pairs"):
        assert pq.read_table(out / data_file(name)).num_rows == 0
        # `datasets.load_dataset` cannot read an empty split today (huggingface/datasets#8401); `load` can.
        try:
            assert datasets.load_dataset(str(out), name, split="test").num_rows == 0
        except ValueError as err:
            assert "corresponds to no data" in str(err)
        empty = load(name, out)
        assert empty.num_rows == 0 and empty.features == TABLES[name].features


def test_an_empty_alignment_file_labels_every_pair_unrelated(seeds_copy: Path, tmp_path: Path) -> None:
    without_alignments(seeds_copy)
    (seeds_copy / "annotations" / "alignments.jsonl").write_text("")
    out = build(seeds_copy, tmp_path / "ds")
    rows = table(out, "sentence_pairs")
    assert len(rows) == 8683 and {r["label"] for r in rows} == {"unrelated"}
    assert "| **cross-document segment pairs** | 8683 |" in (out / "README.md").read_text(encoding="utf-8")


def test_validate_finds_a_changed_sentence_pair_label(fixture_build: Path, tmp_path: Path) -> None:
    copy = tmp_path / "ds"
    shutil.copytree(fixture_build, copy)
    path = copy / data_file("sentence_pairs")
    data = pq.read_table(path)
    labels = data["label"].to_pylist()
    assert labels[7] != "equivalent"
    labels[7] = "equivalent"  # Parquet holds label names (format 2)
    import pyarrow as pa

    data = data.set_column(data.schema.get_field_index("label"), data.schema.field("label"), pa.array(labels, pa.string()))
    pq.write_table(data, path)
    with pytest.raises(DatasetError) as err:
        validate(copy)
    lines = [str(p) for p in err.value.problems]
    assert any("sentence_pairs" in line and "row 7" in line and f"doc_id={D0}" in line and "field 'label'" in line for line in lines), lines


# --------------------------------------------------------------------------- bad inputs


def _edit_links(seeds: Path, change) -> None:
    edit_jsonl(seeds / "annotations" / "alignments.jsonl", change)


def _unknown_doc(records: list[dict]) -> None:
    records[2]["doc_b"] = "009_unknown"


def _index_out_of_range(records: list[dict]) -> None:
    records[2]["index_b"] = 25


def _same_document(records: list[dict]) -> None:
    records[2]["doc_b"] = records[2]["doc_a"]


def _wrong_order(records: list[dict]) -> None:
    r = records[2]
    r["doc_a"], r["doc_b"], r["index_a"], r["index_b"], r["text_a"], r["text_b"] = (
        r["doc_b"], r["doc_a"], r["index_b"], r["index_a"], r["text_b"], r["text_a"],
    )


def _duplicate(records: list[dict]) -> None:
    records.append(dict(records[2], relation="partial"))


def _bad_relation(records: list[dict]) -> None:
    records[2]["relation"] = "unrelated"


def _shifted_index(records: list[dict]) -> None:
    records[2]["index_a"] += 1  # text_a still holds the text of the segment before


def _missing_text(records: list[dict]) -> None:
    del records[2]["text_b"]


def _extra_field(records: list[dict]) -> None:
    records[2]["note"] = "notes belong in the agreement files only"


LINK_CASES = {
    # name: (change, fragments of one problem line); the fixture's line 3 is (000, 4) - (001, 3).
    "unknown document": (_unknown_doc, ["alignments.jsonl:3", "doc_id=009_unknown", "field 'doc_b'", "unknown doc_b"]),
    "index out of range": (_index_out_of_range, ["alignments.jsonl:3", f"doc_id={D1}", "field 'index_b'", "has 25 segments (0..24)"]),
    "same document": (_same_document, ["alignments.jsonl:3", f"doc_id={D0}", "field 'doc_b'", "two different documents"]),
    "doc_a after doc_b": (_wrong_order, ["alignments.jsonl:3", f"doc_id={D1}", "field 'doc_a'", "sorts after doc_b"]),
    "duplicate link": (_duplicate, ["alignments.jsonl:8", f"doc_id={D0}", "field 'index_b'", "duplicate link", "first given at line 3"]),
    "relation not in the set": (_bad_relation, ["alignments.jsonl:3", f"doc_id={D0}", "field 'relation'", "'equivalent' or 'partial'"]),
    "text does not match (shifted index)": (_shifted_index, ["alignments.jsonl:3", f"doc_id={D0}", "field 'text_a'", "does not equal segment 5"]),
    "missing text": (_missing_text, ["alignments.jsonl:3", f"doc_id={D0}", "field 'text_b'", "Field required"]),
    "unknown field": (_extra_field, ["alignments.jsonl:3", f"doc_id={D0}", "field 'note'", "Extra inputs"]),
}


@pytest.mark.parametrize("case", list(LINK_CASES))
def test_bad_link_is_located_and_writes_nothing(case: str, seeds_copy: Path, tmp_path: Path) -> None:
    change, fragments = LINK_CASES[case]
    with_fixture(seeds_copy)
    _edit_links(seeds_copy, change)
    assert_build_fails_located(seeds_copy, tmp_path / "out", fragments)


def test_bad_agreement_link_is_located(seeds_copy: Path, tmp_path: Path) -> None:
    with_fixture(seeds_copy)
    edit_jsonl(seeds_copy / "annotations" / "alignment_agreement" / "annotator_b.jsonl", lambda r: r[1].update(index_a=99))
    assert_build_fails_located(
        seeds_copy, tmp_path / "out", ["annotator_b.jsonl:2", f"doc_id={D0}", "field 'index_a'", "out of range"]
    )


def test_agreement_text_is_optional_but_checked(seeds_copy: Path, tmp_path: Path) -> None:
    with_fixture(seeds_copy)
    # annotator_b gives texts; a wrong one is caught like in the gold file.
    edit_jsonl(seeds_copy / "annotations" / "alignment_agreement" / "annotator_b.jsonl", lambda r: r[0].update(text_b="Something else."))
    assert_build_fails_located(seeds_copy, tmp_path / "out", ["annotator_b.jsonl:1", f"doc_id={D1}", "field 'text_b'", "does not equal"])


def test_alignment_record_model_is_strict() -> None:
    record = links_of(LINKS)[0]
    assert Alignment.model_validate(record).relation == "partial"
    with pytest.raises(ValueError):
        Alignment.model_validate({**record, "index_a": "1"})
    with pytest.raises(ValueError):
        Alignment.model_validate({**record, "index_a": -1})
