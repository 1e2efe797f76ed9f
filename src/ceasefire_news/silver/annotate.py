"""One batch through every per-document stage: raw articles in, one annotated row per document out.

`annotate_batch` is the only function an engine runs. It takes an Arrow table of raw articles
(doc_id, text, sha256) and a `Plan` (which layers to make, which gold layers to keep) and returns
one row per document: the `documents` columns plus the document's segments, mentions, `ner` rows
and grouping sketch as nested list columns. One row per document in, one out, is the shape Ray
Data's map_batches and a process pool both handle; `unpack` turns the rows back into flat tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .linking import Linker

#: Nested layers of an annotated row, each a flat table with a doc_id column before packing.
LAYERS = ("sentences", "entities", "ner", "sentence_embeddings", "sketch")
DOCUMENT_COLUMNS = ("doc_id", "text", "title", "sha256", "num_chars", "num_sentences")


@dataclass(frozen=True)
class Plan:
    """What the per-document stages do; pickled to every worker, so it holds plain data only."""

    ner_mode: str | None  # "model" or "rules"; None when the entities are gold
    linker: Linker | None
    gold_sentences: pa.Table | None = None  # the sentences table's columns, when the layer is gold
    gold_entities: pa.Table | None = None  # the entities table's columns, when the layer is gold
    sketch: bool = True  # False when the duplicate groups are gold
    embeddings: bool = False  # the optional sentence-embedding stage (silver/embeddings.py)


def _subset(table: pa.Table | None, doc_ids: pa.Array) -> pa.Table | None:
    if table is None:
        return None
    return table.filter(pc.is_in(table.column("doc_id"), value_set=doc_ids))


def annotate_batch(raw: pa.Table, plan: Plan) -> pa.Table:
    """Stage composition for one batch: segments, entities and ner, grouping sketch; packed per document."""
    from .entities import entity_batch, ner_from_mentions
    from .grouping import sketch_batch
    from .segmenting import segment_batch

    doc_ids = raw.column("doc_id").combine_chunks()
    sentences = _subset(plan.gold_sentences, doc_ids)
    if sentences is None:
        sentences = segment_batch(raw)
    gold_entities = _subset(plan.gold_entities, doc_ids)
    if gold_entities is None:
        assert plan.ner_mode is not None and plan.linker is not None
        entities, ner = entity_batch(raw, sentences, plan.ner_mode, plan.linker)
    else:
        entities = gold_entities
        ner = ner_from_mentions(raw, sentences, entities)
    layers = {"sentences": sentences, "entities": entities, "ner": ner}
    if plan.embeddings:
        from .embeddings import embed_batch

        layers["sentence_embeddings"] = embed_batch(sentences)
    if plan.sketch:
        layers["sketch"] = sketch_batch(raw)
    return pack(documents_columns(raw, sentences), layers)


def documents_columns(raw: pa.Table, sentences: pa.Table) -> pa.Table:
    """The `documents` columns: text and checksum from the input, title and segment count from the segments."""
    doc_ids = raw.column("doc_id").combine_chunks()
    position = pc.index_in(sentences.column("doc_id"), value_set=doc_ids).to_numpy(zero_copy_only=False)
    counts = np.bincount(position, minlength=len(doc_ids)) if len(position) else np.zeros(len(doc_ids), dtype=np.int64)
    is_title = pc.and_(pc.equal(sentences.column("index"), 0), pc.equal(sentences.column("role"), "title"))
    titles = sentences.filter(is_title)
    title_at = pc.index_in(doc_ids, value_set=titles.column("doc_id"))
    texts = raw.column("text").combine_chunks()
    return pa.table(
        {
            "doc_id": doc_ids,
            "text": texts,
            "title": pc.take(titles.column("text"), title_at),
            "sha256": raw.column("sha256").combine_chunks(),
            "num_chars": pc.cast(pc.utf8_length(texts), pa.int32()),
            "num_sentences": pa.array(counts, pa.int32()),
        }
    )


def pack(documents: pa.Table, layers: dict[str, pa.Table]) -> pa.Table:
    """One row per document: its documents columns and each layer's rows as a list of structs."""
    doc_ids = documents.column("doc_id").combine_chunks()
    columns = {name: documents.column(name) for name in documents.column_names}
    for name, layer in layers.items():
        position = pc.index_in(layer.column("doc_id"), value_set=doc_ids)
        order = pc.sort_indices(pa.table({"p": position}), sort_keys=[("p", "ascending")])  # stable
        rows = layer.take(order).drop_columns(["doc_id"])
        counts = np.bincount(position.to_numpy(zero_copy_only=False), minlength=len(doc_ids)) if layer.num_rows else np.zeros(len(doc_ids), dtype=np.int64)
        offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]).astype(np.int32))
        struct = pa.StructArray.from_arrays(
            [rows.column(c).combine_chunks() for c in rows.column_names], fields=list(rows.schema)
        )
        columns[name] = pa.ListArray.from_arrays(offsets, struct)
    return pa.table(columns)


def unpack(packed: pa.Table) -> dict[str, pa.Table]:
    """The flat tables of packed rows: documents, and each nested layer with its doc_id restored."""
    out = {"documents": packed.select(list(DOCUMENT_COLUMNS))}
    doc_ids = packed.column("doc_id")
    for name in LAYERS:
        if name not in packed.column_names:
            continue
        nested = packed.column(name).combine_chunks()
        values = nested.flatten()
        parents = pc.list_parent_indices(nested)
        table = pa.Table.from_struct_array(values) if len(values) else pa.Table.from_batches([], schema=pa.schema(list(nested.type.value_type)))
        out[name] = table.add_column(0, "doc_id", pc.take(doc_ids, parents) if len(values) else pa.array([], pa.string()))
    return out
