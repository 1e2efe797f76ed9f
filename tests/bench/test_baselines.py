"""Tests of the baselines: well-formed complete predictions, determinism, trivial outcomes, the MinHash finding,
the report with and without intervals, and the pinned results table."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ceasefire_news import load
from ceasefire_news.bench import baselines as B
from ceasefire_news.bench.baselines import coreference as C
from ceasefire_news.bench.baselines import report as R
from ceasefire_news.bench.baselines.run import dataset_stats, load_tables, run_all
from ceasefire_news.bench.predictions import read_predictions
from ceasefire_news.dataset.manifest import MANIFEST_FILE, Manifest
from ceasefire_news.schema.models import ENTITY_LABELS

CORE = [b.name for b in B.BASELINES if b.extra is None]
EMBEDDING = [b.name for b in B.BASELINES if b.extra == B.EMBEDDINGS_EXTRA]
PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tables(built: Path) -> dict[str, list[dict]]:
    """The tables the baselines read, from the built seeds, as lists of rows."""
    return {name: list(load(name, built)) for name in ("documents", "sentences", "entities")}


@pytest.fixture(scope="module")
def texts(tables: dict[str, list[dict]]) -> dict[str, str]:
    return B.doc_texts(tables["documents"])


@pytest.fixture(scope="module")
def all_tables(built: Path) -> dict[str, list[dict]]:
    """Every table the runner reads."""
    return load_tables(built)


@pytest.fixture(scope="module")
def core_run(all_tables, built: Path, tmp_path_factory: pytest.TempPathFactory) -> R.Run:
    """One run of every baseline that needs no optional extra, predicted, written and scored."""
    core = tuple(b for b in B.BASELINES if b.extra is None)
    return run_all(all_tables, tmp_path_factory.mktemp("core"), built, core)


@pytest.fixture(scope="module")
def extra_run(all_tables, built: Path, tmp_path_factory: pytest.TempPathFactory) -> R.Run:
    """One run of the baselines that need an optional extra (those not installed are skipped)."""
    extra = tuple(b for b in B.BASELINES if b.extra is not None)
    return run_all(all_tables, tmp_path_factory.mktemp("extra"), built, extra)


@pytest.fixture(scope="module")
def core_predictions(core_run: R.Run) -> dict[str, B.Predictions]:
    """Predictions of every baseline that needs no optional extra."""
    return core_run.predictions


@pytest.fixture(scope="module")
def duplicate_groups(built: Path) -> list[dict]:
    """The gold duplicate_groups table; a build without it fails the test (it is never skipped)."""
    manifest = Manifest.model_validate_json((built / MANIFEST_FILE).read_bytes())
    assert "duplicate_groups" in manifest.tables, "the built dataset has no duplicate_groups table"
    return list(load("duplicate_groups", built))


def check_well_formed(predictions: B.Predictions, tasks: tuple[str, ...], tables: dict[str, list[dict]]) -> None:
    """Every task present, accepted by the evaluator's reader where it knows the task, in a canonical order."""
    texts = B.doc_texts(tables["documents"])
    assert tuple(predictions) == tasks
    ids = sorted(texts)
    known = B.scorable_tasks()
    for task, records in predictions.items():
        if task in known:
            read_predictions(task, records, texts)  # raises DatasetError on any malformed or missing record
        if task in B.GROUP_TASKS:
            assert [r["doc_id"] for r in records] == ids
            assert all(set(r) == {"doc_id", "group"} and r["group"] in ids for r in records)
        elif task in B.PAIR_TASKS:
            assert [(r["doc_a"], r["doc_b"]) for r in records] == B.doc_pairs(ids)
            assert all(isinstance(r["score"], float) for r in records)
        elif task == B.ALIGNMENT_TASK:
            segments = [(r["doc_id"], r["index"]) for r in tables["sentences"]]
            assert [(r["doc_a"], r["index_a"], r["doc_b"], r["index_b"]) for r in records] == B.cross_pairs(segments)
            assert all(set(r) == {"doc_a", "index_a", "doc_b", "index_b", "score"} for r in records)
            assert all(isinstance(r["score"], float) for r in records)
        elif task == B.COREFERENCE_TASK:
            gold = [(m["doc_id"], m["start"], m["end"]) for m in B.coreference_mentions(tables["entities"])]
            assert [(r["doc_id"], r["start"], r["end"]) for r in records] == gold
            assert all(isinstance(r["cluster"], str) and r["cluster"] for r in records)
        else:
            keys = [(r["doc_id"], r["start"], r["end"]) for r in records]
            assert keys == sorted(keys)
            for (doc_id, start, end), (next_doc, next_start, _) in zip(keys, keys[1:] + [(None, None, None)]):
                text = texts[doc_id]
                assert 0 <= start < end <= len(text)
                assert text[start:end] == text[start:end].strip(), "span starts or ends with whitespace"
                if next_start is not None and next_doc == doc_id:
                    assert end <= next_start, "overlapping spans"
            if task == "ner":
                assert all(r["label"] in ENTITY_LABELS for r in records)


# --------------------------------------------------------------------------- well-formed predictions


@pytest.mark.parametrize("name", CORE)
def test_baseline_predictions_are_complete_and_well_formed(
    name: str, core_predictions: dict[str, B.Predictions], tables: dict[str, list[dict]]
) -> None:
    check_well_formed(core_predictions[name], B.BASELINES_BY_NAME[name].tasks, tables)


@pytest.mark.parametrize("name", CORE)
def test_baseline_is_deterministic(name: str, tables: dict[str, list[dict]], core_predictions) -> None:
    again = B.run_baseline(name, tables)
    assert json.dumps(again) == json.dumps(core_predictions[name])


def test_document_methods_share_one_clustering_and_one_pair_ranking(core_predictions) -> None:
    for name, preds in core_predictions.items():
        if "near_duplicate" in preds:
            assert preds["near_duplicate"] == preds["event"] == preds["topic"], name
        if "near_duplicate_pairs" in preds:
            assert preds["near_duplicate_pairs"] == preds["event_pairs"] == preds["topic_pairs"], name


def test_every_task_has_a_trivial_row() -> None:
    trivial = {t for b in B.BASELINES if b.trivial for t in b.tasks}
    assert set(B.GROUP_TASKS + B.PAIR_TASKS + (B.ALIGNMENT_TASK, B.COREFERENCE_TASK)) <= trivial


def test_run_baseline_names_missing_tables(tables) -> None:
    with pytest.raises(ValueError, match="exact_string needs the tables entities"):
        B.run_baseline("exact_string", {"documents": tables["documents"]})


def test_segments_map_back_to_the_text(core_predictions, texts: dict[str, str]) -> None:
    for name in ("pysbd", "lines"):
        for r in core_predictions[name]["segmentation"]:
            segment = texts[r["doc_id"]][r["start"] : r["end"]]
            assert segment.strip() == segment and not segment.startswith("- "), (name, r)


def test_core_package_imports_no_torch_or_spacy() -> None:
    code = (
        "import sys; from ceasefire_news.bench import baselines as B; "
        "B.run_baseline('exact_hash', {'documents': [{'doc_id': 'a', 'text': 'x'}, {'doc_id': 'b', 'text': 'y'}]}); "
        "bad = [m for m in ('torch', 'sentence_transformers', 'spacy') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------- trivial outcomes


def test_trivial_outcome_of_each_document_clustering(core_predictions) -> None:
    equals = {name: R.trivial_outcome(p["near_duplicate"], "near_duplicate") for name, p in core_predictions.items() if "near_duplicate" in p}
    assert equals == {
        "all_in_one": "all-in-one",
        "singletons": "singletons",
        "constant_score": "all-in-one",  # a constant score at the 0.5 cut links every pair
        "random_score": "all-in-one",
        "exact_hash": "singletons",
        "minhash_lsh_0.5": "singletons",
        "minhash_lsh_0.7": "singletons",
        "unigram_jaccard": "singletons",
        "tfidf_cosine": "all-in-one",
    }


def test_trivial_outcome_of_coreference(core_predictions, tables) -> None:
    labels = {(e["doc_id"], e["start"], e["end"]): str(e["label"]) for e in tables["entities"]}
    equals = {
        name: R.trivial_outcome(p[B.COREFERENCE_TASK], B.COREFERENCE_TASK, labels)
        for name, p in core_predictions.items()
        if B.COREFERENCE_TASK in p
    }
    assert equals == {
        "all_in_one": "all-in-one",
        "singletons": "singletons",
        "all_in_one_per_type": "one per type",
        "exact_string": "–",
        "gazetteer": "–",
    }


def test_trivial_outcome_on_small_partitions() -> None:
    one = [{"doc_id": d, "group": "g"} for d in "abc"]
    assert R.trivial_outcome(one, "event") == "all-in-one"
    assert R.trivial_outcome([{"doc_id": "a", "group": 1}], "event") == "all-in-one = singletons"
    # groups compare as JSON values: 1 and "1" are different clusters
    assert R.trivial_outcome([{"doc_id": "a", "group": 1}, {"doc_id": "b", "group": "1"}], "event") == "singletons"
    assert R.trivial_outcome([{"doc_id": "a", "group": 1}, {"doc_id": "b", "group": 1}, {"doc_id": "c", "group": 2}], "event") == "–"


# --------------------------------------------------------------------------- coreference baselines


def test_coreference_mentions_are_the_gold_mentions_with_a_referent(tables) -> None:
    mentions = C.coreference_mentions(tables["entities"])
    assert len(mentions) == sum(1 for e in tables["entities"] if e["entity_id"])
    assert 0 < len(mentions) < len(tables["entities"])  # dates and numbers have no entity_id


def test_exact_string_and_gazetteer_coreference(core_predictions, tables) -> None:
    text = {(m["doc_id"], m["start"], m["end"]): m["text"] for m in tables["entities"]}
    exact = {r["cluster"] for r in core_predictions["exact_string"][B.COREFERENCE_TASK] if text[(r["doc_id"], r["start"], r["end"])] in ("Trump", "Donald Trump")}
    gaz = {r["cluster"] for r in core_predictions["gazetteer"][B.COREFERENCE_TASK] if text[(r["doc_id"], r["start"], r["end"])] in ("Trump", "Donald Trump")}
    assert exact == {"text:Trump", "text:Donald Trump"}
    assert gaz == {"kb:Q22686"}  # the gazetteer links both surfaces to one Wikidata item


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


def test_findings_report_zero_of_three_and_leave_trivial_rows_out(core_predictions, duplicate_groups: list[dict]) -> None:
    text = B.findings({}, core_predictions, duplicate_groups)
    assert "detects 0 of 3 at threshold 0.5 and 0 of 3 at threshold 0.7" in text
    assert "exact_hash 0/3, unigram_jaccard 0/3, tfidf_cosine 3/3" in text
    assert "constant_score" not in text and "singletons 0/3" not in text


# --------------------------------------------------------------------------- intervals in the report


def test_format_cell_with_and_without_interval() -> None:
    assert B.format_cell({"f1": 0.8123, "f1_ci_low": 0.7012, "f1_ci_high": 0.9049, "n": 150}, "f1") == "0.812 [0.70, 0.90]"
    assert B.format_cell({"f1": 0.8123}, "f1") == "0.812"
    assert B.format_cell({"f1": 0.8123, "f1_ci_low": 0.7}, "f1") == "0.812"  # half an interval is no interval
    assert B.format_cell({}, "f1") == "–" and B.format_cell(None, "f1") == "–"


def _run(results: dict) -> R.Run:
    return R.Run(results=results, predictions={}, duplicate_groups=[])


def test_results_table_shows_intervals_and_support_when_the_evaluator_gives_them() -> None:
    ner = {"f1": 0.85, "f1_ci_low": 0.8012, "f1_ci_high": 0.8987, "n": 150}
    seg = {"f1": 0.86, "f1_ci_low": 0.8, "f1_ci_high": 0.9, "boundary_f1": 0.943, "boundary_f1_ci_low": 0.9, "boundary_f1_ci_high": 0.97, "n": 150}
    table = B.results_table(_run({"gazetteer": {"ner": ner}, "pysbd": {"segmentation": seg}}))
    assert "| gazetteer | 0.850 [0.80, 0.90] | – | – | – |" in table
    assert "| pysbd | – | – | 0.860 [0.80, 0.90] | 0.943 [0.90, 0.97] |" in table
    assert "Support n: ner 150, segmentation 150." in table
    assert "Intervals: 95% bootstrap intervals" in table and "point values only" not in table


def test_results_table_says_when_there_are_no_intervals() -> None:
    table = B.results_table(_run({"lines": {"segmentation": {"f1": 0.30912, "boundary_f1": 2 / 3}}}))
    assert "| lines | – | – | 0.309 | 0.667 |" in table
    assert "reports none (segmentation): point values only" in table


def test_results_table_marks_trivial_and_oracle_rows_and_the_degenerate_level() -> None:
    results = {
        "singletons": {"topic": {"pairwise_f1": 0.0, "bcubed_f1": 0.333}},
        "entity_jaccard_gold": {B.ALIGNMENT_TASK: {"average_precision_equivalent": 0.5}},
    }
    table = B.results_table(_run(results))
    assert "| singletons (trivial) | – |" in table
    assert "| entity_jaccard_gold (oracle input) |" in table
    assert "topic† pair F1" in table and "† Degenerate gold" in table


# --------------------------------------------------------------------------- pinned results


def test_results_table_pinned(core_run: R.Run, file_regression) -> None:
    assert core_run.skipped == {} and set(core_run.results) == set(CORE)
    file_regression.check(B.results_table(core_run), extension=".md")


def test_dataset_stats(tables) -> None:
    stats = dataset_stats(tables)
    assert stats["documents"] == 5 and stats["segments"] == 150
    assert stats["coreference_mentions"] == len(B.coreference_mentions(tables["entities"]))


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


def test_gazetteer_data_file() -> None:
    entries = B.read_gazetteer()
    assert len(entries) == 192
    assert ("Donald Trump", "PERSON", "Q22686") in entries and ("Kremlin", "ORG", None) in entries
    assert all(label in ENTITY_LABELS for _, label, _ in entries)
    assert not any(s in ("May", "one") for s, _, _ in entries)


def test_gazetteer_longest_match_on_word_boundaries() -> None:
    text = "Vladimir Putin met Donald\nTrump; Putinism. U.S.-Russia talks on Sunday, Trump’s envoy."
    found = [(text[s:e], label, kb) for s, e, label, kb in B.default_gazetteer().find(text)]
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


# --------------------------------------------------------------------------- embeddings (optional extra)


def test_embedding_baselines(tables: dict[str, list[dict]], extra_run: R.Run) -> None:
    pytest.importorskip("sentence_transformers")
    import os

    assert os.environ.get("HF_HUB_OFFLINE") == "1"  # set by conftest: the model must load from local files
    model = B.load_embedding_model()
    assert model.encode(["a sentence"]).shape == (1, 384)
    two_docs = sorted(B.doc_texts(tables["documents"]))[:2]
    small = {name: [r for r in rows if r["doc_id"] in two_docs] for name, rows in tables.items()}
    for name in EMBEDDING:
        preds = extra_run.predictions[name]
        check_well_formed(preds, B.BASELINES_BY_NAME[name].tasks, tables)
        assert all(-1.0 <= r["score"] <= 1.0 for r in preds["near_duplicate_pairs"])
        # determinism, on two documents to keep the test fast
        assert json.dumps(B.run_baseline(name, small)) == json.dumps(B.run_baseline(name, small))


# --------------------------------------------------------------------------- the committed report


def test_committed_report_is_fresh(core_run: R.Run, extra_run: R.Run) -> None:
    pytest.importorskip("sentence_transformers")  # CI installs the embeddings and spacy extras, so this runs there
    pytest.importorskip("spacy")
    assert extra_run.skipped == {}, extra_run.skipped
    run = R.Run(
        results={**core_run.results, **extra_run.results},
        predictions={**core_run.predictions, **extra_run.predictions},
        duplicate_groups=core_run.duplicate_groups,
        entities=core_run.entities,
        stats=core_run.stats,
        unscored=tuple(sorted(set(core_run.unscored) | set(extra_run.unscored))),
        model_checks=extra_run.model_checks,
    )
    report = B.render_report(run)
    assert report == (PROJECT / "docs" / "baselines.md").read_text(encoding="utf-8"), "run scripts/run_baselines.py"


def test_readme_shows_the_committed_report() -> None:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    report = (PROJECT / "docs" / "baselines.md").read_text(encoding="utf-8")
    assert B.embed_in_readme(readme, report) == readme, "run scripts/run_baselines.py"
    assert "detects 0 of 3 at threshold 0.5 and 0 of 3 at threshold 0.7" in readme
    assert "What these numbers can and cannot show" in readme
