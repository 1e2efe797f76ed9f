"""Building the dataset: seeds -> validated records -> Arrow tables -> Parquet, card and manifest, atomically."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import pyarrow as pa

from ..release.card import TableFile, read_changelog, render_card
from ..gold.checks import derive, validate
from ..release.croissant import write_croissant
from ..gold.entities import check_registry, span_f1
from ..errors import Located, ProblemLog
from .manifest import TableEntry, sha256_file, write_manifest
from ..schema.models import Document
from ..gold.seeds import Seeds, default_project_file, default_seeds_dir, read_seeds
from ..gold.groups import pair_batches
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
    """Build the dataset from a seeds directory into out_dir; on any problem raise and write nothing."""
    seeds = read_seeds(seeds_dir if seeds_dir is not None else default_seeds_dir())
    log = ProblemLog()
    tables = derive(base_records(seeds), log)
    check_registry(seeds.layers["entities"], seeds.registry, log)
    log.raise_if_any()
    inputs = {p.relative_to(seeds.root).as_posix(): sha256_file(p) for p in sorted(seeds.inputs)}
    out = Path(out_dir if out_dir is not None else DEFAULT_OUT)
    facts = {"agreement": agreement(seeds), "referents": len(seeds.registry)}
    del seeds  # from here on only the Arrow tables are needed: free the records before the pairs are made
    return _write_atomically(out, lambda tmp: write_dataset(tmp, tables, inputs, facts))


def write_dataset(root: Path, tables: dict[str, pa.Table], inputs: dict[str, str], facts: dict) -> None:
    """Write tables (pairs streamed from duplicate_groups), card and manifest into an (empty) directory."""
    files: dict[str, TableFile] = {}
    for name in TABLES:
        if name == "pairs" and "duplicate_groups" in tables:
            data = pair_batches(tables["duplicate_groups"], ROW_GROUP_SIZE)
        elif name in tables:
            data = tables[name]
        else:
            continue
        path = root / data_file(name)
        num_rows, num_bytes = write_parquet(TABLES[name], data, path)
        files[name] = TableFile(num_rows=num_rows, num_bytes=num_bytes, file_size=path.stat().st_size, sha256=sha256_file(path))
    shown = dict(tables)
    if "pairs" in files:  # the card shows the first row; counts come from files and the groups
        shown["pairs"] = next(pair_batches(tables["duplicate_groups"], 1))
    card = render_card(shown, files, read_changelog(default_project_file("CHANGELOG.md")), facts)
    (root / "README.md").write_text(card, encoding="utf-8", newline="\n")
    shutil.copyfile(default_project_file("LICENSE.md"), root / "LICENSE.md")
    write_croissant(root, {name: data_file(name) for name in files})
    write_manifest(
        root,
        {name: TableEntry(file=data_file(name), num_rows=f.num_rows) for name, f in files.items()},
        inputs,
    )


def _write_atomically(out: Path, write) -> Path:
    """Run write(tmp) in a fresh sibling temp dir, validate it, then swap it into place."""
    created: list[Path] = []
    parent = out.resolve().parent
    for ancestor in reversed([parent, *parent.parents]):
        if not ancestor.exists():
            ancestor.mkdir()
            created.append(ancestor)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=parent))
    try:
        write(tmp)
        validate(tmp, rederive=False)  # the records were checked once, in derive; here the written files
        os.chmod(tmp, 0o755)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=parent))
            os.replace(out, old / "previous")
            os.replace(tmp, out)
            shutil.rmtree(old)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        for folder in reversed(created):
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return out
