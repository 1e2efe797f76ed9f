"""The dataset card (README.md of a built dataset): Hub YAML plus a datasheet, generated from the data."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import datasets
import yaml

from .models import ENTITY_LABELS, GROUP_LEVELS, RELATIONS, Record
from .tables import SPLIT, TABLES, data_file
from .versions import DATASET_VERSION, FORMAT_VERSION, SCHEMA_VERSION


@dataclass(frozen=True)
class TableFile:
    """What the card says about one written table."""

    num_rows: int
    num_bytes: int
    file_size: int
    sha256: str


def card_yaml(files: dict[str, TableFile]) -> dict:
    """The card's YAML front matter: Hub metadata, configs and dataset_info from the declared Features."""
    configs = []
    infos = []
    for i, (name, info) in enumerate(files.items()):
        table = TABLES[name]
        config = {"config_name": name, "data_files": [{"split": SPLIT, "path": data_file(name)}]}
        if i == 0:
            config["default"] = True
        # The version and the content checksum are part of the `datasets` cache key of a
        # local dataset (it hashes the config, not the Parquet bytes), so a rebuilt
        # dataset is never served stale from the cache.
        config["version"] = DATASET_VERSION
        config["description"] = f"{table.description} (content sha256 {info.sha256[:16]})"
        configs.append(config)
        splits = datasets.SplitDict()
        splits.add(datasets.SplitInfo(name=SPLIT, num_bytes=info.num_bytes, num_examples=info.num_rows))
        ds_info = datasets.DatasetInfo(
            features=table.features,
            splits=splits,
            download_size=info.file_size,
            dataset_size=info.num_bytes,
            config_name=name,
        )
        infos.append(ds_info._to_yaml_dict())
    return {
        "pretty_name": "ceasefire-news",
        "language": ["en"],
        "license": "other",
        "license_name": "news-texts-research-only",
        "license_link": "LICENSE.md",
        "multilinguality": ["monolingual"],
        "size_categories": ["n<1K"],
        "source_datasets": ["original"],
        "annotations_creators": ["expert-generated"],
        "language_creators": ["found"],
        "task_categories": ["text-classification", "token-classification", "sentence-similarity"],
        "task_ids": ["named-entity-recognition", "entity-linking-classification", "semantic-similarity-classification"],
        "tags": ["near-duplicate-detection", "news-clustering", "sentence-segmentation", "entity-linking", "benchmark"],
        "configs": configs,
        "dataset_info": infos,
    }


def render_card(records: dict[str, list[Record]], files: dict[str, TableFile], changelog: str, facts: dict) -> str:
    """Render the whole dataset card: YAML front matter and a datasheet whose counts come from the data."""
    front = yaml.safe_dump(card_yaml(files), sort_keys=False, allow_unicode=True, width=120)
    docs = records["documents"]
    sentences = records["sentences"]
    roles = Counter(s.role for s in sentences)
    per_doc = Counter(s.doc_id for s in sentences)
    lines = [
        "---",
        front.rstrip("\n"),
        "---",
        "",
        "# ceasefire-news",
        "",
        f"Dataset version {DATASET_VERSION} (schema {SCHEMA_VERSION}, format {FORMAT_VERSION}).",
        "",
        "A small, carefully annotated English news corpus for testing near-duplicate detectors, news",
        "clusterers, NER and entity-linking systems and sentence splitters. Three of the five articles are",
        "heavy paraphrases of one wire story, one is another outlet's report of the same event and one",
        "reports a later event. Every gold layer was written and checked by hand.",
        "",
        "## Configs",
        "",
        "| config | rows | description |",
        "| --- | ---: | --- |",
    ]
    for name, info in files.items():
        lines.append(f"| `{name}` | {info.num_rows} | {TABLES[name].description} |")
    lines += [
        "",
        "Every config has one split, `test`. Offsets are Python `str` indices (code points) into the",
        "document `text`, start inclusive, end exclusive.",
        "",
        "## Fields",
        "",
    ]
    for name in files:
        table = TABLES[name]
        lines.append(f"### `{name}`")
        lines.append("")
        lines.append("| field | type | description |")
        lines.append("| --- | --- | --- |")
        for field_name, feature in table.features.items():
            desc = table.model.model_fields[field_name].description or ""
            lines.append(f"| `{field_name}` | {_feature_type(feature)} | {desc} |")
        lines.append("")
    lines += [
        "## Statistics",
        "",
        "| doc_id | characters | segments |",
        "| --- | ---: | ---: |",
    ]
    for doc in docs:
        lines.append(f"| `{doc.doc_id}` | {doc.num_chars} | {per_doc[doc.doc_id]} |")
    lines += [
        "",
        "| segment role | count |",
        "| --- | ---: |",
    ]
    for role in TABLES["sentences"].class_labels["role"].names:
        lines.append(f"| {role} | {roles.get(role, 0)} |")
    lines += _entity_section(records, facts)
    lines += _group_section(records)
    lines += [
        "",
        "## Loading",
        "",
        "```python",
        "import datasets",
        "",
        'sentences = datasets.load_dataset("path/to/ceasefire-news", "sentences", split="test")',
        'print(sentences.features["role"].names)',
        "```",
        "",
        "## Integrity",
        "",
        "`manifest.json` lists every file with its size and SHA-256, the row count of every table and the",
        "SHA-256 of every input file; `ceasefire-news validate DIR` checks all of it.",
        "",
        "## Changelog",
        "",
        changelog.strip(),
        "",
    ]
    return "\n".join(lines)


def _entity_section(records: dict[str, list[Record]], facts: dict) -> list[str]:
    mentions = records.get("entities", [])
    if not mentions:
        return []
    labels = Counter(m.label for m in mentions)
    docs = sorted({d.doc_id for d in records["documents"]})
    per_doc = Counter((m.doc_id, m.label) for m in mentions)
    present = [lab for lab in ENTITY_LABELS if labels[lab]]
    lines = ["", "### Entity mentions", "", "| label | mentions |", "| --- | ---: |"]
    lines += [f"| {lab} | {labels[lab]} |" for lab in ENTITY_LABELS]
    lines += [f"| **total** | {len(mentions)} |", ""]
    lines += ["Labels with 0 mentions do not occur in these texts.", ""]
    lines += ["| doc_id | " + " | ".join(present) + " | total |", "| --- |" + " ---: |" * (len(present) + 1)]
    for doc in docs:
        cells = [str(per_doc[(doc, lab)]) for lab in present]
        lines.append(f"| `{doc}` | " + " | ".join(cells) + f" | {sum(per_doc[(doc, lab)] for lab in present)} |")
    linked = [m for m in mentions if m.kb_id]
    names = [m for m in mentions if m.entity_id]
    lines += [
        "",
        f"{len(linked)} of {len(names)} name mentions carry a verified Wikidata `kb_id`; they refer to "
        f"{len({m.entity_id for m in names})} distinct referents ({len({m.kb_id for m in linked})} linked, "
        f"{len({m.entity_id for m in names if not m.kb_id})} with a `nil:` id).",
    ]
    agreement = facts.get("agreement")
    if agreement:
        lines += [
            "",
            f"Inter-annotator agreement: two independent annotations of the entity layer "
            f"({agreement['mentions_a']} and {agreement['mentions_b']} mentions) agree with strict span+label "
            f"F1 = {agreement['f1']:.4f} before adjudication.",
        ]
    return lines


def _group_section(records: dict[str, list[Record]]) -> list[str]:
    groups = records.get("duplicate_groups", [])
    if not groups:
        return []
    lines = ["", "### Duplicate groups", "", "| level | groups | documents in non-singleton groups |", "| --- | ---: | ---: |"]
    for level in GROUP_LEVELS:
        sizes = Counter(getattr(g, level) for g in groups)
        lines.append(f"| {level} | {len(sizes)} | {sum(n for n in sizes.values() if n > 1)} |")
    relations = Counter(p.relation for p in records.get("pairs", []))
    lines += ["", "| pair relation | pairs |", "| --- | ---: |"]
    lines += [f"| {rel} | {relations.get(rel, 0)} |" for rel in reversed(RELATIONS)]
    return lines


def _feature_type(feature: object) -> str:
    if isinstance(feature, datasets.ClassLabel):
        return "ClassLabel(" + ", ".join(feature.names) + ")"
    if isinstance(feature, datasets.List):
        inner = feature.feature
        return "list of " + (_feature_type(inner) if isinstance(inner, datasets.ClassLabel) else inner.dtype)
    return getattr(feature, "dtype", type(feature).__name__)


def read_changelog(path: Path) -> str:
    """The release notes, without their top-level heading, to embed in the card."""
    text = path.read_text(encoding="utf-8")
    return "\n".join(line for line in text.splitlines() if not line.startswith("# ")).strip()
