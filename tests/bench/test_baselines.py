"""Tests of the baselines: well-formed complete predictions, determinism, the MinHash finding, the pinned results table."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ceasefire_news.bench import baselines as B
from ceasefire_news import load
from ceasefire_news.dataset.manifest import MANIFEST_FILE, Manifest
from ceasefire_news.schema.models import ENTITY_LABELS
from ceasefire_news.bench.predictions import read_predictions

CORE = [b.name for b in B.BASELINES if b.extra is None]
EMBEDDING = [b.name for b in B.BASELINES if b.extra == B.EMBEDDINGS_EXTRA]


@pytest.fixture(scope="module")
def tables(built: Path) -> dict[str, list[dict]]:
    """The documents and sentences tables of the built seeds, as lists of rows."""
    return {name: list(load(name, built)) for name in ("documents", "sentences")}


@pytest.fixture(scope="module")
def texts(tables: dict[str, list[dict]]) -> dict[str, str]:
    return B.doc_texts(tables["documents"])


@pytest.fixture(scope="module")
def core_predictions(tables: dict[str, list[dict]]) -> dict[str, B.Predictions]:
    """Predictions of every baseline that needs no optional extra."""
    return {name: B.run_baseline(name, tables["documents"], tables["sentences"]) for name in CORE}


@pytest.fixture(scope="module")
def duplicate_groups(built: Path) -> list[dict]:
    """The gold duplicate_groups table; a build without it fails the test (it is never skipped)."""
    manifest = Manifest.model_validate_json((built / MANIFEST_FILE).read_bytes())
    assert "duplicate_groups" in manifest.tables, "the built dataset has no duplicate_groups table"
    return list(load("duplicate_groups", built))


def check_well_formed(predictions: B.Predictions, tasks: tuple[str, ...], texts: dict[str, str]) -> None:
    """Every task present, accepted by the evaluator's reader against the gold documents, in a canonical order."""
    assert tuple(predictions) == tasks
    ids = sorted(texts)
    for task, records in predictions.items():
        read_predictions(task, records, texts)  # raises DatasetError on any malformed or missing record
        if task in B.GROUP_TASKS:
            assert [r["doc_id"] for r in records] == ids
            assert all(set(r) == {"doc_id", "group"} and r["group"] in ids for r in records)
        elif task in B.PAIR_TASKS:
            assert [(r["doc_a"], r["doc_b"]) for r in records] == B.doc_pairs(ids)
            assert all(isinstance(r["score"], float) for r in records)
        else:
            keys = [(r["doc_id"], r["start"], r["end"]) for r in records]
            assert keys == sorted(keys)
            for (doc_id, start, end), (_, next_start, _) in zip(keys, keys[1:] + [(None, None, None)]):
                text = texts[doc_id]
                assert 0 <= start < end <= len(text)
                assert text[start:end] == text[start:end].strip(), "span starts or ends with whitespace"
                if next_start is not None and _ == doc_id:
                    assert end <= next_start, "overlapping spans"
            if task == "ner":
                assert all(r["label"] in ENTITY_LABELS for r in records)


# --------------------------------------------------------------------------- well-formed predictions


@pytest.mark.parametrize("name", CORE)
def test_baseline_predictions_are_complete_and_well_formed(
    name: str, core_predictions: dict[str, B.Predictions], texts: dict[str, str]
) -> None:
    check_well_formed(core_predictions[name], B.BASELINES_BY_NAME[name].tasks, texts)


@pytest.mark.parametrize("name", CORE)
def test_baseline_is_deterministic(name: str, tables: dict[str, list[dict]], core_predictions) -> None:
    again = B.run_baseline(name, tables["documents"], tables["sentences"])
    assert json.dumps(again) == json.dumps(core_predictions[name])


def test_document_methods_share_one_clustering_and_one_pair_ranking(core_predictions) -> None:
    for name, preds in core_predictions.items():
        if "near_duplicate" in preds:
            assert preds["near_duplicate"] == preds["event"] == preds["topic"], name
            assert preds["near_duplicate_pairs"] == preds["event_pairs"] == preds["topic_pairs"], name


def test_segments_map_back_to_the_text(core_predictions, texts: dict[str, str]) -> None:
    for name in ("pysbd", "lines"):
        for r in core_predictions[name]["segmentation"]:
            segment = texts[r["doc_id"]][r["start"] : r["end"]]
            assert segment.strip() == segment and not segment.startswith("- "), (name, r)


def test_core_package_does_not_import_torch() -> None:
    code = (
        "import sys; from ceasefire_news.bench import baselines as B; "
        "B.exact_hash([{'doc_id': 'a', 'text': 'x'}, {'doc_id': 'b', 'text': 'y'}]); "
        "bad = [m for m in ('torch', 'sentence_transformers') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------- the MinHash finding


def test_gold_has_three_rewrite_pairs(duplicate_groups: list[dict]) -> None:
    assert len(B.gold_pairs(duplicate_groups, "near_duplicate")) == 3


@pytest.mark.parametrize("threshold", B.MINHASH_THRESHOLDS)
def test_minhash_lsh_finds_none_of_the_gold_rewrite_pairs(
    threshold: float, tables: dict[str, list[dict]], core_predictions, duplicate_groups: list[dict]
) -> None:
    gold = set(B.gold_pairs(duplicate_groups, "near_duplicate"))
    assert gold, "no gold near-duplicate pairs: the test would be vacuous"
    assert set(B.minhash_lsh_candidates(tables["documents"], threshold)) & gold == set()
    clusters = core_predictions[f"minhash_lsh_{threshold}"]["near_duplicate"]
    assert set(B.predicted_pairs(clusters)) & gold == set()


def test_findings_report_zero_of_three(core_predictions, duplicate_groups: list[dict]) -> None:
    text = B.findings({}, core_predictions, duplicate_groups)
    assert "detects 0 of 3 at threshold 0.5 and 0 of 3 at threshold 0.7" in text


# --------------------------------------------------------------------------- pinned results


def test_results_table_pinned(
    built: Path, core_predictions: dict[str, B.Predictions], tmp_path: Path, file_regression
) -> None:
    results = {
        name: B.score_predictions(B.write_predictions(preds, tmp_path / name), built)
        for name, preds in core_predictions.items()
    }
    file_regression.check(B.results_table(results), extension=".md")


# --------------------------------------------------------------------------- building blocks


def test_normalize_text() -> None:
    assert B.normalize_text("  Trump’s “Deal”,\n  U.S.-Russia  ") == "trumps deal usrussia"
    assert B.word_ngrams("A b, c d e f", 5) == {"a b c d e", "b c d e f"}
    assert B.word_ngrams("too short", 5) == {"too short"}


def test_connected_groups_are_named_by_their_smallest_member() -> None:
    groups = B.connected_groups(["d", "a", "c", "b"], [("c", "d"), ("b", "d")])
    assert groups == {"a": "a", "b": "b", "c": "b", "d": "b"}


def test_thresholded_uses_score_at_least_threshold() -> None:
    preds = B.thresholded(["a", "b", "c"], {("a", "b"): 0.5, ("a", "c"): 0.49, ("b", "c"): 0.1}, 0.5)
    assert [r["group"] for r in preds["topic"]] == ["a", "a", "c"]


def test_gazetteer_longest_match_on_word_boundaries() -> None:
    text = "Vladimir Putin met Donald\nTrump; Putinism. U.S.-Russia talks on Sunday, Trump’s envoy."
    found = [(text[s:e], label, kb) for s, e, label, kb in B.Gazetteer(B.GAZETTEER).find(text)]
    assert found == [
        ("Vladimir Putin", "PERSON", "Q7747"),
        ("Donald\nTrump", "PERSON", "Q22686"),
        ("U.S.", "GPE", "Q30"),
        ("Russia", "GPE", "Q159"),
        ("Sunday", "DATE", None),
        ("Trump", "PERSON", "Q22686"),
    ]


def test_gazetteer_rejects_a_surface_listed_twice() -> None:
    with pytest.raises(ValueError, match="listed twice"):
        B.Gazetteer((("Kyiv", "GPE", "Q1899"), ("Kyiv", "GPE", None)))


def test_align_pieces_skips_whitespace_and_rejects_mismatches() -> None:
    text = "One  two.\n- Three four."
    spans = B.align_pieces(text, ["One two.", "- Three four."])
    assert [B.trim_span(text, s, e) for s, e in spans] == [(0, 9), (12, 23)]
    with pytest.raises(ValueError, match="does not match"):
        B.align_pieces(text, ["One three."])


def test_line_segments_strip_list_markers() -> None:
    preds = B.line_segments([{"doc_id": "d", "text": "Title\n\n- Item one.\n  Body.  "}])
    assert [(r["start"], r["end"]) for r in preds["segmentation"]] == [(0, 5), (9, 18), (21, 26)]


def test_results_table_format() -> None:
    results = {
        "lines": {"segmentation": {"f1": 0.30912, "boundary_f1": 2 / 3}},
        "exact_hash": {"near_duplicate": {"pairwise_f1": 0.0, "bcubed_f1": 0.75}},
    }
    table = B.results_table(results)
    assert "| exact_hash | 0.000 | 0.750 | – | – | – | – | – | – | – |" in table
    assert "| lines | – | – | 0.309 | 0.667 |" in table
    assert table.index("Document tasks") < table.index("Span tasks")


# --------------------------------------------------------------------------- embeddings (optional extra)


def test_embedding_baselines(tables: dict[str, list[dict]], texts: dict[str, str]) -> None:
    pytest.importorskip("sentence_transformers")
    import os

    assert os.environ.get("HF_HUB_OFFLINE") == "1"  # set by conftest: the model must load from local files
    model = B.load_embedding_model()
    assert model.encode(["a sentence"]).shape == (1, 384)
    for name in EMBEDDING:
        preds = B.run_baseline(name, tables["documents"], tables["sentences"])
        check_well_formed(preds, B.BASELINES_BY_NAME[name].tasks, texts)
        assert all(-1.0 <= r["score"] <= 1.0 for r in preds["near_duplicate_pairs"])
        again = B.run_baseline(name, tables["documents"], tables["sentences"])
        assert json.dumps(again) == json.dumps(preds)


PROJECT = Path(__file__).resolve().parents[2]


def test_committed_report_is_fresh(built: Path, tables: dict[str, list[dict]], core_predictions, duplicate_groups: list[dict], tmp_path: Path) -> None:
    pytest.importorskip("sentence_transformers")  # CI installs the embeddings extra, so this runs there
    results, predictions = {}, {}
    for method in B.BASELINES:
        preds = core_predictions.get(method.name) or B.run_baseline(method, tables["documents"], tables["sentences"])
        predictions[method.name] = preds
        results[method.name] = B.score_predictions(B.write_predictions(preds, tmp_path / method.name), built)
    report = B.render_report(results, predictions, duplicate_groups)
    assert report == (PROJECT / "docs" / "baselines.md").read_text(encoding="utf-8"), "run scripts/run_baselines.py"


def test_readme_shows_the_committed_report() -> None:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    report = (PROJECT / "docs" / "baselines.md").read_text(encoding="utf-8")
    assert B.embed_in_readme(readme, report) == readme, "run scripts/run_baselines.py"
    assert "detects 0 of 3 at threshold 0.5 and 0 of 3 at threshold 0.7" in readme
