"""The synth transforms, one by one, on the gold articles: what each changes and what it keeps."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from ceasefire_news.synthetic import transforms as tf
from ceasefire_news.synthetic.generate import read_corpus
from ceasefire_news.synthetic.transforms import Draw

CORPUS = read_corpus()
SOURCES = {s.doc_id: s for s in CORPUS.sources}
DOC0, DOC3 = "000_a604801cb8896bbe", "003_dbbfab3a559acc3c"


def source_text(doc_id: str) -> str:
    from ceasefire_news.gold.seeds import default_seeds_dir

    return (default_seeds_dir() / "articles" / f"{doc_id}.txt").read_bytes().decode("utf-8")


@pytest.mark.parametrize("doc_id", sorted(SOURCES))
def test_draft_gives_the_source_back_byte_for_byte(doc_id: str) -> None:
    d = SOURCES[doc_id].draft
    assert d.text() == source_text(doc_id)
    assert [p.origin for p in d.pieces] == [(doc_id, i) for i in range(len(d.pieces))]
    assert "".join(p.gap + p.text for para in d.paragraphs() for p in para) + d.tail == d.text()


def test_draw_is_seeded_and_uses_only_random() -> None:
    a, b, c = Draw("k", 1), Draw("k", 1), Draw("k", 2)
    seq_a = [a.random() for _ in range(5)]
    assert seq_a == [b.random() for _ in range(5)] != [c.random() for _ in range(5)]
    d = Draw("golden")
    assert d.below(10) in range(10) and d.between(3, 4) in (3, 4)
    picked = d.sample(range(10), 4)
    assert len(picked) == len(set(picked)) == 4 and set(picked) <= set(range(10))
    hits = Draw("hits").hits(100_000, 0.01)
    assert hits == sorted(set(hits)) and all(0 <= h < 100_000 for h in hits)
    assert 850 < len(hits) < 1150  # binomial(100000, 0.01): mean 1000, sd 31
    assert Draw("x").hits(10, 0) == [] and Draw("x").hits(4, 1) == [0, 1, 2, 3]


def test_substitute_uses_only_the_given_paraphrases() -> None:
    d = SOURCES[DOC0].draft
    sibling = "001_962f232c241942aa"
    paraphrases = {(DOC0, 3): [(sibling, 2, "Paraphrase three.")], (DOC0, 5): [(sibling, 4, "Paraphrase five.")]}
    out, lineage = tf.substitute_sentences(d, Draw("s"), paraphrases, rate=1.0)
    assert lineage == {"name": "substitute_sentences", "rate": 1.0, "substituted": [[3, sibling, 2], [5, sibling, 4]]}
    assert out.pieces[3].text == "Paraphrase three." and out.pieces[3].origin == (sibling, 2)
    assert out.pieces[3].gap == d.pieces[3].gap and out.pieces[3].role == d.pieces[3].role
    assert [p for k, p in enumerate(out.pieces) if k not in (3, 5)] == [p for k, p in enumerate(d.pieces) if k not in (3, 5)]
    none, lineage = tf.substitute_sentences(d, Draw("s"), paraphrases, rate=0.0)
    assert none == d and lineage["substituted"] == []


def test_remove_boilerplate_drops_exactly_the_gold_boilerplate() -> None:
    d = SOURCES[DOC3].draft
    out, lineage = tf.remove_boilerplate(d)
    gold = [k for k, p in enumerate(d.pieces) if p.role == "boilerplate"]
    assert lineage == {"name": "remove_boilerplate", "removed": gold} and len(gold) == 11
    assert [p.text for p in out.pieces] == [p.text for p in d.pieces if p.role != "boilerplate"]
    assert "Related" not in out.text() and out.text().startswith(d.pieces[0].text + "\n")


@pytest.mark.parametrize("doc_id", sorted(SOURCES))
def test_truncate_lead_keeps_a_prefix_of_at_least_half(doc_id: str) -> None:
    d = SOURCES[doc_id].draft
    for key in range(10):
        out, lineage = tf.truncate_lead(d, Draw("t", key))
        kept = lineage["kept_paragraphs"]
        assert out.pieces == tuple(p for para in d.paragraphs()[:kept] for p in para)
        assert 2 * len(out.pieces) >= len(d.pieces)
        assert d.text().startswith(out.text().rstrip("\n")) and out.text().endswith("\n")


def test_reorder_moves_a_block_and_keeps_the_title_first() -> None:
    d = SOURCES[DOC0].draft
    before = [tuple(p.text for p in para) for para in d.paragraphs()]
    for key in range(20):
        out, lineage = tf.reorder_paragraphs(d, Draw("r", key))
        moved = lineage["moved"]
        after = [tuple(p.text for p in para) for para in out.paragraphs()]
        assert moved["from"] != moved["to"] and moved["from"] >= 1 and moved["to"] >= 1 and moved["paragraphs"] in (1, 2)
        block = before[moved["from"] : moved["from"] + moved["paragraphs"]]
        rest = before[: moved["from"]] + before[moved["from"] + moved["paragraphs"] :]
        assert after == rest[: moved["to"]] + block + rest[moved["to"] :]
        assert after != before and after[0] == before[0]
        assert out.text().count("\n") == d.text().count("\n")
    one = tf.draft("x", "Title\nOnly paragraph.\n", [(0, 5, "title"), (6, 21, "body")])
    assert tf.reorder_paragraphs(one, Draw("r")) == (one, {"name": "reorder_paragraphs", "moved": None})


def test_add_boilerplate_lines_come_from_the_data_file() -> None:
    lines = tf.boilerplate_lines()
    assert len(lines) == 12 and "Advertisement" in lines
    d = SOURCES[DOC0].draft
    for key in range(6):
        out, lineage = tf.add_boilerplate(d, Draw("b", key))
        added = [lines[i] for i in lineage["lines"]]
        assert 1 <= len(added) <= 3
        paras = ["".join(p.gap + p.text for p in para).strip("\n") for para in out.paragraphs()]
        at = 1 if lineage["position"] == "top" else len(d.paragraphs())
        assert paras[at : at + len(added)] == added
        assert [p for p in out.pieces if p.origin is not None] == list(d.pieces)


def test_typos_edit_letters_inside_long_words_only() -> None:
    text = source_text(DOC0)
    out, lineage = tf.typos(text, Draw("y"), rate=0.2)
    assert lineage["name"] == "typos" and lineage["edits"] > 20
    assert re.sub(r"[A-Za-z]", "", out) == re.sub(r"[A-Za-z]", "", text)  # punctuation, digits, spaces untouched
    old, new = re.findall(r"[A-Za-z]+", text), re.findall(r"[A-Za-z]+", out)
    changed = [(a, b) for a, b in zip(old, new) if a != b]
    assert len(old) == len(new) and 0 < len(changed) <= lineage["edits"]
    assert all(len(a) >= 4 and a[0] == b[0] and a[-1] == b[-1] and abs(len(a) - len(b)) <= 1 for a, b in changed)
    assert tf.typos(text, Draw("y"), rate=0.2) == (out, lineage)


def test_quotes_and_spaces() -> None:
    text = source_text(DOC0)
    out, lineage = tf.quotes_and_spaces(text, Draw("q"), rate=0.1)
    assert lineage["quotes"] == "straightened" and lineage["doubled_spaces"] == out.count("  ") > 0
    straight = text.replace("“", '"').replace("”", '"').replace("‘", "'").replace("’", "'")
    assert re.sub(" +", " ", out) == straight and not re.search("[“”‘’]", out)
    curled, lineage = tf.quotes_and_spaces('He said "yes" and "no".', Draw("q"), rate=0.0)
    assert curled == "He said “yes” and “no”." and lineage["quotes"] == "curled"


def test_rewrap_only_moves_line_breaks() -> None:
    text = source_text(DOC0)
    out, lineage = tf.rewrap(text, Draw("w"))
    width = lineage["width"]
    assert width in (60, 72, 80)
    assert out.replace("\n", " ") == text.replace("\n", " ")
    assert all(len(line) <= width or " " not in line for line in out.split("\n"))
    assert out.count("\n") > text.count("\n")
