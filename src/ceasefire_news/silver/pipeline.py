"""The silver pipeline: raw articles -> every table, streamed in batches, sharded, validated, written atomically.

Flow:
1. Read the input in batches (silver/reading.py); a seeds folder's gold layers, where present, are
   read and checked first and kept as they are.
2. An engine (engines/) runs `annotate_batch` on every batch: segments, entities + ner, grouping
   sketch. Results come back in input order and are written as shards of SHARD_DOCS documents,
   sorted by key inside each shard; the sketches go to a scratch folder.
3. Corpus-level grouping over the sketches (LSH candidates, exact scores, components).
4. duplicate_groups and pairs shards, the card, LICENSE.md and manifest.json (with each table's
   gold/silver provenance); then the whole directory is validated and swapped into place.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import Located, ProblemLog
from ..schema.models import RELATIONS, DuplicateGroups, Referent
from ..schema.tables import CONFIGS, declared_table
from .annotate import Plan, annotate_batch, unpack
from .progress import Progress, Summary, interactive, peak_memory_mb, release_memory

#: Documents per unit of work. 250 keeps a worker's transient memory (the ner stage holds a few
#: integers per character of its batch) near 50 MB; 1,000 cost the same CPU and 0.4 GiB more peak
#: memory for two workers (docs/performance.md).
DEFAULT_BATCH = 250
#: Tables written per document shard (in this order), and the sketch kept for grouping.
DOC_TABLES = ("documents", "sentences", "entities", "ner")
#: Per-document tables of optional stages, written when the stage is asked for.
OPTIONAL_DOC_TABLES = ("sentence_embeddings",)


#: Modules the silver pipeline needs (the `silver` extra), by import name.
SILVER_MODULES = ("blingfire", "rensa", "spacy", "sklearn")


def require_silver(progress: bool = True, ner: str | None = None) -> None:
    """Raise a DatasetError naming the extra to install when a silver dependency is missing."""
    import importlib.util

    needed = [m for m in SILVER_MODULES if not (m == "spacy" and ner == "none")]
    missing = [m for m in (*needed, *(("tqdm",) if progress else ())) if importlib.util.find_spec(m) is None]
    if missing:
        log = ProblemLog()
        log.add(
            "ceasefire-news[silver]",
            f"building from raw articles needs the optional extra: pip install 'ceasefire-news[silver]' (missing: {', '.join(missing)})",
        )
        log.raise_if_any()


def is_gold_seeds(path: Path) -> bool:
    """True for a seeds folder with every gold layer (then the gold build runs, unchanged)."""
    ann = path / "annotations"
    # exists(), not is_file()/is_dir(): a layer path of the wrong kind (a directory named like a file)
    # goes to the gold build, which reports it, instead of silently becoming silver.
    return (path / "articles").is_dir() and all(
        (ann / name).exists() for name in ("sentences", "entities", "duplicate_groups.jsonl", "entity_registry.jsonl")
    )


@dataclass
class GoldLayers:
    """The gold layers of a partly annotated seeds folder (small by nature: written by hand)."""

    sentences: pa.Table | None = None
    entities: pa.Table | None = None
    groups: list[DuplicateGroups] | None = None
    registry: list[Referent] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def default_registry() -> Path:
    """The project's verified registry, used to link mentions of corpora that bring none."""
    from ..gold.seeds import default_seeds_dir

    return default_seeds_dir() / "annotations" / "entity_registry.jsonl"


def read_gold_layers(source: Path, registry: Path | None) -> GoldLayers:
    """Read and check the gold layers present in a seeds folder; a layer is gold when its file or folder exists."""
    from ..gold.entities import check_identities, check_mentions, check_registry
    from ..gold.groups import check_groups
    from ..gold.seeds import ANNOTATIONS_DIR, GROUPS_FILE, REGISTRY_FILE, read_articles, read_doc_layer, read_jsonl
    from ..gold.segments import check_sentences
    from .entities import ENTITY_COLUMNS
    from .segmenting import SENTENCE_COLUMNS
    from ..schema.models import ENTITY_LABELS, ROLES

    gold = GoldLayers()
    log = ProblemLog()
    ann = source / ANNOTATIONS_DIR
    reg_path = registry if registry is not None else (ann / REGISTRY_FILE if (ann / REGISTRY_FILE).is_file() else default_registry())
    gold.registry = [i.record for i in read_jsonl(reg_path, Referent, log)]
    if reg_path.parent.parent == source:
        gold.files.append(reg_path)
    if not source.is_dir() or not (source / "articles").is_dir() or not ann.is_dir():
        log.raise_if_any()
        return gold
    has = {layer: (ann / layer).is_dir() for layer in ("sentences", "entities")}
    has_groups = (ann / GROUPS_FILE).is_file()
    if not any(has.values()) and not has_groups:
        log.raise_if_any()
        return gold
    articles = read_articles(source, log)
    texts = {d: a.text for d, a in articles.items()}
    if has["entities"] and not has["sentences"]:
        log.add(str(ann / "entities"), "gold entities need gold sentences (mentions are located in segments); add annotations/sentences/ or remove annotations/entities/")
    segments = {}
    if has["sentences"]:
        items, paths = read_doc_layer(source, "sentences", articles, log)
        gold.files += paths
        segments = check_sentences(texts, items, log)
        gold.sentences = _records_table([i.record for i in items], SENTENCE_COLUMNS)
    if has["entities"] and has["sentences"]:
        items, paths = read_doc_layer(source, "entities", articles, log)
        gold.files += paths
        mentions = check_mentions(texts, segments, items, log)
        check_identities(mentions, log)
        check_registry(items, [Located(r, str(reg_path)) for r in gold.registry], log)
        gold.entities = _records_table([m.record for m in mentions], ENTITY_COLUMNS)
    if has_groups:
        path = ann / GROUPS_FILE
        items = read_jsonl(path, DuplicateGroups, log)
        check_groups(texts, items, log)
        gold.groups = [i.record for i in items]
        gold.files.append(path)
    log.raise_if_any()
    return gold


def _records_table(records: list, schema: pa.Schema) -> pa.Table:
    """An Arrow table of a gold layer's records: one column per schema field, read by attribute."""
    return pa.table({f.name: [getattr(r, f.name) for r in records] for f in schema}, schema=schema)


def _guarded(batches: Iterator[pa.Table], log: ProblemLog) -> Iterator[pa.Table]:
    """The reader's batches until its first problem; after that, read on (to report every problem) but yield nothing."""
    for batch in batches:
        if not log.problems:
            yield batch


@dataclass
class _Shards:
    """Per-document results buffered until a shard is full, then written sorted by key."""

    writers: dict
    store: object
    size: int
    buffered: dict[str, list[pa.Table]] = field(default_factory=dict)
    count: int = 0
    doc_ids: list[pa.Array] = field(default_factory=list)
    offsets: list[int] = field(default_factory=lambda: [0])

    def add(self, tables: dict[str, pa.Table]) -> None:
        for name, table in tables.items():
            self.buffered.setdefault(name, []).append(table)
        self.count += tables["documents"].num_rows
        if self.count >= self.size:
            self.flush()

    def flush(self) -> None:
        if not self.count:
            return
        doc_ids = pa.chunked_array([t.column("doc_id") for t in self.buffered["documents"]]).combine_chunks()
        order = pc.sort_indices(doc_ids)
        self.doc_ids.append(pc.take(doc_ids, order))
        self.offsets.append(self.offsets[-1] + len(order))
        # One table at a time, its batches released once written; the writer takes the rows in key
        # order one row group at a time, so no sorted copy of a table is held.
        for name in (*DOC_TABLES, *OPTIONAL_DOC_TABLES):
            parts = self.buffered.pop(name, None)
            if name in self.writers and parts is not None:
                self.writers[name].write(pa.concat_tables(parts, promote_options="default"))
            del parts
        if "sketch" in self.buffered:
            self.store.add(pa.concat_tables(self.buffered.pop("sketch"), promote_options="default").sort_by([("doc_id", "ascending")]))
        self.buffered = {}
        self.count = 0
        release_memory()  # the shard's batches are gone: its pages go back before the next shard fills


def annotate(
    source: Path | str | None = None,
    out_dir: Path | str | None = None,
    *,
    engine: str = "local",
    workers: int | None = None,
    ner: str | None = None,
    registry: Path | str | None = None,
    batch_size: int | None = None,
    shard_docs: int | None = None,
    quiet: bool | None = None,
    embeddings: bool = False,
) -> Path:
    """Build the dataset from raw articles: every layer without a gold file is made by the silver pipeline.

    `source` is a folder of .txt files (doc_id = file stem), a seeds folder (articles/ plus any gold
    layers under annotations/), or a JSON Lines / Parquet file of doc_id and text. A seeds folder with
    every gold layer is built by the gold build, unchanged. `engine` is 'local' (process pool of
    `workers`) or 'ray'; `ner` is 'model' (spaCy OntoNotes model, the default when installed) or
    'rules'; `registry` is the verified entity registry used for linking (default: the input's own,
    else the project's); `batch_size` is the documents per unit of work (default: the largest divisor of
    `shard_docs` up to DEFAULT_BATCH); `embeddings` adds the optional `sentence_embeddings` table (all-MiniLM-L6-v2,
    the `embeddings` extra; slow on CPU). Progress and a summary go to stderr unless `quiet` (default: quiet when
    stderr is not a terminal). On any problem nothing is written and a DatasetError lists them all.
    """
    from ..dataset.build import DEFAULT_OUT, build
    from ..dataset.output import write_output
    from ..gold.checks import validate
    from ..dataset.shards import SHARD_DOCS
    from ..gold.seeds import default_seeds_dir

    source = Path(source) if source is not None else default_seeds_dir()
    out = Path(out_dir) if out_dir is not None else DEFAULT_OUT
    if source.is_dir() and is_gold_seeds(source):
        if embeddings:
            log = ProblemLog()
            log.add(str(source), "--embeddings is a silver stage: this seeds folder has every gold layer and takes the gold build, which has no embeddings table")
            log.raise_if_any()
        return build(source, out)
    require_silver(quiet is not True, ner)
    if embeddings:
        from .embeddings import require_embeddings

        require_embeddings()
    shard_docs = shard_docs if shard_docs is not None else SHARD_DOCS
    for name, value in (("shard_docs", shard_docs), ("batch_size", batch_size)):
        if value is not None and value < 1:
            raise ValueError(f"{name} must be at least 1, not {value}")
    if batch_size is None:  # the largest batch up to DEFAULT_BATCH that divides a shard
        batch_size = next(b for b in range(min(DEFAULT_BATCH, shard_docs), 0, -1) if shard_docs % b == 0)
    if shard_docs % batch_size:
        raise ValueError(f"shard_docs ({shard_docs}) must be a positive multiple of batch_size ({batch_size})")
    quiet = not interactive() if quiet is None else quiet
    started = time.perf_counter()
    run = _Run(source, engine, workers, ner, Path(registry) if registry is not None else None, batch_size, shard_docs, quiet, embeddings)
    try:
        # The output-path policy (dataset/output.py): never the seeds, never a foreign directory.
        write_output(out, run.write, validate, [*([source] if source.is_dir() else []), default_seeds_dir()])
    finally:
        run.close()
    summary = run.summary
    summary.out = str(out)
    summary.seconds = time.perf_counter() - started
    summary.peak_mb = peak_memory_mb()
    if not quiet:
        print(summary.format(), file=sys.stderr)
    return out


class _Run:
    """One silver build into a temporary directory (called by the atomic writer)."""

    def __init__(
        self,
        source: Path,
        engine: str,
        workers: int | None,
        ner: str | None,
        registry: Path | None,
        batch_size: int,
        shard_docs: int,
        quiet: bool,
        embeddings: bool = False,
    ):
        from .entities import default_mode

        self.source = source
        self.engine_name = engine
        self.workers = workers
        self.ner = ner if ner is not None else default_mode()
        self.registry = registry
        self.batch_size = batch_size
        self.shard_docs = shard_docs
        self.quiet = quiet
        self.embeddings = embeddings
        self.summary = Summary(out="", engine=engine, workers=workers or 0)
        self.scratch: Path | None = None
        self.progress: Progress | None = None

    def close(self) -> None:
        if self.progress is not None:
            self.progress.close()
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def write(self, root: Path) -> None:
        """Write every table, the card and the manifest into the (empty) directory root."""
        from ..dataset.shards import ShardWriter
        from ..engines import get_engine
        from .entities import MODES
        from .grouping import SketchStore
        from .linking import Linker
        from .reading import open_articles

        if self.ner not in MODES:
            raise ValueError(f"unknown NER mode {self.ner!r}; expected one of {', '.join(MODES)}")
        reader = open_articles(self.source, self.batch_size)
        gold = read_gold_layers(self.source, self.registry)
        if self.ner == "model" and gold.entities is None:
            from .entities import verify_ner_model

            verify_ner_model()  # before any worker starts: a model copy that differs from the release is refused here
        silver_groups = gold.groups is None
        plan = Plan(
            ner_mode=None if gold.entities is not None else self.ner,
            linker=Linker.from_referents(gold.registry),
            gold_sentences=gold.sentences,
            gold_entities=gold.entities,
            sketch=silver_groups,
            embeddings=self.embeddings,
        )
        self.scratch = Path(tempfile.mkdtemp(prefix=".silver-scratch-", dir=root.parent))
        from ..errors import ProblemLog
        from ..release.metadata import read_dataset_info

        log = ProblemLog()
        # The input folder's own dataset.yaml (for a file input: the folder holding it), else defaults
        # named after that folder: a silver card never describes another dataset.
        info = read_dataset_info(self.source if self.source.is_dir() else self.source.parent, log)
        log.raise_if_any()
        configs = (*CONFIGS, *(("sentence_embeddings",) if self.embeddings else ()))
        writers = {name: ShardWriter(root, declared_table(name, silver_groups), info.version) for name in configs}
        shards = _Shards(writers, SketchStore(self.scratch), self.shard_docs)
        engine = get_engine(self.engine_name, self.workers)
        self.summary.workers = engine.workers
        self.progress = Progress("annotating", total=None, enabled=not self.quiet)
        try:
            for result in engine.map(annotate_batch, _guarded(reader.batches(), reader.log), plan):
                tables = unpack(result)
                shards.add(tables)
                docs = tables["documents"]
                self.progress.update(docs.num_rows, pc.sum(pc.binary_length(pc.cast(docs.column("text"), pa.binary()))).as_py() or 0)
        finally:
            engine.close()
        reader.raise_if_any()
        shards.flush()
        doc_ids = pa.concat_arrays(shards.doc_ids)
        self.progress.stage("grouping")
        if silver_groups:
            groups, pairs, note = self._silver_groups(shards, doc_ids)
        else:
            groups, pairs, note = self._gold_groups(gold.groups, doc_ids)
        offsets = shards.offsets
        for k in range(len(offsets) - 1):
            writers["duplicate_groups"].write(groups.slice(offsets[k], offsets[k + 1] - offsets[k]))
        for chunk in pairs:
            writers["pairs"].write(chunk)
        self.progress.stage("writing")
        files = {name: writer.finish() for name, writer in writers.items()}
        self.summary.documents = reader.num_docs
        self.summary.input_bytes = reader.num_bytes
        self.summary.rows = {name: writer.num_rows for name, writer in writers.items()}
        provenance = self._provenance(gold, note)
        self.summary.layers = {name: f"{p.source}: {p.method}" for name, p in provenance.items()}
        inputs = reader.input_digests()
        for path in gold.files:
            inputs[path.relative_to(self.source).as_posix() if path.is_relative_to(self.source) else path.name] = _sha256(path)
        from .card import write_card

        from ..release.card import license_text

        write_card(root, files, writers, provenance, note, info, self.shard_docs)
        self.progress.stage("validating")
        from ..dataset.manifest import TableEntry, write_manifest
        from ..versions import UNRELEASED
        from ..dataset.shards import shard_pattern
        from ..gold.seeds import default_project_file

        from ..release.croissant import write_croissant

        (root / "LICENSE.md").write_text(license_text(info), encoding="utf-8", newline="\n")
        table_files = {name: names[0] if len(names) == 1 else shard_pattern(name, len(names)) for name, names in files.items()}
        write_croissant(root, table_files, info=info, declared={name: writer.table for name, writer in writers.items()})
        write_manifest(
            root,
            {name: TableEntry(file=table_files[name], num_rows=writers[name].num_rows) for name in files},
            inputs,
            name=info.name,
            dataset_version=info.version,
            provenance=provenance,
        )

    def _silver_groups(self, shards: _Shards, doc_ids: pa.Array) -> tuple[pa.Table, Iterator[pa.Table], str]:
        from .grouping import expected_rows_note, group

        result = group(shards.store, doc_ids)
        groups = pa.table(
            {"doc_id": doc_ids, "near_duplicate": result.near_duplicate, "event": result.event, "topic": result.topic}
        )
        labels = result.labels
        pa_, pb = result.pairs[:, 0], result.pairs[:, 1]
        relation = np.zeros(len(result.pairs), dtype=np.int8)  # the finest level shared, as an index of RELATIONS
        relation[labels["topic"][pa_] == labels["topic"][pb]] = RELATIONS.index("same_topic")
        relation[labels["event"][pa_] == labels["event"][pb]] = RELATIONS.index("same_event")
        relation[labels["near_duplicate"][pa_] == labels["near_duplicate"][pb]] = RELATIONS.index("near_duplicate")
        # In key order without a table of strings for every candidate pair (7.6 million at 1M
        # documents): each position's rank in doc_id order gives the pair's key as one integer.
        n = len(doc_ids)
        by_id = pc.sort_indices(doc_ids).to_numpy()
        rank = np.empty(n, dtype=np.int64)
        rank[by_id] = np.arange(n)
        jaccard, cosine = result.jaccard, result.cosine
        key = rank[pa_]
        rb = rank[pb]
        del rank, pa_, pb, result  # the positions live on in `key`
        # key = min(ra, rb) * n + max(ra, rb), in place: each corpus-sized temporary is 8 bytes a pair.
        low = np.minimum(key, rb)
        np.maximum(key, rb, out=rb)
        np.multiply(low, n, out=key)
        key += rb
        del low, rb
        order = np.argsort(key)
        return groups, _pair_chunks(pc.take(doc_ids, pa.array(by_id)), key, order, relation, jaccard, cosine), expected_rows_note(n)

    def _gold_groups(self, gold: list[DuplicateGroups], doc_ids: pa.Array) -> tuple[pa.Table, Iterator[pa.Table], str]:
        from ..gold.groups import make_pairs

        by_doc = {g.doc_id: g for g in gold}
        ordered = [by_doc[d] for d in doc_ids.to_pylist()]
        groups = pa.table(
            {
                "doc_id": doc_ids,
                "near_duplicate": [g.near_duplicate for g in ordered],
                "event": [g.event for g in ordered],
                "topic": [g.topic for g in ordered],
            }
        )
        pairs = make_pairs(gold)
        table = pa.table(
            {
                "doc_a": [p.doc_a for p in pairs],
                "doc_b": [p.doc_b for p in pairs],
                "relation": [p.relation for p in pairs],
            },
            schema=pa.schema([("doc_a", pa.string()), ("doc_b", pa.string()), ("relation", pa.string())]),
        )
        from ..dataset.shards import PAIRS_SHARD_ROWS

        return groups, (table.slice(start, PAIRS_SHARD_ROWS) for start in range(0, table.num_rows, PAIRS_SHARD_ROWS)), ""

    def _provenance(self, gold: GoldLayers, grouping_note: str) -> dict:
        from ..dataset.manifest import LayerSource
        from ..versions import DATASET_VERSION
        from . import entities, grouping, linking, segmenting

        hand = "hand annotation following ANNOTATION_GUIDELINES.md"
        if gold.sentences is not None:
            seg = LayerSource(source="gold", method=hand, version=DATASET_VERSION)
        else:
            seg = LayerSource(source="silver", method=f"{segmenting.METHOD} (blingfire {_version('blingfire')})", version=segmenting.VERSION)
        if gold.entities is not None:
            ent = LayerSource(source="gold", method=hand, version=DATASET_VERSION)
        else:
            ent = LayerSource(
                source="silver",
                method=f"{entities.method(self.ner)}; links: {linking.METHOD} v{linking.VERSION} into the verified registry",
                version=f"{entities.RULES_VERSION if self.ner == 'rules' else self.ner}-{linking.VERSION}",
            )
        ner_source = "gold" if seg.source == ent.source == "gold" else "silver"
        ner_layer = LayerSource(source=ner_source, method="segments tokenized as the gold build does, IOB2 tags from the entities table", version=ent.version)
        if gold.groups is not None:
            grp = LayerSource(source="gold", method=hand, version=DATASET_VERSION)
            pairs = LayerSource(source="gold", method="every unordered pair, relation from the gold groups", version=DATASET_VERSION)
        else:
            grp = LayerSource(
                source="silver",
                method=f"{grouping.METHOD} (rensa {_version('rensa')} MinHash, {grouping_note}); event level low-confidence",
                version=grouping.VERSION,
            )
            pairs = LayerSource(source="silver", method="LSH candidate pairs only, with exact Jaccard and TF-IDF cosine", version=grouping.VERSION)
        docs = LayerSource(source=seg.source, method="input text; title and num_sentences from the sentences table", version=seg.version)
        # The alignment layer has no silver stage: its tables are written empty and say so.
        none = LayerSource(source="absent", method="no alignment layer in the input; the table is empty", version="-")
        layers = {
            "documents": docs, "sentences": seg, "entities": ent, "ner": ner_layer, "duplicate_groups": grp, "pairs": pairs,
            "alignments": none, "sentence_pairs": none,
        }
        if self.embeddings:
            from . import embeddings

            layers["sentence_embeddings"] = LayerSource(source="silver", method=embeddings.method(), version=embeddings.VERSION)
        return layers


def _pair_chunks(
    sorted_ids: pa.Array, key: np.ndarray, order: np.ndarray, relation: np.ndarray, jaccard: np.ndarray, cosine: np.ndarray
) -> Iterator[pa.Table]:
    """The silver pairs table in key order, PAIRS_SHARD_ROWS rows at a time (one shard each).

    `key` is rank(doc_a) * N + rank(doc_b) with ranks in doc_id order (`sorted_ids`), so sorting the
    integers sorts the pairs as the table's key does, and only one shard's strings exist at a time.
    """
    from ..dataset.shards import PAIRS_SHARD_ROWS

    n = max(len(sorted_ids), 1)
    names = pa.array(RELATIONS, pa.string())
    for start in range(0, len(order), PAIRS_SHARD_ROWS):
        sel = order[start : start + PAIRS_SHARD_ROWS]
        k = key[sel]
        yield pa.table(
            {
                "doc_a": pc.take(sorted_ids, pa.array(k // n)),
                "doc_b": pc.take(sorted_ids, pa.array(k % n)),
                "relation": pc.take(names, pa.array(relation[sel])),
                "jaccard": pa.array(jaccard[sel]),
                "tfidf_cosine": pa.array(cosine[sel]),
            }
        )


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


def _sha256(path: Path) -> str:
    from ..dataset.manifest import sha256_file

    return sha256_file(path)



