"""Building the dataset: seeds -> validated records -> Arrow tables -> Parquet, card and manifest, atomically."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pyarrow as pa

from ..release.card import LICENSE_FILE, TableFile, hub_metadata, license_text, render_card
from ..gold.alignments import alignment_agreement, check_links, empty_sentence_pairs, segment_texts, sentence_pairs
from ..gold.checks import derive_tables, validate
from ..release.croissant import write_croissant
from ..release.metadata import DatasetInfo, metadata_inputs, read_dataset_info
from ..gold.entities import check_registry, span_f1
from ..errors import Located, ProblemLog
from .manifest import TableEntry, sha256_file, write_manifest
from .output import check_output, write_output
from ..gold.groups import pair_batches
from ..schema.models import Alignment, Document
from ..gold.seeds import Seeds, default_seeds_dir, read_seeds
from .storage import ROW_GROUP_SIZE, write_parquet
from ..schema.tables import TABLES, data_file

DEFAULT_OUT = Path("dist") / "ceasefire-news"


def base_records(seeds: Seeds) -> dict[str, list[Located]]:
    """The base layers as located records; documents are derived from the articles and their segments."""
    counts: dict[str, int] = {}
    titles: dict[str, str] = {}
    for item in seeds.layers["sentences"]:
        seg = item.record
        counts[seg.doc_id] = counts.get(seg.doc_id, 0) + 1
        if seg.role == "title" and seg.index == 0:
            titles[seg.doc_id] = seg.text
    documents = [
        Located(
            Document(
                doc_id=a.doc_id,
                text=a.text,
                title=titles.get(a.doc_id),
                sha256=hashlib.sha256(a.data).hexdigest(),
                num_chars=len(a.text),
                num_sentences=counts.get(a.doc_id, 0),
            ),
            str(a.path),
        )
        for a in seeds.articles.values()
    ]
    return {
        "documents": documents,
        "sentences": seeds.layers["sentences"],
        "entities": seeds.layers["entities"],
        "duplicate_groups": seeds.groups,
        "alignments": seeds.alignments or [],
    }


def agreement(seeds: Seeds) -> dict[str, float] | None:
    """Strict span+label F1 between the first two independent annotations, if the seeds have them."""
    names = sorted(seeds.agreement)
    if len(names) < 2:
        return None
    a, b = (seeds.agreement[n] for n in names[:2])
    return {
        "annotators": 2,
        "mentions_a": len(a),
        "mentions_b": len(b),
        "f1": span_f1((i.record for i in a), (i.record for i in b)),
    }


def build(seeds_dir: Path | str | None = None, out_dir: Path | str | None = None) -> Path:
    """Build the dataset from a seeds directory into out_dir; on any problem raise and write nothing.

    out_dir must be absent, an empty directory or an earlier output of this package (see
    dataset/output.py); anything else is refused before the seeds are read.
    """
    seeds_root = Path(seeds_dir if seeds_dir is not None else default_seeds_dir())
    out = Path(out_dir if out_dir is not None else DEFAULT_OUT)
    protected = [seeds_root, default_seeds_dir()]
    check_output(out, protected)
    seeds = read_seeds(seeds_root)
    log = ProblemLog()
    info = read_dataset_info(seeds.root, log)
    base = base_records(seeds)
    tables: dict[str, pa.Table] = derive_tables(base, log)
    check_registry(seeds.layers["entities"], seeds.registry, log)
    by_doc: dict[str, list] = {}
    for item in base["sentences"]:
        by_doc.setdefault(item.record.doc_id, []).append(item.record)
    texts = segment_texts(by_doc)
    del base, by_doc
    for items in seeds.alignment_agreement.values():
        check_links(texts, items, log)
    log.raise_if_any()
    present = seeds.alignments is not None
    alignments = [Alignment.model_construct(**row) for row in tables["alignments"].to_pylist()]  # checked in derive
    tables["sentence_pairs"] = sentence_pairs(texts, alignments) if present else empty_sentence_pairs()
    paths = sorted({*seeds.inputs, *metadata_inputs(seeds.root)})
    inputs = {p.relative_to(seeds.root).as_posix(): sha256_file(p) for p in paths}
    judgements = {name: [i.record for i in items] for name, items in seeds.alignment_agreement.items()}
    facts = {
        "agreement": agreement(seeds),
        "referents": len(seeds.registry),
        "provenance": {**PROVENANCE, **({} if present else {"alignments": "absent", "sentence_pairs": "absent"})},
        "alignments_present": present,
        "alignment_agreement": alignment_agreement({d: len(t) for d, t in texts.items()}, judgements),
    }
    del seeds, texts, alignments  # from here on only the Arrow tables are needed
    # The records were checked once, by derive_tables; the build checks the files it wrote from
    # their footers, checksums, card and Croissant (`validate DIR` re-derives everything).
    return write_output(out, lambda tmp: write_dataset(tmp, tables, inputs, facts, info), _check_written, protected)


def _check_written(root: Path) -> None:
    """The build's check of its own output: files, checksums, footers, card and Croissant (no re-derivation)."""
    validate(root, rederive=False)


#: How each table of a gold build comes about (the card says it once).
PROVENANCE = {
    "documents": "source",
    "sentences": "gold",
    "entities": "gold",
    "ner": "derived",
    "duplicate_groups": "gold",
    "pairs": "derived",
    "alignments": "gold",
    "sentence_pairs": "derived",
}


def write_dataset(root: Path, tables: dict[str, pa.Table], inputs: dict[str, str], facts: dict, info: DatasetInfo) -> None:
    """Write tables (pairs streamed from duplicate_groups), card, licence, Croissant and manifest into an (empty) directory."""
    files: dict[str, TableFile] = {}
    for name in TABLES:
        if name == "pairs" and "duplicate_groups" in tables:
            data = pair_batches(tables["duplicate_groups"], ROW_GROUP_SIZE)
        elif name in tables:
            data = tables[name]
        else:
            continue
        path = root / data_file(name)
        num_rows, num_bytes = write_parquet(TABLES[name], data, path, dataset_version=info.version)
        files[name] = TableFile(num_rows=num_rows, num_bytes=num_bytes, file_size=path.stat().st_size, sha256=sha256_file(path))
    shown = dict(tables)
    if "pairs" in files:  # the card shows the first row; its counts come from the groups (groups.relation_counts)
        shown["pairs"] = next(pair_batches(tables["duplicate_groups"], 1))
    card = render_card(shown, files, info, facts)
    (root / "README.md").write_text(card, encoding="utf-8", newline="\n")
    (root / LICENSE_FILE).write_text(license_text(info), encoding="utf-8", newline="\n")
    keywords = hub_metadata(info, files, shown, facts).get("tags", [])
    write_croissant(root, {name: data_file(name) for name in files}, info=info, keywords=keywords)
    write_manifest(
        root,
        {name: TableEntry(file=data_file(name), num_rows=f.num_rows) for name, f in files.items()},
        inputs,
        name=info.name,
        dataset_version=info.version,
    )
