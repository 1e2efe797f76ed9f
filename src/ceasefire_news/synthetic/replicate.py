"""Replicas of an annotated seeds directory with renamed doc_ids: gold corpora of any size for scale tests."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from ..gold.seeds import (
    ANNOTATIONS_DIR,
    ARTICLES_DIR,
    DOC_LAYERS,
    GROUPS_FILE,
    REGISTRY_FILE,
    default_seeds_dir,
)


def replica_id(replica: int, doc_id: str) -> str:
    """The doc_id of a document's copy in replica number `replica` (r00000_<doc_id>, ...)."""
    return f"r{replica:05d}_{doc_id}"


def _jsonl(records: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def replicate_seeds(n_docs: int, out_dir: Path | str, seeds_dir: Path | str | None = None) -> Path:
    """Write a seeds directory of n_docs annotated documents: copies of the seeds, doc_ids renamed.

    Copy k of document d is `r<k>_<d>` (replicas in order, documents cycled until n_docs).
    Texts, segments and mentions are unchanged apart from doc_id; entity ids and the registry
    are shared (same referents); every duplicate group id gets the suffix `@r<k>`, so each
    replica is its own set of groups and the pair relations of one replica repeat those of the
    seeds, with every pair across replicas `unrelated`. Independent annotations (agreement/) are
    not copied. out_dir must not exist.
    """
    src = Path(seeds_dir) if seeds_dir is not None else default_seeds_dir()
    out = Path(out_dir)
    doc_ids = sorted(p.stem for p in (src / ARTICLES_DIR).glob("*.txt"))
    if not doc_ids:
        raise ValueError(f"{src / ARTICLES_DIR}: no *.txt articles to replicate")
    if n_docs < 1:
        raise ValueError(f"n_docs must be at least 1, got {n_docs}")
    (out / ARTICLES_DIR).mkdir(parents=True)
    for layer in DOC_LAYERS:
        (out / ANNOTATIONS_DIR / layer).mkdir(parents=True)
    layers = {
        layer: {d: (src / ANNOTATIONS_DIR / layer / f"{d}.jsonl").read_text(encoding="utf-8").splitlines() for d in doc_ids}
        for layer in DOC_LAYERS
    }
    groups = {
        g["doc_id"]: g
        for g in map(json.loads, (src / ANNOTATIONS_DIR / GROUPS_FILE).read_text(encoding="utf-8").splitlines())
    }
    group_rows = []
    for n in range(n_docs):
        replica, doc_id = divmod(n, len(doc_ids))
        doc_id = doc_ids[doc_id]
        new_id = replica_id(replica, doc_id)
        shutil.copyfile(src / ARTICLES_DIR / f"{doc_id}.txt", out / ARTICLES_DIR / f"{new_id}.txt")
        for layer, lines in layers.items():
            records = [{**json.loads(line), "doc_id": new_id} for line in lines[doc_id]]
            (out / ANNOTATIONS_DIR / layer / f"{new_id}.jsonl").write_text(_jsonl(records), encoding="utf-8")
        g = groups[doc_id]
        group_rows.append(
            {"doc_id": new_id, **{k: f"{v}@r{replica:05d}" for k, v in g.items() if k != "doc_id"}}
        )
    (out / ANNOTATIONS_DIR / GROUPS_FILE).write_text(_jsonl(group_rows), encoding="utf-8")
    shutil.copyfile(src / ANNOTATIONS_DIR / REGISTRY_FILE, out / ANNOTATIONS_DIR / REGISTRY_FILE)
    return out
