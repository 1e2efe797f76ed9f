"""Linking only through the verified registry, by exact alias match; nil slugs otherwise."""

from __future__ import annotations

import pytest

from ceasefire_news.gold.seeds import default_seeds_dir
from ceasefire_news.schema.models import Evidence, Referent
from ceasefire_news.silver.linking import Linker, name_aliases, nil_slug, read_registry


@pytest.fixture(scope="module")
def linker() -> Linker:
    return Linker.from_referents(read_registry(default_seeds_dir() / "annotations" / "entity_registry.jsonl"))


@pytest.mark.parametrize(
    ("text", "label", "expected"),
    [
        ("Donald Trump", "PERSON", ("Q22686", "Q22686")),
        ("Trump", "PERSON", ("Q22686", "Q22686")),  # unique surname of a registered name
        ("Trump", "ORG", (None, "nil:trump")),  # the surname rule is for PERSON mentions only
        ("U.S.", "GPE", ("Q30", "Q30")),  # variant -> "United States"
        ("Russian", "NORP", ("Q159", "Q159")),  # nationality adjective -> country (K-2)
        ("Russian", "PERSON", (None, "nil:russian")),
        ("Washington", "GPE", ("Q61", "Q61")),  # "Washington, D.C." without its qualifier
        ("Kursk Region", "GPE", ("Q3178", "Q3178")),  # "Kursk Oblast"
        ("Guardian", "ORG", ("Q11148", "Q11148")),  # "The Guardian" without "The"
        ("RT.com", "ORG", ("Q22868", "Q22868")),  # web domain -> outlet "RT (TV network)"
        ("Witkoff", "PERSON", (None, "nil:steve-witkoff")),  # a registered referent without a Q-id
        ("Kremlin", "ORG", (None, "nil:moscow-kremlin")),
        ("Zelenskyy  Volodymyr", "PERSON", (None, "nil:zelenskyy-volodymyr")),  # no fuzzy matching
        ("donald trump", "PERSON", (None, "nil:donald-trump")),  # exact: case matters
        ("Sunday", "DATE", (None, None)),  # value types carry no identity (E-13)
        ("90", "CARDINAL", (None, None)),
        ("São Tomé", "GPE", (None, "nil:sao-tome")),
    ],
)
def test_links(linker: Linker, text: str, label: str, expected: tuple) -> None:
    assert linker.link(text, label) == expected


def test_aliases_by_rule() -> None:
    assert name_aliases("RT (TV network)") == {"RT (TV network)", "RT"}
    assert name_aliases("Washington, D.C.") == {"Washington, D.C.", "Washington"}
    assert name_aliases("Kharkiv Oblast") == {"Kharkiv Oblast", "Kharkiv Region", "Kharkiv region"}


def test_an_alias_of_two_referents_links_to_neither() -> None:
    ev = Evidence(source="s", url="https://example.org/s", excerpt="e", label="l")
    refs = [
        Referent(entity_id="Q1", name="John Smith", kb_id="Q1", evidence=ev),
        Referent(entity_id="Q2", name="Jane Smith", kb_id="Q2", evidence=ev),
        Referent(entity_id="nil:georgia", name="Georgia", kb_id=None, evidence=None),
    ]
    linker = Linker.from_referents(refs)
    assert linker.link("Smith", "PERSON") == (None, "nil:smith")
    assert linker.link("John Smith", "PERSON") == ("Q1", "Q1")
    assert linker.link("Georgia", "GPE") == (None, "nil:georgia")


def test_every_kb_id_comes_from_the_registry(linker: Linker) -> None:
    registered = {r.kb_id for r in read_registry(default_seeds_dir() / "annotations" / "entity_registry.jsonl")}
    assert {kb for _, kb in linker.by_alias.values()} <= registered
    assert nil_slug("  Ünïcode—Name ") == "nil:unicode-name"
