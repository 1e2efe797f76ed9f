"""Tests of the evaluator: prediction formats with located errors, every metric on hand-computed cases, end to end."""

from __future__ import annotations

import json
import math
from itertools import combinations
from pathlib import Path

import pytest
from pydantic import BaseModel

from ceasefire_news import load
from ceasefire_news.errors import DatasetError
from ceasefire_news.bench.evaluate import (
    TASKS,
    boundaries,
    clustering_scores,
    evaluate,
    exact_match_prf,
    format_table,
    gold_pair_labels,
    linking_scores,
    ner_scores,
    pair_scores,
    segmentation_scores,
)
from ceasefire_news.dataset.manifest import MANIFEST_FILE, Manifest
from ceasefire_news.bench.predictions import PREDICTION_MODELS, read_predictions

approx = pytest.approx


def write_jsonl(path: Path, lines: list[str | dict]) -> Path:
    """Write lines (raw strings kept as they are, dicts as JSON) to a .jsonl file."""
    path.write_text(
        "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines), encoding="utf-8"
    )
    return path


def only(metrics: dict, *keys: str) -> dict:
    """The named entries of an evaluate() result."""
    return {k: metrics[k] for k in keys}


def scores_of(metrics: dict) -> dict:
    """The metrics that carry an interval (every score), without intervals and bookkeeping."""
    return {k: v for k, v in metrics.items() if f"{k}_ci_low" in metrics}


def problems(err: pytest.ExceptionInfo[DatasetError]) -> list[str]:
    """The problems of a DatasetError as strings."""
    return [str(p) for p in err.value.problems]


# --------------------------------------------------------------------------- clustering

# Gold: {a, b, c} and {d, e}.  Prediction: {a, b}, {c, d}, {e}.
GOLD = {"a": "g1", "b": "g1", "c": "g1", "d": "g2", "e": "g2"}
PRED = {"a": "x", "b": "x", "c": "y", "d": "y", "e": "z"}


def test_clustering_mixed_case_by_hand() -> None:
    scores = clustering_scores(GOLD, PRED)
    # Pairs: gold {ab, ac, bc, de} = 4; predicted {ab, cd} = 2; shared {ab} = 1.
    # P = 1/2, R = 1/4, F1 = 2 * 1/2 * 1/4 / (3/4) = 1/3.
    assert scores["pairwise_precision"] == approx(1 / 2)
    assert scores["pairwise_recall"] == approx(1 / 4)
    assert scores["pairwise_f1"] == approx(1 / 3)
    # B-cubed precision per doc |G∩P|/|P|: a 2/2, b 2/2, c 1/2, d 1/2, e 1/1 -> 4/5.
    # B-cubed recall per doc |G∩P|/|G|:   a 2/3, b 2/3, c 1/3, d 1/2, e 1/2 -> (8/3)/5 = 8/15.
    # F1 = 2 * 4/5 * 8/15 / (4/5 + 8/15) = (64/75) / (20/15) = 16/25 = 0.64.
    assert scores["bcubed_precision"] == approx(4 / 5)
    assert scores["bcubed_recall"] == approx(8 / 15)
    assert scores["bcubed_f1"] == approx(0.64)
    # ARI: sum C(n_ij,2) = C(2,2) = 1; gold sum C(a_i,2) = 3 + 1 = 4; pred sum C(b_j,2) = 1 + 1 = 2;
    # expected = 4 * 2 / C(5,2) = 0.8; max = (4 + 2) / 2 = 3; ARI = (1 - 0.8) / (3 - 0.8) = 1/11.
    assert scores["ari"] == approx(1 / 11)
    # V-measure: H(C) = H(3/5, 2/5); H(C|K) = 2/5 ln 2 (only {c, d} is mixed); h = 1 - H(C|K)/H(C).
    # H(K) = H(2/5, 2/5, 1/5); H(K|C) = 3/5 H(2/3, 1/3) + 2/5 ln 2; c = 1 - H(K|C)/H(K); V = 2hc/(h+c).
    def entropy(*p: float) -> float:
        return -sum(x * math.log(x) for x in p)

    h = 1 - (2 / 5 * math.log(2)) / entropy(3 / 5, 2 / 5)
    c = 1 - (3 / 5 * entropy(2 / 3, 1 / 3) + 2 / 5 * math.log(2)) / entropy(2 / 5, 2 / 5, 1 / 5)
    assert scores["v_measure"] == approx(2 * h * c / (h + c))
    assert scores["v_measure"] == approx(0.4581, abs=1e-4)
    assert list(scores) == [
        "pairwise_precision",
        "pairwise_recall",
        "pairwise_f1",
        "bcubed_precision",
        "bcubed_recall",
        "bcubed_f1",
        "ari",
        "v_measure",
    ]


def test_clustering_perfect_prediction_scores_one_everywhere() -> None:
    # Same partition, different label names (and integer labels).
    scores = clustering_scores(GOLD, {"a": 7, "b": 7, "c": 7, "d": 3, "e": 3})
    assert scores == {k: approx(1.0) for k in scores}
    assert len(scores) == 8


def test_clustering_all_singletons() -> None:
    scores = clustering_scores(GOLD, {d: d for d in GOLD})
    # No predicted pair: pairwise P = 0 by convention, R = 0/4 = 0, F1 = 0.
    assert (scores["pairwise_precision"], scores["pairwise_recall"], scores["pairwise_f1"]) == (0.0, 0.0, 0.0)
    # B-cubed: P = 1 for every doc; R = (3 * 1/3 + 2 * 1/2) / 5 = 2/5; F1 = 2 * 2/5 / (7/5) = 4/7.
    assert scores["bcubed_precision"] == approx(1.0)
    assert scores["bcubed_recall"] == approx(2 / 5)
    assert scores["bcubed_f1"] == approx(4 / 7)
    # ARI: no predicted pair, so index 0 = expected 0 -> 0.
    assert scores["ari"] == approx(0.0)
    # V: homogeneity 1; completeness 1 - H(K|C)/H(K) = 1 - (3/5 ln 3 + 2/5 ln 2) / ln 5.
    c = 1 - (3 / 5 * math.log(3) + 2 / 5 * math.log(2)) / math.log(5)
    assert scores["v_measure"] == approx(2 * c / (1 + c))


def test_clustering_one_big_cluster() -> None:
    scores = clustering_scores(GOLD, {d: "all" for d in GOLD})
    # Predicted pairs C(5,2) = 10, of which the 4 gold pairs: P = 4/10, R = 1, F1 = 0.8 / 1.4 = 4/7.
    assert scores["pairwise_precision"] == approx(0.4)
    assert scores["pairwise_recall"] == approx(1.0)
    assert scores["pairwise_f1"] == approx(4 / 7)
    # B-cubed P: a, b, c 3/5 each, d, e 2/5 each -> (9/5 + 4/5) / 5 = 13/25; R = 1; F1 = 2*13/25 / (38/25) = 13/19.
    assert scores["bcubed_precision"] == approx(13 / 25)
    assert scores["bcubed_recall"] == approx(1.0)
    assert scores["bcubed_f1"] == approx(13 / 19)
    # ARI: index = expected (pred has one cluster) -> 0; V: completeness 1, homogeneity 0 -> 0.
    assert scores["ari"] == approx(0.0)
    assert scores["v_measure"] == approx(0.0)


def test_clustering_gold_without_pairs() -> None:
    gold = {"a": 1, "b": 2, "c": 3}
    # Convention: neither gold nor prediction has a pair -> the prediction is the gold -> 1.0 everywhere.
    assert clustering_scores(gold, {"a": "x", "b": "y", "c": "z"}) == {
        k: approx(1.0) for k in clustering_scores(gold, gold)
    }
    # Predicting pairs where gold has none: P = 0/3 = 0, R = 0/0 -> 0 by convention, F1 = 0.
    lumped = clustering_scores(gold, {"a": 0, "b": 0, "c": 0})
    assert (lumped["pairwise_precision"], lumped["pairwise_recall"], lumped["pairwise_f1"]) == (0.0, 0.0, 0.0)
    # B-cubed P = 1/3 for each doc, R = 1 -> F1 = 2 * 1/3 / (4/3) = 1/2.
    assert lumped["bcubed_f1"] == approx(0.5)


def test_clustering_labels_compared_as_json_values() -> None:
    # 1 and "1" are different clusters, so this is the perfect answer to a two-singleton gold.
    scores = clustering_scores({"a": "p", "b": "q"}, {"a": 1, "b": "1"})
    assert scores["pairwise_f1"] == 1.0
    assert scores["bcubed_precision"] == 1.0


def test_clustering_requires_same_documents() -> None:
    with pytest.raises(ValueError, match=r"missing \['c'\]"):
        clustering_scores({"a": 1, "b": 1, "c": 2}, {"a": 1, "b": 1})


# --------------------------------------------------------------------------- pair scoring


def test_gold_pair_labels() -> None:
    assert gold_pair_labels({"b": 1, "a": 1, "c": 2}) == {("a", "b"): True, ("a", "c"): False, ("b", "c"): False}


def test_pair_scores_by_hand() -> None:
    # Ranked: 0.9 +, 0.8 -, 0.4 +, 0.1 -.  AP = (1/1 + 2/3) / 2 = 5/6.
    # F1 by threshold: 0.9 -> P 1, R 1/2: 2/3; 0.8 -> 1/2, 1/2: 1/2; 0.4 -> 2/3, 1: 4/5; 0.1 -> 1/2, 1: 2/3.
    scores = pair_scores([True, False, True, False], [0.9, 0.8, 0.4, 0.1])
    assert scores == {"average_precision": approx(5 / 6), "best_f1": approx(0.8), "best_threshold": 0.4}


def test_pair_scores_tied_scores_are_one_step() -> None:
    # Scores 0.5 (+), 0.5 (-), 0.2 (+): threshold 0.5 -> P 1/2, R 1/2; 0.2 -> P 2/3, R 1.
    # AP (no interpolation) = 1/2 * 1/2 + (1 - 1/2) * 2/3 = 7/12; best F1 = 2 * 2/3 / (5/3) = 4/5 at 0.2.
    scores = pair_scores([True, False, True], [0.5, 0.5, 0.2])
    assert scores == {"average_precision": approx(7 / 12), "best_f1": approx(0.8), "best_threshold": 0.2}


def test_pair_scores_f1_tie_goes_to_highest_threshold() -> None:
    # + - - + at 0.9 0.8 0.7 0.1: F1 = 2/3 at 0.9 (P 1, R 1/2) and 2/3 at 0.1 (P 1/2, R 1): take 0.9.
    scores = pair_scores([True, False, False, True], [0.9, 0.8, 0.7, 0.1])
    assert scores["best_f1"] == approx(2 / 3)
    assert scores["best_threshold"] == 0.9


def test_pair_scores_perfect_and_all_positive() -> None:
    assert pair_scores([False, True, True], [0.1, 0.7, 0.6]) == {
        "average_precision": approx(1.0),
        "best_f1": approx(1.0),
        "best_threshold": 0.6,
    }
    # All positive: threshold 0.6 -> R 1/2; threshold 0.2 -> P 1, R 1.
    assert pair_scores([True, True], [0.2, 0.6])["best_threshold"] == 0.2


def test_pair_scores_without_positive_pairs() -> None:
    # Convention: AP and best F1 are 0 and the threshold is the highest score.
    assert pair_scores([False, False], [0.3, 0.7]) == {"average_precision": 0.0, "best_f1": 0.0, "best_threshold": 0.7}


def test_pair_scores_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="2 labels but 1 scores"):
        pair_scores([True, False], [0.5])
    with pytest.raises(ValueError, match="empty"):
        pair_scores([], [])


# --------------------------------------------------------------------------- NER

NER_GOLD = [("d1", 0, 5, "PERSON"), ("d1", 10, 15, "GPE"), ("d1", 20, 25, "ORG"), ("d2", 0, 4, "GPE")]


def test_ner_by_hand() -> None:
    pred = [
        ("d1", 0, 5, "PERSON"),  # correct
        ("d1", 10, 15, "LOC"),  # right span, wrong label
        ("d1", 20, 24, "ORG"),  # wrong span
        ("d2", 0, 4, "GPE"),  # correct
        ("d2", 6, 8, "DATE"),  # spurious
    ]
    scores = ner_scores(NER_GOLD, pred)
    # Strict: TP 2 of 5 predicted, 4 gold: P 2/5, R 1/2, F1 = 2 * 0.4 * 0.5 / 0.9 = 4/9.
    assert scores["precision"] == approx(2 / 5)
    assert scores["recall"] == approx(1 / 2)
    assert scores["f1"] == approx(4 / 9)
    # PERSON 1/1 -> 1; GPE: P 1/1, R 1/2 -> 2/3; ORG 0 of 1 -> 0; LOC, DATE predicted only -> 0.
    assert {k: v for k, v in scores.items() if k.startswith("f1_")} == {
        "f1_DATE": 0.0,
        "f1_GPE": approx(2 / 3),
        "f1_LOC": 0.0,
        "f1_ORG": 0.0,
        "f1_PERSON": approx(1.0),
    }
    # Untyped: 3 of 5 predicted spans are gold spans (0-5, 10-15, d2 0-4): P 3/5, R 3/4, F1 = 0.9 / 1.35 = 2/3.
    assert scores["span_f1"] == approx(2 / 3)


def test_ner_perfect_empty_and_both_empty() -> None:
    assert ner_scores(NER_GOLD, list(reversed(NER_GOLD))) == {
        "precision": 1.0,
        "recall": 1.0,
        "f1": 1.0,
        "f1_GPE": 1.0,
        "f1_ORG": 1.0,
        "f1_PERSON": 1.0,
        "span_f1": 1.0,
    }
    empty = ner_scores(NER_GOLD, [])
    assert empty == {k: 0.0 for k in ("precision", "recall", "f1", "f1_GPE", "f1_ORG", "f1_PERSON", "span_f1")}
    assert ner_scores([], []) == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "span_f1": 1.0}


def test_exact_match_prf_conventions() -> None:
    assert exact_match_prf({1, 2, 3, 4}, {3, 4, 5}) == approx((2 / 3, 1 / 2, 4 / 7))  # 2PR/(P+R) = (2/3)/(7/6)
    assert exact_match_prf({1}, set()) == (0.0, 0.0, 0.0)
    assert exact_match_prf(set(), {1}) == (0.0, 0.0, 0.0)
    assert exact_match_prf(set(), set()) == (1.0, 1.0, 1.0)


# --------------------------------------------------------------------------- linking


def test_linking_by_hand() -> None:
    gold = {("d1", 0, 5): "Q1", ("d1", 10, 15): "Q2", ("d1", 20, 25): None, ("d2", 0, 4): "Q3"}
    pred = {
        ("d1", 0, 5): "Q1",  # correct
        ("d1", 10, 15): "Q9",  # wrong item
        ("d1", 20, 25): "Q5",  # gold is unlinked: not counted
        ("d2", 0, 3): "Q3",  # not the gold span, so (d2, 0, 4) is missing: wrong
    }
    # 1 correct of 3 linked gold mentions.
    assert linking_scores(gold, pred) == {"accuracy": approx(1 / 3), "num_gold_linked": 3}
    assert linking_scores(gold, {("d1", 0, 5): "Q1", ("d1", 10, 15): None})["accuracy"] == approx(1 / 3)
    assert linking_scores(gold, {k: v for k, v in gold.items()})["accuracy"] == 1.0
    assert linking_scores(gold, {}) == {"accuracy": 0.0, "num_gold_linked": 3}
    # No linked gold mention: accuracy 0 by convention, visible through num_gold_linked = 0.
    assert linking_scores({("d1", 0, 5): None}, {("d1", 0, 5): None}) == {"accuracy": 0.0, "num_gold_linked": 0}


# --------------------------------------------------------------------------- segmentation

SEG_GOLD = [("d1", 0, 10), ("d1", 11, 20), ("d1", 21, 30), ("d2", 0, 8)]


def test_boundaries_skip_the_last_segment_of_each_document() -> None:
    assert boundaries(reversed(SEG_GOLD)) == {("d1", 10), ("d1", 20)}
    assert boundaries([("d2", 0, 8)]) == set()


def test_segmentation_by_hand() -> None:
    pred = [("d1", 0, 20), ("d1", 21, 30), ("d2", 0, 4), ("d2", 5, 8)]  # d1: two merged; d2: split in two
    scores = segmentation_scores(SEG_GOLD, pred)
    # Exact spans: only (d1, 21, 30) matches: P 1/4, R 1/4, F1 1/4.
    # Boundaries: gold {(d1,10), (d1,20)}, predicted {(d1,20), (d2,4)}: P 1/2, R 1/2, F1 1/2.
    assert scores == {"precision": 0.25, "recall": 0.25, "f1": 0.25, "boundary_f1": 0.5}


def test_segmentation_degenerate_cases() -> None:
    assert segmentation_scores(SEG_GOLD, SEG_GOLD) == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "boundary_f1": 1.0}
    assert segmentation_scores(SEG_GOLD, []) == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "boundary_f1": 0.0}
    # One segment per document: spans d2 right (1 of 2 predicted, 1 of 4 gold); no predicted boundary.
    whole = segmentation_scores(SEG_GOLD, [("d1", 0, 30), ("d2", 0, 8)])
    assert whole == {"precision": 0.5, "recall": 0.25, "f1": approx(1 / 3), "boundary_f1": 0.0}
    # Single-segment documents on both sides: no boundaries anywhere -> 1.0 by convention.
    assert segmentation_scores([("d2", 0, 8)], [("d2", 0, 8)])["boundary_f1"] == 1.0


def test_format_table() -> None:
    # Names left-aligned, values right-aligned: scores with 4 decimals, thresholds 6 significant digits, counts as ints.
    table = format_table({"best_f1": 0.8, "best_threshold": 0.123456789, "num_gold_linked": 3})
    assert table.split("\n") == [
        "metric" + " " * 14 + "value",
        "-" * 15 + "  " + "-" * 8,
        "best_f1" + " " * 12 + "0.8000",
        "best_threshold" + " " * 3 + "0.123457",
        "num_gold_linked" + " " * 9 + "3",
    ]


# --------------------------------------------------------------------------- prediction formats

DOCS = {"a": "Alpha text.", "b": "Beta.", "c": "Gamma here."}


def test_prediction_models_cover_every_task_strictly() -> None:
    assert tuple(PREDICTION_MODELS) == TASKS
    for task, model in PREDICTION_MODELS.items():
        assert issubclass(model, BaseModel)
        assert model.model_config.get("extra") == "forbid", task
        assert model.model_config.get("strict") is True, task
        for name, field in model.model_fields.items():
            assert field.description, f"{task}.{name} has no description"


def test_read_clustering_predictions(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [{"doc_id": "b", "group": 1}, {"doc_id": "a", "group": "x"}, {"doc_id": "c", "group": 1}])
    items = read_predictions("event", path, DOCS)
    assert [(i.record.doc_id, i.record.group, i.line) for i in items] == [("b", 1, 1), ("a", "x", 2), ("c", 1, 3)]


def test_malformed_json_line_is_located(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [{"doc_id": "a", "group": 1}, '{"doc_id": "b", "group": 1', {"doc_id": "c", "group": 2}])
    with pytest.raises(DatasetError) as err:
        read_predictions("topic", path, DOCS)
    found = problems(err)
    assert any(p.startswith(f"{path}:2:") and "invalid JSON" in p for p in found), found


def test_missing_field_is_located(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [{"doc_id": "a", "group": 1}, {"doc_id": "b"}, {"doc_id": "c", "group": 2}])
    with pytest.raises(DatasetError) as err:
        read_predictions("topic", path, DOCS)
    assert any(p.startswith(f"{path}:2 doc_id=b field 'group': Field required") for p in problems(err)), problems(err)


def test_wrong_types_and_extra_fields_are_rejected(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "p.jsonl",
        [
            {"doc_id": "a", "group": 1.5},
            {"doc_id": "b", "group": 1, "confidence": 0.3},
            {"doc_id": "c", "group": True},
        ],
    )
    with pytest.raises(DatasetError) as err:
        read_predictions("topic", path, DOCS)
    found = problems(err)
    assert any(p.startswith(f"{path}:1 doc_id=a field 'group") for p in found), found
    assert any(p.startswith(f"{path}:2 doc_id=b field 'confidence': Extra inputs are not permitted") for p in found), found
    assert any(p.startswith(f"{path}:3 doc_id=c field 'group") for p in found), found


def test_unknown_missing_and_duplicate_documents(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "p.jsonl",
        [{"doc_id": "a", "group": 1}, {"doc_id": "zz", "group": 1}, {"doc_id": "a", "group": 2}],
    )
    with pytest.raises(DatasetError) as err:
        read_predictions("near_duplicate", path, DOCS)
    found = problems(err)
    assert f"{path}:2 doc_id=zz field 'doc_id': unknown doc_id 'zz' (no such gold document)" in found
    assert f"{path}:3 doc_id=a field 'doc_id': duplicate doc_id 'a' (first given at line 1)" in found
    missing = [p for p in found if "missing document" in p]
    assert len(missing) == 2 and "'b'" in missing[0] and "'c'" in missing[1], found


def test_empty_and_absent_prediction_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    for task in TASKS:
        with pytest.raises(DatasetError) as err:
            read_predictions(task, empty, DOCS)
        assert problems(err) == [f"{empty}: prediction file is empty (expected at least one JSON record)"]
    with pytest.raises(DatasetError, match="does not exist"):
        read_predictions("ner", tmp_path / "nope.jsonl", DOCS)
    with pytest.raises(DatasetError, match=r"<predictions>: prediction file is empty"):
        read_predictions("ner", [], DOCS)


def test_unknown_task() -> None:
    with pytest.raises(ValueError, match="unknown task 'pos'"):
        read_predictions("pos", [], DOCS)
    with pytest.raises(ValueError, match="unknown task 'pos'"):
        evaluate("pos", [])


def test_in_memory_predictions_are_located_by_row() -> None:
    with pytest.raises(DatasetError) as err:
        read_predictions("segmentation", [{"doc_id": "a", "start": 0, "end": 5}, {"doc_id": "a", "start": "0", "end": 5}], DOCS)
    assert any(p.startswith("<predictions> row 1 doc_id=a field 'start'") for p in problems(err)), problems(err)


def test_pairs_are_normalised_and_complete(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "p.jsonl",
        [
            {"doc_a": "b", "doc_b": "a", "score": 0.5},
            {"doc_a": "a", "doc_b": "c", "score": 1},
            {"doc_a": "c", "doc_b": "b", "score": -2.0},
        ],
    )
    items = read_predictions("event_pairs", path, DOCS)
    assert [(i.record.doc_a, i.record.doc_b, i.record.score, i.line) for i in items] == [
        ("a", "b", 0.5, 1),
        ("a", "c", 1.0, 2),
        ("b", "c", -2.0, 3),
    ]


def test_pair_errors_are_located(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "p.jsonl",
        [
            {"doc_a": "a", "doc_b": "b", "score": 0.5},
            {"doc_a": "b", "doc_b": "a", "score": 0.4},  # the same pair in the other order
            {"doc_a": "c", "doc_b": "c", "score": 1.0},
            {"doc_a": "a", "doc_b": "zz", "score": 1.0},
            '{"doc_a": "a", "doc_b": "c", "score": NaN}',
        ],
    )
    with pytest.raises(DatasetError) as err:
        read_predictions("topic_pairs", path, DOCS)
    found = problems(err)
    assert f"{path}:2 field 'doc_a': duplicate pair 'a', 'b' (first given at line 1)" in found
    assert f"{path}:3 field 'doc_b': self-pair: doc_a and doc_b are both 'c'" in found
    assert f"{path}:4 field 'doc_b': unknown doc_b 'zz' (no such gold document)" in found
    assert any(p.startswith(f"{path}:5 field 'score': Input should be a finite number") for p in found), found
    # (a, c) was only given with a NaN score and (b, c) never: both are named as missing.
    assert f"{path}: missing pair 'a', 'c': expected every unordered pair of gold documents once" in found
    assert f"{path}: missing pair 'b', 'c': expected every unordered pair of gold documents once" in found


def test_span_prediction_errors_are_located(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "p.jsonl",
        [
            {"doc_id": "a", "start": 0, "end": 5, "label": "ORG"},
            {"doc_id": "a", "start": 0, "end": 5, "label": "GPE"},  # same span again
            {"doc_id": "b", "start": 3, "end": 3, "label": "ORG"},
            {"doc_id": "b", "start": 0, "end": 6, "label": "ORG"},  # "Beta." has 5 characters
            {"doc_id": "zz", "start": 0, "end": 1, "label": "ORG"},
            {"doc_id": "c", "start": 0, "end": 5, "label": "COMPANY"},
        ],
    )
    with pytest.raises(DatasetError) as err:
        read_predictions("ner", path, DOCS)
    found = problems(err)
    assert f"{path}:2 doc_id=a field 'start': duplicate span [0, 5) (first given at line 1)" in found
    assert any(p.startswith(f"{path}:3 doc_id=b field 'end': Value error, end (3) must be greater than start (3)") for p in found), found
    assert f"{path}:4 doc_id=b field 'end': end 6 is past the end of the document (5 characters)" in found
    assert f"{path}:5 doc_id=zz field 'doc_id': unknown doc_id 'zz' (no such gold document)" in found
    assert any(p.startswith(f"{path}:6 doc_id=c field 'label': Input should be 'PERSON'") for p in found), found
    assert len(found) == 5


def test_span_predictions_may_skip_documents() -> None:
    items = read_predictions("ner", [{"doc_id": "a", "start": 0, "end": 5, "label": "ORG"}], DOCS)
    assert len(items) == 1


def test_linking_kb_id_format() -> None:
    base = {"doc_id": "a", "start": 0, "end": 5}
    assert read_predictions("linking", [{**base, "kb_id": None}], DOCS)[0].record.kb_id is None
    assert read_predictions("linking", [{**base, "kb_id": "Q42"}], DOCS)[0].record.kb_id == "Q42"
    for bad in ("Q0", "q42", "Q42x", 42):
        with pytest.raises(DatasetError, match=r"row 0 doc_id=a field 'kb_id"):
            read_predictions("linking", [{**base, "kb_id": bad}], DOCS)
    with pytest.raises(DatasetError, match=r"field 'kb_id': Field required"):
        read_predictions("linking", [base], DOCS)


# --------------------------------------------------------------------------- end to end on a real build


def tables_of(built: Path) -> set[str]:
    """The tables present in a built dataset."""
    return set(Manifest.model_validate_json((built / MANIFEST_FILE).read_bytes()).tables)


def test_evaluate_segmentation_end_to_end(built: Path, tmp_path: Path) -> None:
    gold = load("sentences", built).to_list()
    docs = sorted({r["doc_id"] for r in gold})
    n, d = len(gold), len(docs)
    assert n > d >= 2
    perfect = [{"doc_id": r["doc_id"], "start": r["start"], "end": r["end"]} for r in gold]
    path = write_jsonl(tmp_path / "seg.jsonl", perfect)
    assert scores_of(evaluate("segmentation", path, built)) == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "boundary_f1": 1.0}

    # Merge the first two segments of the first document: N - 1 predicted spans, N - 2 of them gold.
    first = [r for r in perfect if r["doc_id"] == docs[0]]
    assert len(first) >= 3
    merged = [{"doc_id": docs[0], "start": first[0]["start"], "end": first[1]["end"]}] + perfect[2:]
    assert perfect[:2] == first[:2]
    scores = evaluate("segmentation", merged, built)
    # Gold has B = N - D boundaries; the merge removes exactly one, all others are right: P 1, R (B-1)/B.
    b = n - d
    assert scores["precision"] == approx((n - 2) / (n - 1))
    assert scores["recall"] == approx((n - 2) / n)
    assert scores["boundary_f1"] == approx(2 * (b - 1) / (2 * b - 1))


def test_evaluate_reports_located_errors_end_to_end(built: Path, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "seg.jsonl", [{"doc_id": "not_a_doc", "start": 0, "end": 3}])
    with pytest.raises(DatasetError, match=r"seg\.jsonl:1 doc_id=not_a_doc field 'doc_id': unknown doc_id"):
        evaluate("segmentation", path, built)


def test_evaluate_clustering_end_to_end(built: Path) -> None:
    if "duplicate_groups" not in tables_of(built):
        pytest.skip("this build has no duplicate_groups table yet")
    groups = load("duplicate_groups", built).to_list()
    for level in ("near_duplicate", "event", "topic"):
        gold = {r["doc_id"]: r[level] for r in groups}
        has_pairs = len(set(gold.values())) < len(gold)
        perfect = scores_of(evaluate(level, [{"doc_id": k, "group": v} for k, v in gold.items()], built))
        assert perfect == {k: 1.0 for k in perfect} and len(perfect) == 8
        singletons = evaluate(level, [{"doc_id": k, "group": i} for i, k in enumerate(gold)], built)
        assert singletons["pairwise_f1"] == (0.0 if has_pairs else 1.0)
        assert singletons["bcubed_precision"] == 1.0

        labels = gold_pair_labels(gold)
        exact = [{"doc_a": b, "doc_b": a, "score": float(same)} for (a, b), same in labels.items()]
        pairs = only(evaluate(f"{level}_pairs", exact, built), "average_precision", "best_f1", "best_threshold")
        if any(labels.values()):
            assert pairs == {"average_precision": 1.0, "best_f1": 1.0, "best_threshold": 1.0}
        else:
            assert pairs == {"average_precision": 0.0, "best_f1": 0.0, "best_threshold": 0.0}


def test_evaluate_near_duplicate_by_hand(built: Path) -> None:
    if "duplicate_groups" not in tables_of(built):
        pytest.skip("this build has no duplicate_groups table yet")
    groups = load("duplicate_groups", built).to_list()
    gold = {r["doc_id"]: r["near_duplicate"] for r in groups}
    members = [d for d in sorted(gold) if list(gold.values()).count(gold[d]) >= 3]
    if not members:
        pytest.skip("no near_duplicate group with three or more documents")
    group = [d for d in sorted(gold) if gold[d] == gold[members[0]]]
    k = len(group)
    gold_pairs = sum(c * (c - 1) // 2 for c in (list(gold.values()).count(g) for g in set(gold.values())))
    # Predict only the first two members of that group together, everything else alone:
    # 1 predicted pair, correct: P = 1, R = 1 / (gold pairs), F1 = 2R / (1 + R).
    pred = [{"doc_id": d, "group": "pair" if d in group[:2] else d} for d in gold]
    scores = evaluate("near_duplicate", pred, built)
    r = 1 / gold_pairs
    assert k >= 3 and scores["pairwise_precision"] == 1.0
    assert scores["pairwise_recall"] == approx(r)
    assert scores["pairwise_f1"] == approx(2 * r / (1 + r))


def test_evaluate_entities_end_to_end(built: Path) -> None:
    if "entities" not in tables_of(built):
        pytest.skip("this build has no entities table yet")
    table = load("entities", built)
    names = table.features["label"].int2str(table["label"])
    rows = table.to_list()
    ner = [{"doc_id": r["doc_id"], "start": r["start"], "end": r["end"], "label": n} for r, n in zip(rows, names)]
    scores = evaluate("ner", ner, built)
    assert scores["f1"] == 1.0 and scores["span_f1"] == 1.0
    assert {k for k in scores_of(scores) if k.startswith("f1_")} == {f"f1_{n}" for n in names}
    # Per-label scores carry their support (gold mentions of the label).
    assert {k: v for k, v in scores.items() if k.startswith("support_")} == {f"support_{n}": names.count(n) for n in set(names)}
    links = [{"doc_id": r["doc_id"], "start": r["start"], "end": r["end"], "kb_id": r["kb_id"]} for r in rows]
    linked = sum(r["kb_id"] is not None for r in rows)
    assert only(evaluate("linking", links, built), "accuracy", "num_gold_linked") == {"accuracy": 1.0 if linked else 0.0, "num_gold_linked": linked}
    unlinked = [{**p, "kb_id": None} for p in links]
    assert evaluate("linking", unlinked, built)["accuracy"] == 0.0


def test_evaluate_entities_by_hand(built: Path) -> None:
    if "entities" not in tables_of(built):
        pytest.skip("this build has no entities table yet")
    table = load("entities", built)
    names = table.features["label"].int2str(table["label"])
    rows = [{**r, "label": n} for r, n in zip(table.to_list(), names)]
    m = len(rows)
    assert m >= 3
    ner = [{k: r[k] for k in ("doc_id", "start", "end", "label")} for r in rows]
    # Drop the first mention and give the second another label:
    # typed: M - 1 predicted, M - 2 right -> P (M-2)/(M-1), R (M-2)/M; untyped: P 1, R (M-1)/M.
    other = "DATE" if ner[1]["label"] != "DATE" else "TIME"
    pred = [{**ner[1], "label": other}] + ner[2:]
    scores = evaluate("ner", pred, built)
    assert scores["precision"] == approx((m - 2) / (m - 1))
    assert scores["recall"] == approx((m - 2) / m)
    r = (m - 1) / m
    assert scores["span_f1"] == approx(2 * r / (1 + r))

    linked = [r for r in rows if r["kb_id"] is not None]
    if len(linked) < 2:
        pytest.skip("fewer than two linked gold mentions")
    # Leave out the first linked mention's prediction: (L - 1) of L right.
    links = [{k: r[k] for k in ("doc_id", "start", "end", "kb_id")} for r in rows if r is not linked[0]]
    assert only(evaluate("linking", links, built), "accuracy", "num_gold_linked") == {
        "accuracy": approx((len(linked) - 1) / len(linked)),
        "num_gold_linked": len(linked),
    }


# --------------------------------------------------------------------------- intervals, degenerate gold, breakdowns


def imperfect(task: str, data: Path) -> list[dict]:
    """A deterministic, imperfect prediction for every task (gold with every third record changed or dropped)."""
    from .test_benchmark import perfect

    records = perfect(task, data)
    out = []
    for k, r in enumerate(records):
        r = dict(r)
        if k % 3 == 0:
            if "group" in r:
                r["group"] = "other"
            elif "score" in r:
                r["score"] = -r["score"] + 0.5 * (k % 5)
            elif "label" in r:
                r["label"] = "ORG" if r["label"] != "ORG" else "GPE"
            elif "kb_id" in r:
                r["kb_id"] = None
            elif "cluster" in r:
                r["cluster"] = f"c{k % 4}"
            else:
                continue  # segmentation: drop the segment
        out.append(r)
    return out


@pytest.mark.parametrize("task", TASKS)
def test_the_interval_statistic_reproduces_the_point_estimate(task: str, built: Path, aligned: Path, monkeypatch) -> None:
    """Every vectorised statistic, on the original sample (each unit once), gives the library's point values."""
    import numpy as np

    from ceasefire_news.bench import evaluate as module

    seen = []
    real = module.percentile_intervals

    def spy(statistic, n, *args, **kwargs):
        seen.append((statistic, n))
        return real(statistic, n, *args, **kwargs)

    monkeypatch.setattr(module, "percentile_intervals", spy)
    data = aligned if task == "sentence_alignment" else built
    out = evaluate(task, imperfect(task, data), data, n_resamples=50)
    metrics = [k for k in out if f"{k}_ci_low" in out]
    values = np.concatenate([statistic(np.ones((1, n)))[:, 0] for statistic, n in seen])
    assert values.tolist() == pytest.approx([out[k] for k in metrics], abs=1e-12)
    assert out["degenerate"] or not all(out[k] == 1.0 for k in metrics)  # the prediction is imperfect somewhere
    for k in metrics:
        assert out[f"{k}_ci_low"] <= out[k] + 1e-12 and out[k] <= out[f"{k}_ci_high"] + 1e-12, k


def test_intervals_are_deterministic_and_follow_the_seed(built: Path) -> None:
    pred = imperfect("ner", built)
    first, again = evaluate("ner", pred, built), evaluate("ner", pred, built)
    assert first == again
    other = evaluate("ner", pred, built, seed=7)
    assert other["seed"] == 7 and other["f1"] == first["f1"] and other["f1_ci_low"] != first["f1_ci_low"]
    with pytest.raises(ValueError, match="n_resamples"):
        evaluate("ner", pred, built, n_resamples=0)


def test_units_are_named(built: Path) -> None:
    expected = {"near_duplicate": ("document", 5), "event_pairs": ("document pair", 10), "segmentation": ("segment", 150),
                "ner": ("segment", 150), "linking": ("gold mention", None)}
    for task, (unit, n) in expected.items():
        out = evaluate(task, imperfect(task, built), built, n_resamples=20)
        assert out["unit"] == unit and (n is None or out["n"] == n), task
    linking = evaluate("linking", imperfect("linking", built), built, n_resamples=20)
    assert linking["n"] == linking["num_gold_linked"]


def test_topic_level_is_marked_degenerate(built: Path) -> None:
    groups = load("duplicate_groups", built).to_list()
    if len({r["topic"] for r in groups}) != 1:
        pytest.skip("the gold has more than one topic cluster")
    one = evaluate("topic", [{"doc_id": r["doc_id"], "group": 0} for r in groups], built)
    assert one["degenerate"] and "single topic cluster" in one["degenerate_reason"] and "smoke test" in one["degenerate_reason"]
    assert scores_of(one) == {k: 1.0 for k in scores_of(one)}  # merging everything is "perfect"
    pairs = evaluate("topic_pairs", [{"doc_a": a["doc_id"], "doc_b": b["doc_id"], "score": 0.0} for a, b in combinations(groups, 2)], built)
    assert pairs["degenerate"] and pairs["average_precision"] == 1.0  # a constant score ranks every positive pair first
    assert not evaluate("event", [{"doc_id": r["doc_id"], "group": 0} for r in groups], built)["degenerate"]


def test_by_doc_breakdown(built: Path) -> None:
    pred = imperfect("segmentation", built)
    out = evaluate("segmentation", pred, built, by="doc")
    docs = sorted({r["doc_id"] for r in load("documents", built).to_list()})
    assert list(out["by_doc"]) == docs
    assert sum(sub["n"] for sub in out["by_doc"].values()) == out["n"]
    for doc_id, sub in out["by_doc"].items():
        gold = [(r["doc_id"], r["start"], r["end"]) for r in load("sentences", built).to_list() if r["doc_id"] == doc_id]
        mine = [(r["doc_id"], r["start"], r["end"]) for r in pred if r["doc_id"] == doc_id]
        assert {k: sub[k] for k in ("precision", "recall", "f1", "boundary_f1")} == segmentation_scores(gold, mine)
    clusters = evaluate("event", imperfect("event", built), built, by="doc")
    assert all(sub["unit"] == "document pair" and sub["n"] == len(docs) - 1 for sub in clusters["by_doc"].values())
    with pytest.raises(ValueError, match="breakdown"):
        evaluate("segmentation", pred, built, by="label")


def test_cli_by_doc_table_shows_intervals_and_support(built: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ceasefire_news.cli import main

    path = write_jsonl(tmp_path / "ner.jsonl", imperfect("ner", built))
    assert main(["evaluate", "--task", "ner", "--predictions", str(path), "--data", str(built), "--by", "doc", "--format", "table"]) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[0].split()
    assert header == ["metric", "value", "95%", "CI", "support"]
    loc = next(line for line in out.splitlines() if line.startswith("f1_LOC"))
    result = evaluate("ner", imperfect("ner", built), built)
    assert loc.split()[-1] == str(result["support_LOC"])
    assert f"[{result['f1_LOC_ci_low']:.4f}, {result['f1_LOC_ci_high']:.4f}]" in loc
    assert out.count("by_doc ") == 5
    assert main(["evaluate", "--task", "ner", "--predictions", str(path), "--data", str(built), "--by", "doc"]) == 0
    assert set(json.loads(capsys.readouterr().out)["by_doc"]) == {r["doc_id"] for r in load("documents", built).to_list()}
