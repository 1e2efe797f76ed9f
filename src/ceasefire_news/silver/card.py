"""The dataset card of a silver build: Hub YAML (configs listing every shard) and a datasheet.

The prose is a template in silver/data/card.md; every number is computed here from the written
shards (column reads, never the whole corpus in Python objects). The measured silver quality comes
from silver/data/quality.json, written by scripts/silver_scores.py.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from importlib import resources
from pathlib import Path

import pyarrow.compute as pc
import yaml

from ..dataset.manifest import LayerSource, sha256_file
from ..dataset.storage import read_file
from ..dataset.shards import PAIRS_SHARD_ROWS, ROW_GROUP_ROWS, SHARD_DOCS, with_label_names
from ..release.card import TableFile, cite_as, dataset_info_yaml, hub_license
from ..release.metadata import DatasetInfo
from ..schema.models import ENTITY_LABELS, GROUP_LEVELS, RELATIONS, ROLES
from ..schema.tables import SPLIT, declared_table
from ..versions import FORMAT_VERSION, SCHEMA_VERSION, __version__

#: Table descriptions for a silver build (the declared ones speak of gold rows).
SILVER_DESCRIPTIONS = {
    "sentences": "One row per segment (sentence, title, heading, list item or boilerplate).",
    "entities": "One row per entity mention (18 OntoNotes types) with its Wikidata link from the verified registry and entity id.",
    "duplicate_groups": "One row per document: its group at the near_duplicate, event and topic levels.",
}


def description(name: str, writer, provenance: dict[str, LayerSource]) -> str:
    """A table's description: the declared one, or the silver wording for a silver table."""
    if provenance[name].source == "silver" and name in SILVER_DESCRIPTIONS:
        return SILVER_DESCRIPTIONS[name]
    return writer.table.description


def size_category(n: int) -> str:
    """The Hub's size_categories value for n rows."""
    for limit, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M")):
        if n < limit:
            return label
    return "10M<n<100M"


def quality_markdown() -> str:
    """The silver-vs-gold scores recorded by scripts/silver_scores.py, as Markdown (or a note if absent)."""
    path = resources.files(__package__).joinpath("data/quality.json")
    if not path.is_file():
        return "Not measured in this version (run `python scripts/silver_scores.py`)."
    quality = json.loads(path.read_text(encoding="utf-8"))
    return quality["markdown"]


def card_yaml(
    files: dict[str, list[str]], writers: dict, root: Path, num_docs: int, provenance: dict[str, LayerSource], info: DatasetInfo
) -> dict:
    """Hub metadata, one config per table listing its shards, and dataset_info from the declared Features."""
    configs, infos = [], []
    for i, (name, paths) in enumerate(files.items()):
        writer = writers[name]
        digests = [sha256_file(root / p) for p in paths]
        content = digests[0] if len(digests) == 1 else hashlib.sha256("".join(digests).encode()).hexdigest()
        config = {"config_name": name, "data_files": [{"split": SPLIT, "path": paths[0] if len(paths) == 1 else paths}]}
        if i == 0:
            config["default"] = True
        config["version"] = info.version
        config["description"] = f"{description(name, writer, provenance)} (content sha256 {content[:16]})"
        configs.append(config)
        size = sum((root / p).stat().st_size for p in paths)
        table_file = TableFile(num_rows=writer.num_rows, num_bytes=writer.num_bytes, file_size=size, sha256=content)
        infos.append(dataset_info_yaml(name, table_file, writer.table))
    meta: dict = {"language": list(info.metadata.languages)} if info.metadata.languages else {}
    meta.update(hub_license(info))  # from the input's dataset.yaml, never another dataset's
    meta.update(
        {
            "pretty_name": info.pretty_name,
            "size_categories": [size_category(num_docs)],
            "annotations_creators": ["expert-generated", "machine-generated"]
            if any(p.source == "gold" for p in provenance.values())
            else ["machine-generated"],
            "tags": ["silver-annotations", "near-duplicate-detection", "news-clustering", "sentence-segmentation", "entity-linking"],
        }
    )
    return {**meta, "configs": configs, "dataset_info": infos}


def _fields(writers: dict, provenance: dict[str, LayerSource]) -> str:
    from ..release.card import _feature_type

    lines = []
    for name, writer in writers.items():
        table = writer.table
        lines += [f"`{name}`: {description(name, writer, provenance)}", "", "| field | type | description |", "| --- | --- | --- |"]
        for field, feature in table.columns.items():
            desc = table.model.model_fields[field].description or ""
            kind = _feature_type(feature)
            lines.append(f"| `{field}` | {kind} | {desc} |")
        lines.append("")
    return "\n".join(lines).rstrip()


def _counts(root: Path, paths: list[str], column: str, table=None) -> Counter:
    """Value counts of one column over a table's shards (read one column at a time; ClassLabels as names)."""
    total: Counter = Counter()
    for p in paths:
        data = read_file(root / p, columns=[column])
        values = (with_label_names(table, data) if table is not None else data).column(column)
        for item in pc.value_counts(values).to_pylist():
            total[item["values"]] += item["counts"]
    return total


def _statistics(root: Path, files: dict[str, list[str]]) -> str:
    roles = _counts(root, files["sentences"], "role", declared_table("sentences"))
    labels = _counts(root, files["entities"], "label", declared_table("entities"))
    kb = _counts(root, files["entities"], "kb_id")
    lines = ["| segment role | count |", "| --- | ---: |"]
    lines += [f"| {role} | {roles.get(role, 0)} |" for role in ROLES]
    lines += ["", "| entity label | mentions |", "| --- | ---: |"]
    lines += [f"| {label} | {labels.get(label, 0)} |" for label in ENTITY_LABELS]
    linked = sum(n for k, n in kb.items() if k is not None)
    lines += ["", f"{linked} of {sum(labels.values())} mentions carry a Wikidata `kb_id` from the registry.", ""]
    lines += ["| group level | groups | documents in groups of two or more |", "| --- | ---: | ---: |"]
    for level in GROUP_LEVELS:
        sizes = _counts(root, files["duplicate_groups"], level)
        lines.append(f"| {level} | {len(sizes)} | {sum(n for n in sizes.values() if n > 1)} |")
    relations = _counts(root, files["pairs"], "relation", declared_table("pairs"))
    lines += ["", "| pair relation | pairs |", "| --- | ---: |"]
    lines += [f"| {rel} | {relations.get(rel, 0)} |" for rel in reversed(RELATIONS)]
    return "\n".join(lines)


def write_card(
    root: Path,
    files: dict[str, list[str]],
    writers: dict,
    provenance: dict[str, LayerSource],
    lsh_note: str,
    info: DatasetInfo,
    shard_docs: int = SHARD_DOCS,
) -> None:
    """Write README.md (the card) of a silver build into root."""
    num_docs = writers["documents"].num_rows
    silver_groups = provenance["duplicate_groups"].source == "silver"
    front = yaml.safe_dump(card_yaml(files, writers, root, num_docs, provenance, info), sort_keys=False, allow_unicode=True, width=120)
    template = resources.files(__package__).joinpath("data/card.md").read_text(encoding="utf-8")
    layer_rows = "\n".join(
        f"| `{name}` | {writers[name].num_rows} | **{p.source}** | {p.method} | {p.version} |" for name, p in provenance.items()
    )
    pairs_note = (
        "only the candidate pairs of the silver grouping (LSH band collisions, each document paired with the "
        "first document of its bucket), each with its exact content-word `jaccard`, its `tfidf_cosine` and the "
        "finest level the two documents share. Pairs that are not listed were never compared; they are not "
        "claimed to be unrelated."
        if silver_groups
        else "every unordered document pair once (`doc_a` < `doc_b`), with the finest level the two share."
    )
    body = template.format(
        name=info.pretty_name,
        dataset_version=info.version,
        schema_version=SCHEMA_VERSION,
        format_version=FORMAT_VERSION,
        num_docs=num_docs,
        input_mb=_text_mb(root, files["documents"]),
        layer_rows=layer_rows,
        pairs_note=pairs_note,
        quality=quality_markdown(),
        fields=_fields(writers, provenance),
        shard_docs=f"{shard_docs:,}",
        pairs_shard_rows=f"{PAIRS_SHARD_ROWS:,}",
        row_groups=", ".join(f"`{k}` {v:,} rows" for k, v in ROW_GROUP_ROWS.items()),
        shard_rows="\n".join(f"| `{name}` | {len(paths)} | {writers[name].num_rows} |" for name, paths in files.items()),
        statistics=_statistics(root, files),
        lsh_note=lsh_note or "not used: the groups are gold",
        package_version=__version__,
        citation=cite_as(info),
    )
    (root / "README.md").write_text(f"---\n{front}---\n\n{body}", encoding="utf-8", newline="\n")


def _text_mb(root: Path, paths: list[str]) -> float:
    total = 0
    for p in paths:
        text = read_file(root / p, columns=["text"]).column("text")
        total += pc.sum(pc.binary_length(pc.cast(text, "binary"))).as_py() or 0
    return total / 1e6
