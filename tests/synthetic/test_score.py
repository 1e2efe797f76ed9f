"""Scoring a grouping of a synth corpus against its labels with the evaluator's clustering scores."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ceasefire_news import DatasetError, score_synth, synth
from ceasefire_news.cli import main
from ceasefire_news.synthetic.score import label_groups


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synth(120, 2, tmp_path_factory.mktemp("synth") / "s", fmt="jsonl")


def test_perfect_and_trivial_groupings(corpus: Path) -> None:
    gold = label_groups(corpus)
    assert len(gold) == 120 and set(gold.values()) <= {"nd:wire-story-march-2025", "nd:003_dbbfab3a559acc3c", "nd:004_8a3745de7e51fef9"}
    perfect = score_synth(corpus, {d: f"c-{g}" for d, g in gold.items()})
    assert perfect["ari"] == 1.0 and perfect["pairwise_f1"] == 1.0 and perfect["bcubed_f1"] == 1.0
    assert (perfect["num_docs"], perfect["gold_groups"], perfect["predicted_groups"]) == (120, 3, 3)
    singletons = score_synth(corpus, {d: d for d in gold})
    assert singletons["ari"] == 0.0 and singletons["pairwise_recall"] == 0.0
    by_source = {json.loads(line)["doc_id"]: json.loads(line)["source"] for line in (corpus / "labels.jsonl").read_text().splitlines()}
    split = score_synth(corpus, by_source)  # one cluster per source: the wire group split in three
    assert split["pairwise_precision"] == 1.0 and 0.0 < split["ari"] < 1.0
    event = score_synth(corpus, {d: f"c-{g}" for d, g in gold.items()}, level="event")
    assert event["pairwise_precision"] == 1.0 and event["pairwise_recall"] < 1.0  # near-duplicate groups refine events


def test_predictions_from_a_file_or_a_built_dataset(corpus: Path, tmp_path: Path) -> None:
    gold = label_groups(corpus)
    path = tmp_path / "pred.jsonl"
    path.write_text("".join(json.dumps({"doc_id": d, "group": g}) + "\n" for d, g in gold.items()))
    assert score_synth(corpus / "labels.jsonl", path)["ari"] == 1.0
    built = tmp_path / "ds" / "data" / "duplicate_groups"
    built.mkdir(parents=True)
    ids = sorted(gold)
    table = pa.table({"doc_id": ids, "near_duplicate": [gold[d] for d in ids], "event": ids, "topic": ids})
    pq.write_table(table.slice(0, 60), built / "test-00000-of-00002.parquet")
    pq.write_table(table.slice(60), built / "test-00001-of-00002.parquet")
    assert score_synth(corpus, tmp_path / "ds")["ari"] == 1.0
    assert main(["synth-score", "--labels", str(corpus), "--predictions", str(tmp_path / "ds"), "--format", "table"]) == 0


def test_coverage_problems_are_located(corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gold = label_groups(corpus)
    partial = dict(list(gold.items())[1:]) | {"stranger": "x"}
    with pytest.raises(DatasetError) as err:
        score_synth(corpus, partial)
    found = [str(p) for p in err.value.problems]
    first = sorted(gold)[0]
    assert found == [
        f"<predictions> doc_id={first} field 'doc_id': no predicted group for labelled article {first!r}",
        "<predictions> doc_id=stranger field 'doc_id': article 'stranger' is not in the labels",
    ]
    path = tmp_path / "pred.jsonl"
    path.write_text(json.dumps({"doc_id": first, "group": 1, "score": 2}) + "\n")
    assert main(["synth-score", "--labels", str(corpus), "--predictions", str(path)]) == 1
    err_text = capsys.readouterr().err
    assert f"{path}:1 doc_id={first} field 'score'" in err_text and "Traceback" not in err_text
    with pytest.raises(ValueError, match="unknown level"):
        label_groups(corpus, "story")
