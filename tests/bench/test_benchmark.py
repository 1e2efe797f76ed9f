"""Acceptance of the benchmark through the CLI: perfect predictions score 1.0 on every task,
all-singletons score pairwise F1 0 at every level, and bad prediction files are located errors."""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

import pytest

from ceasefire_news import TASKS, load
from ceasefire_news.cli import main


def perfect(task: str, built: Path) -> list[dict]:
    """The gold itself, in the prediction format of a task."""
    if task in ("near_duplicate", "event", "topic"):
        return [{"doc_id": r["doc_id"], "group": r[task]} for r in load("duplicate_groups", built)]
    if task.endswith("_pairs"):
        level = task.removesuffix("_pairs")
        groups = {r["doc_id"]: r[level] for r in load("duplicate_groups", built)}
        return [{"doc_a": a, "doc_b": b, "score": float(groups[a] == groups[b])} for a, b in combinations(sorted(groups), 2)]
    if task == "sentence_alignment":  # every cross-document segment pair, scored by its gold grade
        pairs = load("sentence_pairs", built)
        return [
            {"doc_a": r["doc_a"], "index_a": r["index_a"], "doc_b": r["doc_b"], "index_b": r["index_b"], "score": float(r["label"])}
            for r in pairs
        ]
    entities = load("entities", built)
    names = entities.features["label"].names
    if task == "entity_coreference":
        return [{"doc_id": r["doc_id"], "start": r["start"], "end": r["end"], "cluster": r["entity_id"]} for r in entities if r["entity_id"]]
    if task == "ner":
        return [{"doc_id": r["doc_id"], "start": r["start"], "end": r["end"], "label": names[r["label"]]} for r in entities]
    if task == "linking":
        return [{"doc_id": r["doc_id"], "start": r["start"], "end": r["end"], "kb_id": r["kb_id"]} for r in entities]
    return [{"doc_id": r["doc_id"], "start": r["start"], "end": r["end"]} for r in load("sentences", built)]


def run(task: str, records: list[dict], built: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    path = tmp_path / f"{task}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    code = main(["evaluate", "--task", task, "--predictions", str(path), "--data", str(built)])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("task", TASKS)
def test_perfect_prediction_scores_one(task: str, built: Path, aligned: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = aligned if task == "sentence_alignment" else built
    code, out, _ = run(task, perfect(task, data), data, tmp_path, capsys)
    assert code == 0
    metrics = json.loads(out)
    # Every score has an interval; the perfect prediction scores 1.0 with the zero-width interval [1.0, 1.0].
    scores = [k for k in metrics if f"{k}_ci_low" in metrics]
    assert scores, metrics
    for name in scores:
        assert (metrics[name], metrics[f"{name}_ci_low"], metrics[f"{name}_ci_high"]) == (1.0, 1.0, 1.0), name
    assert metrics["n"] >= 2 and metrics["unit"] and (metrics["ci_level"], metrics["n_resamples"]) == (0.95, 1000)
    # Only the topic level (one gold cluster; every pair positive) is degenerate on this gold.
    assert metrics["degenerate"] == task.startswith("topic"), metrics["degenerate_reason"]


@pytest.mark.parametrize("level", ["near_duplicate", "event", "topic"])
def test_all_singletons_score_pairwise_f1_zero(level: str, built: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    singletons = [{"doc_id": r["doc_id"], "group": r["doc_id"]} for r in load("documents", built)]
    code, out, _ = run(level, singletons, built, tmp_path, capsys)
    assert code == 0 and json.loads(out)["pairwise_f1"] == 0.0


@pytest.mark.parametrize("task", TASKS)
def test_empty_prediction_file_is_a_located_error(task: str, built: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(task, [], built, tmp_path, capsys)
    assert code == 1 and out == ""
    assert f"{task}.jsonl" in err and "empty" in err


def test_malformed_prediction_file_names_line_and_field(built: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    records = perfect("ner", built)
    records[3]["label"] = "PEOPLE"
    code, _, err = run("ner", records, built, tmp_path, capsys)
    assert code == 1 and "ner.jsonl:4" in err and "field 'label'" in err


def test_table_format(built: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "seg.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in perfect("segmentation", built)))
    assert main(["evaluate", "--task", "segmentation", "--predictions", str(path), "--data", str(built), "--format", "table"]) == 0
    out = capsys.readouterr().out
    assert "boundary_f1" in out and "1.0000" in out
