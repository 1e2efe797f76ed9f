"""Cross-document entity coreference baselines over the gold mentions (task `entity_coreference`).

The task clusters the gold mentions that have a cross-document referent (`entity_id` not null;
dates, times and numbers have none) so that mentions of one referent share a cluster, across all
documents. Each method predicts one record {"doc_id", "start", "end", "cluster"} per such mention.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .spans import Gazetteer, default_gazetteer
from .text import Rows, label_name

COREFERENCE_TASK = "entity_coreference"

Predictions = dict[str, list[dict[str, Any]]]
MentionKey = tuple[str, int, int]


def coreference_mentions(entities: Rows) -> list[dict[str, Any]]:
    """The gold mentions the task clusters (entity_id not null), in (doc_id, start, end) order, labels as names."""
    rows = [dict(r, label=label_name(r["label"])) for r in entities if r.get("entity_id")]
    return sorted(rows, key=lambda r: (r["doc_id"], r["start"], r["end"]))


def cluster_records(mentions: list[dict[str, Any]], cluster: Mapping[MentionKey, str]) -> list[dict[str, Any]]:
    """Records {"doc_id","start","end","cluster"} in mention order."""
    return [
        {"doc_id": m["doc_id"], "start": m["start"], "end": m["end"], "cluster": cluster[(m["doc_id"], m["start"], m["end"])]}
        for m in mentions
    ]


def _key(m: Mapping[str, Any]) -> MentionKey:
    return (m["doc_id"], m["start"], m["end"])


def coref_singletons(entities: Rows) -> Predictions:
    """Every mention alone."""
    ms = coreference_mentions(entities)
    return {COREFERENCE_TASK: cluster_records(ms, {_key(m): f"{m['doc_id']}:{m['start']}-{m['end']}" for m in ms})}


def coref_all_in_one(entities: Rows) -> Predictions:
    """Every mention in one cluster."""
    ms = coreference_mentions(entities)
    return {COREFERENCE_TASK: cluster_records(ms, {_key(m): "all" for m in ms})}


def coref_all_in_one_per_type(entities: Rows) -> Predictions:
    """One cluster per entity type: all PERSON mentions together, all GPE mentions together, ..."""
    ms = coreference_mentions(entities)
    return {COREFERENCE_TASK: cluster_records(ms, {_key(m): m["label"] for m in ms})}


def surface(text: str) -> str:
    """A mention's text with runs of whitespace collapsed to one space (line breaks inside names)."""
    return " ".join(text.split())


def coref_exact_string(entities: Rows) -> Predictions:
    """Mentions with the same surface string (case-sensitive, whitespace collapsed) corefer."""
    ms = coreference_mentions(entities)
    return {COREFERENCE_TASK: cluster_records(ms, {_key(m): f"text:{surface(m['text'])}" for m in ms})}


def coref_gazetteer(entities: Rows, gazetteer: Gazetteer | None = None) -> Predictions:
    """Mentions whose surface the gazetteer links to one Wikidata item corefer ("Trump" and "Donald Trump");
    other mentions fall back to exact string match."""
    gaz = gazetteer if gazetteer is not None else default_gazetteer()
    lookup = gaz.lookup
    ms = coreference_mentions(entities)
    cluster = {}
    for m in ms:
        kb = lookup.get(surface(m["text"]), (None, None))[1]
        cluster[_key(m)] = f"kb:{kb}" if kb else f"text:{surface(m['text'])}"
    return {COREFERENCE_TASK: cluster_records(ms, cluster)}
