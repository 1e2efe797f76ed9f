"""Silver linking: a mention gets a Wikidata id only through the verified registry, by exact alias match.

The registry (seeds/annotations/entity_registry.jsonl, or the input's own) lists referents with
their canonical name, an entity_id and a kb_id backed by evidence. Aliases are made from each
canonical name by fixed rules (the name itself; without a parenthetical or comma qualifier; without a
leading "The"; "<X> Region" for "<X> Oblast"; and, for PERSON mentions, the surname when exactly one
registered name ends in it), and a data file (silver/data/linking.json) maps common surface variants
(U.S. -> United States, Kiev -> Kyiv) and nationality adjectives (Russian -> Russia, rule K-2) to
names. A match must be exact (after collapsing whitespace); otherwise the mention is unlinked and its
entity_id is a normalised `nil:` slug of its text. Nothing is ever guessed: no fuzzy matching, no
popularity prior.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..schema.models import NAME_LABELS, Referent

METHOD = "registry-exact-alias"
_WEBSITE = re.compile(r"(.+?)\.(?:com|org|net|co\.uk|news|tv)")
VERSION = "1"


def nil_slug(text: str) -> str:
    """The `nil:` entity_id of an unlinked name: ASCII-folded, lower-case, non-alphanumerics as '-'."""
    spaced = re.sub(r"[\W_]+", " ", text)  # punctuation (any script) separates words before folding
    folded = unicodedata.normalize("NFKD", spaced).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")
    return f"nil:{slug or 'x'}"


def _norm(text: str) -> str:
    return " ".join(text.split())


def name_aliases(name: str) -> set[str]:
    """Aliases of a registered canonical name by the fixed rules (the name included)."""
    out = {name}
    bare = re.sub(r"\s*\([^)]*\)\s*$", "", name)  # "RT (TV network)" -> "RT"
    out.add(bare)
    out.add(bare.split(",")[0].strip())  # "Washington, D.C." -> "Washington"
    if bare.startswith("The "):
        out.add(bare[4:])  # "The Guardian" -> "Guardian"
    if bare.endswith(" Oblast"):
        stem = bare[: -len(" Oblast")]
        out.update({f"{stem} Region", f"{stem} region", f"{stem} Oblast"})
    return {_norm(a) for a in out if a}


@lru_cache(maxsize=1)
def _surface_tables() -> tuple[dict[str, str], dict[str, str]]:
    raw = json.loads(resources.files(__package__).joinpath("data/linking.json").read_text(encoding="utf-8"))
    return raw["variants"], raw["demonyms"]


@dataclass(frozen=True)
class Linker:
    """Exact alias lookup into a verified registry."""

    by_alias: dict[str, tuple[str, str | None]]  # alias -> (entity_id, kb_id); ambiguous aliases removed
    by_surname: dict[str, tuple[str, str | None]]

    @classmethod
    def from_referents(cls, referents: Iterable[Referent]) -> Linker:
        """Index the referents' aliases; an alias shared by two referents links to neither."""
        alias: dict[str, set[tuple[str, str | None]]] = defaultdict(set)
        surname: dict[str, set[tuple[str, str | None]]] = defaultdict(set)
        for ref in referents:
            target = (ref.entity_id, ref.kb_id)
            for a in name_aliases(ref.name):
                alias[a].add(target)
            words = ref.name.split()
            if len(words) >= 2 and "(" not in ref.name and "," not in ref.name:
                surname[words[-1]].add(target)
        unique = lambda table: {k: next(iter(v)) for k, v in table.items() if len(v) == 1}  # noqa: E731
        return cls(unique(alias), unique(surname))

    def link(self, text: str, label: str) -> tuple[str | None, str | None]:
        """(kb_id, entity_id) of a mention: from the registry when an alias matches exactly, else (None, nil slug).

        Numeric and temporal labels carry neither (guidelines E-13).
        """
        if label not in NAME_LABELS:
            return None, None
        surface = _norm(text)
        variants, demonyms = _surface_tables()
        names = [surface]
        if surface in variants:
            names.append(variants[surface])
        if label == "NORP" and surface in demonyms:
            names.append(demonyms[surface])
        site = _WEBSITE.fullmatch(surface)
        if site:
            names.append(site.group(1))  # a website names its outlet: "RT.com" -> "RT"
        for name in names:
            hit = self.by_alias.get(name)
            if hit is not None:
                return hit[1], hit[0]
        if label == "PERSON" and " " not in surface:
            for name in names:
                hit = self.by_surname.get(name)
                if hit is not None:
                    return hit[1], hit[0]
        return None, nil_slug(surface)


def read_registry(path: Path) -> list[Referent]:
    """The verified referents of a registry file (validated; a bad line is a located DatasetError)."""
    from ..errors import ProblemLog
    from ..gold.seeds import read_jsonl

    log = ProblemLog()
    items = read_jsonl(path, Referent, log)
    log.raise_if_any()
    return [i.record for i in items]
