"""The entity layer: gold counts and records, Wikidata-link rules, the IOB2 view and its round trip."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import datasets
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

import ceasefire_news
from ceasefire_news import DatasetError, build
from ceasefire_news.cli import main
from ceasefire_news.gold.entities import decode_iob2, tokenize
from ceasefire_news.schema.models import NER_TAGS, Evidence, NerRow, Referent
from ceasefire_news.gold.seeds import default_seeds_dir

from ..helpers import assert_build_fails_located, edit_jsonl
from ..dataset.test_build import rows

DOC4 = "004_8a3745de7e51fef9"


def test_exact_counts(built: Path) -> None:
    mentions = rows(built, "entities")
    assert len(mentions) == 449
    assert Counter(m["label"] for m in mentions) == {
        "GPE": 166, "PERSON": 132, "NORP": 49, "DATE": 41, "CARDINAL": 23, "ORG": 22,
        "TIME": 5, "ORDINAL": 5, "PRODUCT": 3, "LOC": 2, "WORK_OF_ART": 1,
    }
    assert Counter(m["doc_id"] for m in mentions) == {
        "000_a604801cb8896bbe": 73, "001_962f232c241942aa": 89, "002_1326406fc45ba7b4": 84,
        "003_dbbfab3a559acc3c": 142, DOC4: 61,
    }
    assert sum(1 for m in mentions if m["kb_id"]) == 318
    assert len({m["entity_id"] for m in mentions if m["entity_id"]}) == 48


def test_golden_mentions(built: Path) -> None:
    mentions = {(m["doc_id"], m["text"], m["start"]): m for m in rows(built, "entities")}
    doc4 = [m for m in rows(built, "entities") if m["doc_id"] == DOC4]
    kremlin = next(m for m in doc4 if m["text"] == "Kremlin")
    assert kremlin == {
        "doc_id": DOC4, "start": 797, "end": 804, "text": "Kremlin", "label": "ORG",
        "kb_id": None, "entity_id": "nil:moscow-kremlin", "mention_id": f"{DOC4}:797-804", "sentence_index": 5,
    }
    peskov = doc4[doc4.index(kremlin) + 1]
    assert (peskov["text"], peskov["label"], peskov["entity_id"]) == ("Dmitry Peskov", "PERSON", "nil:dmitry-peskov")
    vance = next(m for m in doc4 if m["text"] == "J.D. Vance")
    assert (vance["label"], vance["kb_id"], vance["entity_id"]) == ("PERSON", "Q28935729", "Q28935729")
    time = [m["text"] for m in doc4 if m["label"] == "TIME"]
    assert time == ["5 p.m. Moscow time", "10:00 a.m. Eastern Time"]
    # Compound modifiers split: [U.S.]-[Russia] summit (000), possessive outside: [Trump]’s envoy.
    doc0 = [m for m in rows(built, "entities") if m["doc_id"] == "000_a604801cb8896bbe"]
    us = next(i for i, m in enumerate(doc0) if m["text"] == "U.S." and doc0[i + 1]["text"] == "Russia" and doc0[i + 1]["start"] == m["end"] + 1)
    assert doc0[us + 1]["kb_id"] == "Q159"
    assert ("000_a604801cb8896bbe", "Trump", 583) in mentions
    assert mentions[("000_a604801cb8896bbe", "Trump", 583)]["label"] == "PERSON"


def test_one_referent_one_entity_id(built: Path) -> None:
    by_text = {}
    for m in rows(built, "entities"):
        if m["text"] in ("Trump", "Donald Trump", "Putin", "Vladimir Putin", "Zelensky", "Zelenskyy", "Volodymyr Zelensky", "Volodymyr Zelenskyy"):
            by_text.setdefault(m["text"].split()[-1].rstrip("y"), set()).add(m["entity_id"])
    assert by_text == {"Trump": {"Q22686"}, "Putin": {"Q7747"}, "Zelensk": {"Q3874799"}}


def _registry() -> dict[str, dict]:
    path = default_seeds_dir() / "annotations" / "entity_registry.jsonl"
    return {e["entity_id"]: e for e in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


def test_every_kb_id_has_registry_evidence_a_reader_can_open(built: Path) -> None:
    registry = _registry()
    for m in rows(built, "entities"):
        if m["kb_id"]:
            evidence = registry[m["entity_id"]]["evidence"]
            assert evidence["url"] if "url" in evidence else evidence["repository"] and evidence["path"], m
            assert m["kb_id"] in evidence["excerpt"] or f",{m['kb_id'][1:]}" in evidence["excerpt"], m
            assert "find_string" not in evidence["source"] and "index" not in evidence["source"], m


def test_registry_counts_and_nil_referents_say_why() -> None:
    registry = _registry()
    linked = {e for e, r in registry.items() if r["kb_id"]}
    assert (len(registry), len(linked)) == (48, 30)
    assert "Q55386653" in linked  # Mike Waltz: newly linked through the congress-legislators register
    assert {"nil:cnn", "nil:istanbul", "nil:western-world"} <= set(registry)  # links dropped: no source to open
    for entity_id, entry in registry.items():
        if entry["kb_id"] is None:
            assert entry["evidence"] is None and "K-1" in entry["note"], entity_id
    sources = Counter(r["evidence"]["repository"] for r in registry.values() if r["evidence"])
    assert sources["usc-isi-i2/t2wml"] == 11 and sources["SpocWiki/_Standards"] == 8


def _without_locator(records: list[dict]) -> None:
    evidence = records[0]["evidence"]
    for key in ("url", "repository", "path", "commit"):
        evidence.pop(key, None)
    evidence["source"] = "public-code index, find_string hit 44220626126"


REGISTRY_BAD = {
    "no url and no repository path": (_without_locator, ["entity_registry.jsonl:1", "field 'evidence'", "url or a repository and path"]),
    "repository without path": (lambda r: r[0]["evidence"].pop("path"), ["entity_registry.jsonl:1", "field 'evidence'", "repository and path go together"]),
    "malformed commit": (lambda r: r[0]["evidence"].update(commit="HEAD"), ["entity_registry.jsonl:1", "field 'evidence.commit'", "pattern"]),
    "url that is not one": (lambda r: r[0]["evidence"].update(url="wikidata Q11148"), ["entity_registry.jsonl:1", "field 'evidence.url'"]),
    "evidence left out": (lambda r: r[0].pop("evidence"), ["entity_registry.jsonl:1", "field 'evidence'", "Field required"]),
    "evidence on a nil referent": (lambda r: r[-1].update(evidence=r[0]["evidence"]), ["entity_registry.jsonl:48", "takes no evidence"]),
}


@pytest.mark.parametrize("case", list(REGISTRY_BAD))
def test_bad_registry_evidence_is_located(case: str, seeds_copy: Path, tmp_path: Path) -> None:
    change, fragments = REGISTRY_BAD[case]
    edit_jsonl(seeds_copy / "annotations" / "entity_registry.jsonl", change)
    assert_build_fails_located(seeds_copy, tmp_path / "out", fragments)


def test_evidence_opens_at_a_url_or_a_repository_file() -> None:
    base = {"source": "a mapping file", "excerpt": "'Q22686': 'Donald Trump',", "label": "Donald Trump"}
    pinned = Evidence(**base, repository="o/r", path="a/b.py", commit="0" * 40)
    assert pinned.locator() == f"https://github.com/o/r/blob/{'0' * 40}/a/b.py"
    assert Evidence(**base, repository="o/r", path="a/b.py").locator() == "https://github.com/o/r/blob/HEAD/a/b.py"
    assert Evidence(**base, url="https://example.org/x").locator() == "https://example.org/x"
    for bad in ({}, {"path": "a/b.py"}, {"commit": "0" * 40, "url": "https://example.org/x"}):
        with pytest.raises(ValidationError):
            Evidence(**base, **bad)


def test_ner_round_trip_gives_the_entities_table(built: Path) -> None:
    ner = [NerRow.model_validate(r) for r in rows(built, "ner")]
    assert len(ner) == 150
    decoded = sorted(span for row in ner for span in decode_iob2(row))
    gold = sorted((m["doc_id"], m["start"], m["end"], m["label"]) for m in rows(built, "entities"))
    assert decoded == gold
    for row in ner:
        assert len(row.tokens) == len(row.token_starts) == len(row.token_ends) == len(row.ner_tags)
        prev = "O"
        for tag in row.ner_tags:
            assert not tag.startswith("I-") or prev[2:] == tag[2:], row  # well-formed IOB2
            prev = tag


def test_ner_loads_for_token_classification(built: Path) -> None:
    ds = ceasefire_news.load("ner", data_dir=built)
    tags = ds.features["ner_tags"]
    assert isinstance(tags, datasets.List) and isinstance(tags.feature, datasets.ClassLabel)
    assert tags.feature.names == list(NER_TAGS) and len(NER_TAGS) == 37
    first = ds[1]
    assert first["tokens"][:4] == ["U.S.", "President", "Donald", "Trump"]
    assert [tags.feature.int2str(t) for t in first["ner_tags"][:4]] == ["B-GPE", "O", "B-PERSON", "I-PERSON"]
    entities = datasets.load_dataset(str(built), "entities", split="test")
    assert isinstance(entities.features["label"], datasets.ClassLabel)


def test_tokenizer_splits_at_mention_edges() -> None:
    text = "last month’s U.S.-Russia summit at 10:00 a.m. on RT.com."
    spans = tokenize(text, 0, len(text))
    assert [text[a:b] for a, b in spans] == [
        "last", "month", "’s", "U.S.", "-", "Russia", "summit", "at", "10:00", "a.m.", "on", "RT.com", ".",
    ]
    assert [text[a:b] for a, b in tokenize(text, 0, 9, cuts=[7])] == ["last", "mo", "nt"]


@given(st.text(alphabet="ab .,’'-\n", max_size=40), st.lists(st.integers(0, 40), max_size=6))
def test_tokenizer_covers_text_and_honours_cuts(text: str, cuts: list[int]) -> None:
    spans = tokenize(text, 0, len(text), cuts)
    covered = set()
    for a, b in spans:
        assert a < b and text[a:b].strip() == text[a:b]
        covered.update(range(a, b))
    assert covered == {i for i, ch in enumerate(text) if not ch.isspace()}
    edges = {a for a, _ in spans} | {b for _, b in spans}
    for c in cuts:
        if 0 < c < len(text) and not text[c - 1].isspace() and not text[c].isspace():
            assert c in edges


def edit_mentions(seeds: Path, doc: str, change) -> None:
    edit_jsonl(seeds / "annotations" / "entities" / f"{doc}.jsonl", change)


def _nested(records: list[dict]) -> None:
    # "Donald Trump" (PERSON) gets a second, nested mention "Trump".
    full = next(r for r in records if r["text"] == "Donald Trump")
    records.append(dict(full, start=full["start"] + 7, text="Trump"))


def _crossing(records: list[dict]) -> None:
    text = (default_seeds_dir() / "articles" / f"{DOC4}.txt").read_text(encoding="utf-8")
    end = text.index("This effort")  # "... in Ukraine. This" crosses a sentence boundary
    records[:] = [r for r in records if not (r["start"] < end + 4 and r["end"] > end - 9)]
    records.append({"doc_id": DOC4, "start": end - 9, "end": end + 4, "text": text[end - 9 : end + 4], "label": "GPE", "kb_id": None, "entity_id": "nil:x"})


BAD = {
    "overlap": (_nested, ["field 'start'", "overlaps or nests"]),
    "unknown label": (lambda r: r[0].update(label="COUNTRY"), [f"{DOC4}.jsonl:1", "field 'label'", "'COUNTRY'"]),
    "malformed kb_id": (lambda r: r[0].update(kb_id="Q030", entity_id="Q030"), [f"{DOC4}.jsonl:1", "field 'kb_id'", "pattern"]),
    "crossing a segment": (_crossing, ["field 'end'", "not inside exactly one segment"]),
    "conflicting entity_id": (lambda r: r[0].update(entity_id="Q159"), [f"{DOC4}.jsonl:1", "field 'entity_id'", "must equal kb_id 'Q30'"]),
    "kb_id differs from registry": (lambda r: r[0].update(kb_id="Q159", entity_id="Q30"), [f"{DOC4}.jsonl:1", "entity_id"]),
    "value type with a link": (lambda r: next(x for x in r if x["label"] == "DATE").update(entity_id="nil:monday"), ["field 'entity_id'", "DATE mentions take no entity_id"]),
    "unregistered referent": (lambda r: r[0].update(kb_id=None, entity_id="nil:somewhere"), [f"{DOC4}.jsonl:1", "not in entity_registry.jsonl"]),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_mentions_are_located(case: str, seeds_copy: Path, tmp_path: Path) -> None:
    change, fragments = BAD[case]
    edit_mentions(seeds_copy, DOC4, change)
    assert_build_fails_located(seeds_copy, tmp_path / "out", fragments)


def test_one_entity_id_with_two_kb_ids_is_rejected(seeds_copy: Path, tmp_path: Path) -> None:
    registry = seeds_copy / "annotations" / "entity_registry.jsonl"
    edit_mentions(seeds_copy, DOC4, lambda r: r[0].update(kb_id="Q30", entity_id="Q30"))
    edit_mentions(seeds_copy, "003_dbbfab3a559acc3c", lambda r: r[0].update(kb_id="Q30", entity_id="Q22686"))
    with pytest.raises(DatasetError) as err:
        build(seeds_copy, tmp_path / "out")
    assert any("must equal kb_id" in str(p) for p in err.value.problems)
    assert registry.exists()


def test_show_marks_mentions(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", DOC4, "--data", str(built)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 20
    assert out[0].startswith("  0 body        [U.S.|GPE] President [Donald Trump|PERSON] is scheduled")
    assert "[Kremlin|ORG] Spokesperson [Dmitry Peskov|PERSON]" in "\n".join(out)
    assert main(["show", "nope", "--data", str(built)]) == 1


def test_readme_registry_examples_are_valid_lines_of_the_registry() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### The entity registry", 1)[1].split("\n## ", 1)[0]
    examples = [block.split("\n", 1)[1].strip() for block in section.split("```json")[1:]]
    examples = [e.split("```", 1)[0].strip() for e in examples]
    assert len(examples) == 2
    registry = _registry()
    for line in examples:
        referent = Referent.model_validate_json(line)
        assert json.loads(line) == registry[referent.entity_id]
