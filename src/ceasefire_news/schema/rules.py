"""Label sets, id patterns and the field rules of the table records, without pydantic.

models.py declares the records with pydantic and takes every constant from here, so code that
only needs a label set or a pattern (and `validate` on its success path) does not import pydantic
(about 0.2 CPU-seconds of start-up with the models built). `RULES` restates, per record model of
a table `validate` reads back, what its pydantic fields accept beyond their Arrow type;
tests/schema/test_rules.py checks it against the models' fields and checks that `columns_valid`
accepts exactly the rows the models accept.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: Segment roles, in ClassLabel order (ANNOTATION_GUIDELINES.md section 1).
ROLES: tuple[str, ...] = ("title", "heading", "body", "list_item", "boilerplate")

#: The 18 OntoNotes 5 entity types, in ClassLabel order (section 2).
ENTITY_LABELS: tuple[str, ...] = (
    "PERSON",
    "NORP",
    "FAC",
    "ORG",
    "GPE",
    "LOC",
    "PRODUCT",
    "EVENT",
    "WORK_OF_ART",
    "LAW",
    "LANGUAGE",
    "DATE",
    "TIME",
    "PERCENT",
    "MONEY",
    "QUANTITY",
    "ORDINAL",
    "CARDINAL",
)

#: Types that name a thing and may carry a Wikidata link and a cross-document entity_id.
NAME_LABELS: frozenset[str] = frozenset(ENTITY_LABELS[:11])

#: IOB2 tags over the 18 types, in ClassLabel order: O, B-PERSON, I-PERSON, ...
NER_TAGS: tuple[str, ...] = ("O",) + tuple(f"{p}-{lab}" for lab in ENTITY_LABELS for p in ("B", "I"))

#: Duplicate-group levels, finest first (guidelines section 4).
GROUP_LEVELS: tuple[str, ...] = ("near_duplicate", "event", "topic")

#: Pair relations, in ClassLabel order (coarsest first).
RELATIONS: tuple[str, ...] = ("unrelated", "same_topic", "same_event", "near_duplicate")

#: Cross-document segment links that are written down, in ClassLabel order (guidelines section 3).
ALIGNMENT_RELATIONS: tuple[str, ...] = ("equivalent", "partial")

#: Label of every cross-document segment pair, in ClassLabel order: unrelated is derived (not written).
PAIR_LABELS: tuple[str, ...] = ("unrelated", "partial", "equivalent")

DOC_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
KB_ID_PATTERN = r"^Q[1-9][0-9]*$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
URL_PATTERN = r"^https?://\S+$"
REPOSITORY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9_.-]+$"
REPO_PATH_PATTERN = r"^[^/\s][^\n]*[^/\s]$|^[^/\s]$"
COMMIT_PATTERN = r"^[0-9a-f]{40}$"


@dataclass(frozen=True)
class Rule:
    """What one field of a record accepts beyond its Arrow type (the pydantic Field's constraints)."""

    nullable: bool = False
    pattern: str | None = None
    ge: int | None = None
    min_length: int | None = None
    choices: tuple[str, ...] | None = None


_DOC_ID = Rule(pattern=DOC_ID_PATTERN)
_NAME = Rule(min_length=1)
_POSITION = Rule(ge=0)
_SPAN = {"doc_id": _DOC_ID, "start": Rule(ge=0), "end": Rule(ge=1), "text": _NAME}

#: Field rules of the record model of every table `validate` reads back as records (by model name).
RULES: dict[str, dict[str, Rule]] = {
    "Document": {
        "doc_id": _DOC_ID,
        "text": _NAME,
        "title": Rule(nullable=True),
        "sha256": Rule(pattern=SHA256_PATTERN),
        "num_chars": Rule(ge=1),
        "num_sentences": _POSITION,
    },
    "Sentence": {**_SPAN, "index": _POSITION, "role": Rule(choices=ROLES)},
    "Mention": {
        **_SPAN,
        "label": Rule(choices=ENTITY_LABELS),
        "kb_id": Rule(nullable=True, pattern=KB_ID_PATTERN),
        "entity_id": Rule(nullable=True, min_length=1),
        "mention_id": _NAME,
        "sentence_index": _POSITION,
    },
    "DuplicateGroups": {"doc_id": _DOC_ID, "near_duplicate": _NAME, "event": _NAME, "topic": _NAME},
    "Alignment": {
        "doc_a": _DOC_ID,
        "index_a": _POSITION,
        "doc_b": _DOC_ID,
        "index_b": _POSITION,
        "relation": Rule(choices=ALIGNMENT_RELATIONS),
        "text_a": _NAME,
        "text_b": _NAME,
    },
}
#: Models with the Span validator: end > start and the text as long as the span.
SPAN_MODELS = frozenset({"Sentence", "Mention"})


def _values_valid(values: Sequence, rule: Rule) -> bool:
    """Whether every value of one column satisfies its rule (values already of the column's Python type)."""
    if not rule.nullable and None in values:
        return False
    present = [v for v in values if v is not None] if rule.nullable else values
    if rule.pattern is not None:
        # fullmatch: pydantic's (Rust) `$` matches only at the very end, Python's also before a final "\n".
        if not all(map(re.compile(rule.pattern).fullmatch, present)):
            return False
    if rule.ge is not None and present and min(present) < rule.ge:
        return False
    if rule.min_length is not None and any(len(v) < rule.min_length for v in present):
        return False
    return rule.choices is None or set(present) <= set(rule.choices)


def columns_valid(model: str, columns: Mapping[str, Sequence]) -> bool:
    """Whether every row of a table (its columns as Python lists, of the declared Arrow types) is a valid `model` record.

    Decides what `model.model_validate(row)` decides for every row at once, one pass per column;
    False also for a model without rules here, so the caller asks pydantic, which words the problem.
    """
    rules = RULES.get(model)
    if rules is None or set(rules) != set(columns):
        return False
    if not all(_values_valid(columns[name], rule) for name, rule in rules.items()):
        return False
    if model in SPAN_MODELS:
        return all(end > start and len(text) == end - start for start, end, text in zip(columns["start"], columns["end"], columns["text"]))
    return True
