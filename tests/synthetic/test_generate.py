"""`synth`: determinism, labels and lineage by construction, alignment substitution, output-path rule, CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from ceasefire_news import DatasetError, synth
from ceasefire_news.gold.seeds import default_seeds_dir, read_seeds
from ceasefire_news.synthetic.generate import PLAN, make_article, read_corpus

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "synth"
WIRE = ("000_a604801cb8896bbe", "001_962f232c241942aa", "002_1326406fc45ba7b4")


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def labels(root: Path) -> list[dict]:
    return [json.loads(line) for line in (root / "labels.jsonl").read_text(encoding="utf-8").splitlines()]


def synth_in_subprocess(out: Path, fmt: str, hash_seed: str) -> dict[str, bytes]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    args = ["--n", "60", "--seed", "11", "--out", str(out), "--format", fmt, "--quiet"]
    subprocess.run([sys.executable, "-m", "ceasefire_news", "synth", *args], check=True, env=env, capture_output=True)
    return files(out)


def test_two_processes_give_the_same_bytes(tmp_path: Path) -> None:
    first = synth_in_subprocess(tmp_path / "a", "parquet", "0")
    second = synth_in_subprocess(tmp_path / "b", "parquet", "777")
    assert first == second
    assert sorted(first) == ["articles.parquet", "labels.jsonl", "synth.json"]
    assert files(synth(60, 11, tmp_path / "c", fmt="parquet")) == first  # and the same in this process


@pytest.mark.parametrize("fmt", ["txt", "jsonl"])
def test_two_runs_give_the_same_bytes(tmp_path: Path, fmt: str) -> None:
    first = files(synth(60, 11, tmp_path / "a", fmt=fmt))
    assert first == files(synth(60, 11, tmp_path / "b", fmt=fmt))
    assert files(synth(60, 12, tmp_path / "c", fmt=fmt))["labels.jsonl"] != first["labels.jsonl"]


def test_the_three_formats_hold_the_same_articles(tmp_path: Path) -> None:
    txt = synth(25, 3, tmp_path / "txt")
    jsonl = synth(25, 3, tmp_path / "jsonl", fmt="jsonl")
    parquet = synth(25, 3, tmp_path / "parquet", fmt="parquet")
    from_txt = {p.stem: p.read_bytes().decode("utf-8") for p in sorted((txt / "articles").glob("*.txt"))}
    from_jsonl = {r["doc_id"]: r["text"] for r in map(json.loads, (jsonl / "articles.jsonl").read_text(encoding="utf-8").splitlines())}
    table = pq.read_table(parquet / "articles.parquet")
    assert table.column_names == ["doc_id", "text"]
    from_parquet = dict(zip(table.column("doc_id").to_pylist(), table.column("text").to_pylist()))
    assert from_txt == from_jsonl == from_parquet and len(from_txt) == 25
    assert labels(txt) == labels(jsonl) == labels(parquet)


def test_article_i_does_not_depend_on_n(tmp_path: Path) -> None:
    small = labels(synth(10, 5, tmp_path / "small"))
    large = labels(synth(30, 5, tmp_path / "large"))
    assert large[:10] == small
    assert files(tmp_path / "small" / "articles") == {k: v for k, v in files(tmp_path / "large" / "articles").items() if k in files(tmp_path / "small" / "articles")}


def test_golden_labels(tmp_path: Path, data_regression) -> None:
    out = synth(8, 7, tmp_path / "s")
    rows = labels(out)
    data_regression.check({"labels": rows})
    # Article 3 is the lead of 004 (its first 4 paragraphs, i.e. lines) and nothing else.
    assert rows[3]["source"] == "004_8a3745de7e51fef9" and rows[3]["transforms"] == [{"name": "truncate_lead", "kept_paragraphs": 4}]
    source = (default_seeds_dir() / "articles" / "004_8a3745de7e51fef9.txt").read_text(encoding="utf-8")
    assert (out / "articles" / "s7_000000003.txt").read_text(encoding="utf-8") == "".join(source.splitlines(keepends=True)[:4])


def test_labels_follow_from_the_source_and_name_every_transform(tmp_path: Path) -> None:
    out = synth(300, 1, tmp_path / "s")
    seeds = read_seeds(default_seeds_dir(), layers=("sentences",))
    gold = {g.record.doc_id: g.record for g in seeds.groups}
    rows = labels(out)
    assert [r["doc_id"] for r in rows] == [f"s1_{i:09d}" for i in range(300)]
    order = [name for name, _ in PLAN]
    seen = set()
    unchanged = 0
    for r in rows:
        src = gold[r["source"]]
        assert (r["near_duplicate"], r["event"], r["topic"]) == (src.near_duplicate, src.event, src.topic)
        names = [t["name"] for t in r["transforms"]]
        assert names == sorted(names, key=order.index)  # applied in PLAN order
        if "substitute_sentences" in names:  # equivalent gold links exist only inside the rewrite group
            assert r["source"] in {"000_a604801cb8896bbe", "001_962f232c241942aa", "002_1326406fc45ba7b4"}
        if "remove_boilerplate" in names:
            assert r["source"] == "003_dbbfab3a559acc3c"  # the only source with boilerplate segments
        seen.update(names)
        text = (out / "articles" / f"{r['doc_id']}.txt").read_text(encoding="utf-8")
        source = (default_seeds_dir() / "articles" / f"{r['source']}.txt").read_text(encoding="utf-8")
        if not names:
            assert text == source  # an untransformed article is a byte copy
        else:
            unchanged += text == source  # possible only when every step drew nothing to do (e.g. 0 typos)
    assert seen == set(order)  # the seeds carry the gold alignment layer, so substitution occurs too
    assert unchanged <= 3
    meta = json.loads((out / "synth.json").read_text())
    assert meta["n"] == 300 and sum(meta["articles_per_source"].values()) == 300
    assert meta["articles_per_transform"]["typos"] == sum("typos" in [t["name"] for t in r["transforms"]] for r in rows)
    # Near-duplicate groups of the corpus are the sources' groups: the wire copies form one group.
    wire = {r["near_duplicate"] for r in rows if r["source"] in WIRE}
    assert wire == {"nd:wire-story-march-2025"}


def test_the_lineage_replays_to_the_same_text() -> None:
    corpus = read_corpus()
    for i in range(40):
        doc_id, text, label = make_article(corpus, 9, i)
        again = make_article(corpus, 9, i)
        assert again == (doc_id, text, label)
        steps = {t["name"]: t for t in label["transforms"]}
        if "truncate_lead" in steps and len(steps) == 1:
            source = next(s for s in corpus.sources if s.doc_id == label["source"])
            kept = steps["truncate_lead"]["kept_paragraphs"]
            expected = "".join(p.gap + p.text for para in source.draft.paragraphs()[:kept] for p in para).lstrip("\n") + "\n"
            assert text == expected


def seeds_with_alignments(tmp_path: Path, extra: list[dict] = ()) -> Path:
    seeds = tmp_path / "seeds"
    shutil.copytree(default_seeds_dir(), seeds)
    lines = (FIXTURES / "alignments.jsonl").read_text(encoding="utf-8").splitlines()
    lines += [json.dumps(r, ensure_ascii=False) for r in extra]
    (seeds / "annotations" / "alignments.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return seeds


def test_substitution_takes_gold_paraphrases_from_siblings_only(tmp_path: Path) -> None:
    seeds = read_seeds(default_seeds_dir(), layers=("sentences",))
    segment = {(i.record.doc_id, i.record.index): i.record.text for i in seeds.layers["sentences"]}
    # An "equivalent" link to another story (003 is not a wire rewrite) must never be used.
    cross = {"doc_a": WIRE[0], "index_a": 2, "doc_b": "003_dbbfab3a559acc3c", "index_b": 1, "relation": "equivalent",
             "text_a": segment[(WIRE[0], 2)], "text_b": segment[("003_dbbfab3a559acc3c", 1)]}
    root = seeds_with_alignments(tmp_path, [cross])
    corpus = read_corpus(root)
    assert corpus.paraphrases[(WIRE[0], 1)] == [(WIRE[1], 0, segment[(WIRE[1], 0)]), (WIRE[2], 0, segment[(WIRE[2], 0)])]
    assert corpus.paraphrases[(WIRE[1], 18)] == [(WIRE[0], 18, segment[(WIRE[0], 18)])]
    assert (WIRE[0], 2) not in corpus.paraphrases and (WIRE[0], 0) not in corpus.paraphrases  # cross-story, partial
    assert {s.doc_id for s in corpus.sources if s.has_paraphrases} == set(WIRE)
    out = synth(200, 4, tmp_path / "out", seeds_dir=root)
    substituted = 0
    for r in labels(out):
        steps = [t for t in r["transforms"] if t["name"] == "substitute_sentences"]
        assert not steps or r["source"] in WIRE
        text = (out / "articles" / f"{r['doc_id']}.txt").read_text(encoding="utf-8")
        for step in steps:
            for index, doc_b, index_b in step["substituted"]:
                assert (doc_b, index_b, segment[(doc_b, index_b)]) in corpus.paraphrases[(r["source"], index)]
                if len(r["transforms"]) == 1:
                    assert segment[(doc_b, index_b)] in text and segment[(r["source"], index)] not in text
                substituted += 1
    assert substituted > 20
    assert json.loads((out / "synth.json").read_text())["inputs"]["annotations/alignments.jsonl"]


def test_bad_alignment_is_located(tmp_path: Path) -> None:
    root = seeds_with_alignments(tmp_path, [{"doc_a": WIRE[0], "index_a": 1, "doc_b": WIRE[1], "index_b": 0, "relation": "equivalent", "text_a": "Not the text.", "text_b": "x"}])
    with pytest.raises(DatasetError) as err:
        synth(5, 1, tmp_path / "out", seeds_dir=root)
    found = [str(p) for p in err.value.problems]
    assert any("alignments.jsonl:6" in f and "field 'text_a'" in f and "not the text of segment 1" in f for f in found), found
    assert not (tmp_path / "out").exists()


def test_output_path_rule(tmp_path: Path) -> None:
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("mine")
    with pytest.raises(DatasetError, match="not empty and not an earlier ceasefire-news output \\(not an earlier synth output"):
        synth(3, 1, stranger)
    assert [p.name for p in stranger.iterdir()] == ["notes.txt"]
    afile = tmp_path / "file"
    afile.write_text("x")
    with pytest.raises(DatasetError, match="it is a file"):
        synth(3, 1, afile)
    with pytest.raises(DatasetError, match="inside the seeds directory"):
        synth(3, 1, default_seeds_dir() / "synth-out")
    empty = tmp_path / "empty"
    empty.mkdir()
    synth(3, 1, empty, fmt="parquet")
    synth(4, 2, empty)  # an earlier synth output is replaced as a whole
    assert sorted(p.name for p in empty.iterdir()) == ["articles", "labels.jsonl", "synth.json"]
    assert len(labels(empty)) == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "file", "stranger"]  # no temporary directories left


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ceasefire_news.cli import main

    ok = subprocess.run(
        [sys.executable, "-m", "ceasefire_news", "synth", "--n", "5", "--seed", "3", "--out", str(tmp_path / "s"), "--format", "jsonl"],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0 and "wrote 5 articles and their labels to" in ok.stdout
    assert len(labels(tmp_path / "s")) == 5
    with pytest.raises(SystemExit) as exit_:
        main(["synth", "--n", "0", "--out", str(tmp_path / "t")])
    assert exit_.value.code == 2 and "expected an integer >= 1, got 0" in capsys.readouterr().err
    (tmp_path / "u").mkdir()
    (tmp_path / "u" / "keep.txt").write_text("x")
    assert main(["synth", "--n", "5", "--out", str(tmp_path / "u")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: 1 problem(s) found:\n  - {tmp_path / 'u'}: refusing to write here") and "Traceback" not in err
