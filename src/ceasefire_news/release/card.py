"""The dataset card (README.md of a built dataset): Hub YAML plus a datasheet, generated from the data."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import datasets
import pyarrow as pa
import yaml

from ..gold.groups import relation_counts
from ..schema.models import ENTITY_LABELS, GROUP_LEVELS, RELATIONS
from ..schema.tables import SPLIT, TABLES, data_file
from ..versions import DATASET_VERSION, FORMAT_VERSION, SCHEMA_VERSION

NAME = "ceasefire-news"
CREATOR = "ceasefire-news contributors"

#: The one-paragraph description shared by the card, Croissant and the package metadata.
DESCRIPTION = (
    "A small, carefully annotated English news corpus for testing near-duplicate detectors, news "
    "clusterers, NER and entity-linking systems and sentence splitters. Three of the five articles are "
    "heavy paraphrases of one wire story, one is another outlet's report of the same event and one "
    "reports a later event. Every gold layer was written and checked by hand."
)

#: Hub metadata; values checked against the Hub's allowed lists in tests/test_card.py.
HUB_METADATA: dict = {
    "pretty_name": NAME,
    "language": ["en"],
    "license": "other",
    "license_name": "news-texts-research-only",
    "license_link": "LICENSE.md",
    "multilinguality": ["monolingual"],
    "size_categories": ["n<1K"],
    "source_datasets": ["original"],
    "annotations_creators": ["expert-generated"],
    "language_creators": ["found"],
    "task_categories": ["token-classification", "text-classification", "sentence-similarity"],
    "task_ids": ["named-entity-recognition", "entity-linking-classification", "semantic-similarity-classification"],
    "tags": ["near-duplicate-detection", "news-clustering", "sentence-segmentation", "entity-linking", "benchmark"],
}


def cite_as(version: str = DATASET_VERSION) -> str:
    """The BibTeX entry of the dataset (kept in step with CITATION.cff)."""
    return (
        "@misc{ceasefire_news,\n"
        "  title = {ceasefire-news: an annotated English news corpus and benchmark},\n"
        f"  author = {{{{{CREATOR}}}}},\n"
        f"  version = {{{version}}},\n"
        "  note = {Dataset}\n"
        "}"
    )


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
    return {**HUB_METADATA, "configs": configs, "dataset_info": infos}


def render_card(tables: dict[str, pa.Table], files: dict[str, TableFile], changelog: str, facts: dict) -> str:
    """Render the whole card: YAML front matter and a datasheet whose counts all come from the data.

    tables holds every written table as Arrow; pairs may be given as its first rows only (its
    counts come from files and from duplicate_groups).
    """
    front = yaml.safe_dump(card_yaml(files), sort_keys=False, allow_unicode=True, width=120)
    n_docs = tables["documents"].num_rows
    lines = [
        "---",
        front.rstrip("\n"),
        "---",
        "",
        f"# Dataset Card for {NAME}",
        "",
        f"Dataset version {DATASET_VERSION} (schema {SCHEMA_VERSION}, format {FORMAT_VERSION}).",
        "",
        "## Table of Contents",
        "",
        "- [Dataset Description](#dataset-description)",
        "- [Dataset Structure](#dataset-structure)",
        "- [Dataset Creation](#dataset-creation)",
        "- [Considerations for Using the Data](#considerations-for-using-the-data)",
        "- [Additional Information](#additional-information)",
        "",
        "## Dataset Description",
        "",
        f"{n_docs} English news articles with hand-checked gold layers, published as "
        f"{len(files)} Parquet tables.",
        "",
        "### Dataset Summary",
        "",
        DESCRIPTION,
        "The rewrites share only a few percent of their word 5-grams, so classic MinHash deduplication",
        "misses them: the corpus is a hard test for near-duplicate detection at the level of meaning.",
        "",
        "### Supported Tasks and Leaderboards",
        "",
        "Every task is scored by `ceasefire-news evaluate --task TASK --predictions FILE` (or",
        "`ceasefire_news.evaluate`) against the gold tables:",
        "",
        "| task | gold table | metrics |",
        "| --- | --- | --- |",
        "| `near_duplicate`, `event`, `topic` (clustering) | `duplicate_groups` | pairwise and B-cubed P/R/F1, ARI, V-measure |",
        "| `near_duplicate_pairs`, `event_pairs`, `topic_pairs` (pair scoring) | `pairs` | average precision, best F1 and its threshold |",
        "| `ner` | `entities` | strict span micro P/R/F1, per-label F1, untyped span F1 |",
        "| `linking` | `entities` (`kb_id`) | accuracy on gold mentions with a Wikidata link |",
        "| `segmentation` | `sentences` | exact segment P/R/F1, boundary F1 |",
        "",
        "### Languages",
        "",
        "English (`en`), as written by the source outlets (American and British spellings both occur).",
        "",
        "## Dataset Structure",
        "",
        "### Data Instances",
        "",
        "The first row of each table (long text cut to 160 characters):",
        "",
    ]
    for name in files:
        data = tables[name]
        first = TABLES[name].from_row(data.slice(0, 1).to_pylist()[0]).model_dump() if data.num_rows else {}
        shown = {k: _short(first[k]) for k in TABLES[name].features if k in first}
        body = ",\n".join(f' "{k}": {json.dumps(v, ensure_ascii=False)}' for k, v in shown.items())
        lines += [f"`{name}`:", "", "```json", "{\n" + body + "\n}", "```", ""]
    lines += ["### Data Fields", ""]
    for name in files:
        table = TABLES[name]
        lines += [f"`{name}`: {table.description}", "", "| field | type | description |", "| --- | --- | --- |"]
        for field_name, feature in table.features.items():
            desc = table.model.model_fields[field_name].description or ""
            lines.append(f"| `{field_name}` | {_feature_type(feature)} | {desc} |")
        lines.append("")
    lines += [
        "Offsets are Python `str` indices (code points) into the document `text`, start inclusive,",
        "end exclusive, in every table.",
        "",
        "### Data Splits",
        "",
        "Every config has a single split, `test`: the corpus is an evaluation benchmark.",
        "",
        "| config | rows |",
        "| --- | ---: |",
    ]
    lines += [f"| `{name}` | {info.num_rows} |" for name, info in files.items()]
    lines += ["", *_statistics(tables)]
    lines += [
        "",
        "## Dataset Creation",
        "",
        "### Curation Rationale",
        "",
        "Benchmarks for near-duplicate detection are usually built from copies with light edits. Real",
        "news syndication produces heavy paraphrases of one wire story, which lexical methods miss. This",
        "corpus pairs such rewrites with a same-event report and a later event, and adds careful",
        "linguistic layers, so one small set of texts tests several kinds of system.",
        "",
        "### Source Data",
        "",
        "#### Initial Data Collection and Normalization",
        "",
        f"{n_docs} articles published online in 2025, kept as UTF-8 text files exactly as collected: no",
        "whitespace, quote or newline normalisation, so offsets can be checked against the files. The",
        "`documents.sha256` column is the SHA-256 of each file's bytes.",
        "",
        "#### Who are the source language producers?",
        "",
        "Journalists and editors of online news outlets, including a partisan alternative-media site",
        "(document 003, with its video note and 'related stories' links).",
        "",
        "### Annotations",
        "",
        "#### Annotation process",
        "",
        "All gold layers follow `seeds/annotations/ANNOTATION_GUIDELINES.md` (shipped with the",
        "source repository), which records every hard-case decision with an example. Segments and",
        "mentions were written by hand, document by document, and reviewed in a rendering with one",
        "segment per line and mentions marked (`ceasefire-news show DOC_ID`). Wikidata Q-ids were",
        "recorded only where a public source pairing the Q-id with the referent was found; the",
        "evidence is kept next to the annotations. No tool output was taken as gold.",
        "",
        *_agreement(facts),
        "#### Who are the annotators?",
        "",
        "The ceasefire-news maintainers, assisted by independent AI annotator sessions working from the",
        "same written guidelines; every disagreement was adjudicated by the maintainers.",
        "",
        "### Personal and Sensitive Information",
        "",
        "The texts name public figures (heads of state, ministers, officials) acting in their public",
        "roles, as reported in the press. They contain no private individuals' personal data.",
        "",
        "## Considerations for Using the Data",
        "",
        "### Social Impact of Dataset",
        "",
        "The texts report on an ongoing war. Systems evaluated here are meant for deduplicating and",
        "organising news, not for judging the truth of any report.",
        "",
        "### Discussion of Biases",
        "",
        "All articles cover one running story from a Western, English-language viewpoint; one",
        "source is a partisan site whose framing differs from the wire copy. Scores on this corpus",
        "say nothing about other topics, languages or genres.",
        "",
        "### Other Known Limitations",
        "",
        f"- Only {n_docs} documents: scores have wide uncertainty; use the corpus as a test, not for training.",
        "- English only; one story (Russia–Ukraine ceasefire diplomacy, 2025).",
        "- Several entity types do not occur in these texts at all (see the counts above).",
        "- Agreement was measured between annotator sessions of one AI model, an upper bound on human agreement.",
        "",
        "## Additional Information",
        "",
        "### Dataset Curators",
        "",
        f"{CREATOR}.",
        "",
        "### Licensing Information",
        "",
        "Annotations: CC-BY-4.0. Code: MIT. Article texts: copyright of their original publishers,",
        "redistributed for non-commercial research and evaluation only. See `LICENSE.md`.",
        "",
        "### Citation Information",
        "",
        "```bibtex",
        cite_as(),
        "```",
        "",
        "### Contributions",
        "",
        "Corrections and new documents are welcome as pull requests against the seeds; every release",
        "lists its changes below, with checksums in `manifest.json`.",
        "",
        "## Changelog",
        "",
        changelog.strip(),
        "",
    ]
    return "\n".join(lines)


def _short(value: object) -> object:
    """A value cut for display: text to 160 characters, lists to 8 items."""
    if isinstance(value, str) and len(value) > 160:
        return value[:160] + "…"
    if isinstance(value, list) and len(value) > 8:
        return value[:8] + ["…"]
    return value


def _column(table: pa.Table, name: str, config: str) -> list:
    """A column as Python values, ClassLabel integers as their names."""
    values = table.column(name).to_pylist()
    names = TABLES[config].label_names.get(name)
    return [names[v] for v in values] if names else values


def _statistics(tables: dict[str, pa.Table]) -> list[str]:
    sentences = tables["sentences"]
    roles = Counter(_column(sentences, "role", "sentences"))
    per_doc = Counter(sentences.column("doc_id").to_pylist())
    docs = tables["documents"]
    lines = ["#### Statistics", "", "| doc_id | characters | segments |", "| --- | ---: | ---: |"]
    lines += [
        f"| `{d}` | {n} | {per_doc[d]} |"
        for d, n in zip(docs.column("doc_id").to_pylist(), docs.column("num_chars").to_pylist())
    ]
    lines += ["", "| segment role | count |", "| --- | ---: |"]
    lines += [f"| {role} | {roles.get(role, 0)} |" for role in TABLES["sentences"].class_labels["role"].names]
    return lines + _entity_stats(tables) + _group_stats(tables)


def _entity_stats(tables: dict[str, pa.Table]) -> list[str]:
    mentions = tables.get("entities")
    if mentions is None or not mentions.num_rows:
        return []
    label_col = _column(mentions, "label", "entities")
    doc_col = mentions.column("doc_id").to_pylist()
    kb_col = mentions.column("kb_id").to_pylist()
    eid_col = mentions.column("entity_id").to_pylist()
    labels = Counter(label_col)
    per_doc = Counter(zip(doc_col, label_col))
    present = [lab for lab in ENTITY_LABELS if labels[lab]]
    lines = ["", "| entity label | mentions |", "| --- | ---: |"]
    lines += [f"| {lab} | {labels[lab]} |" for lab in ENTITY_LABELS]
    lines += [f"| **total** | {mentions.num_rows} |", "", "Labels with 0 mentions do not occur in these texts.", ""]
    lines += ["| doc_id | " + " | ".join(present) + " | total |", "| --- |" + " ---: |" * (len(present) + 1)]
    for doc_id in tables["documents"].column("doc_id").to_pylist():
        cells = [per_doc[(doc_id, lab)] for lab in present]
        lines.append(f"| `{doc_id}` | " + " | ".join(map(str, cells)) + f" | {sum(cells)} |")
    linked = [(kb, eid) for kb, eid in zip(kb_col, eid_col) if kb]
    names = [(kb, eid) for kb, eid in zip(kb_col, eid_col) if eid]
    lines += [
        "",
        f"{len(linked)} of {len(names)} name mentions carry a verified Wikidata `kb_id`; they refer to "
        f"{len({eid for _, eid in names})} distinct referents ({len({kb for kb, _ in linked})} linked, "
        f"{len({eid for kb, eid in names if not kb})} with a `nil:` id).",
    ]
    return lines


def _group_stats(tables: dict[str, pa.Table]) -> list[str]:
    groups = tables.get("duplicate_groups")
    if groups is None or not groups.num_rows:
        return []
    lines = ["", "| group level | groups | documents in non-singleton groups |", "| --- | ---: | ---: |"]
    for level in GROUP_LEVELS:
        sizes = Counter(groups.column(level).to_pylist())
        lines.append(f"| {level} | {len(sizes)} | {sum(n for n in sizes.values() if n > 1)} |")
    relations = relation_counts(groups) if "pairs" in tables else {}
    lines += ["", "| pair relation | pairs |", "| --- | ---: |"]
    return lines + [f"| {rel} | {relations.get(rel, 0)} |" for rel in reversed(RELATIONS)]


def _agreement(facts: dict) -> list[str]:
    agreement = facts.get("agreement")
    if not agreement:
        return []
    return [
        f"Inter-annotator agreement: two independent annotations of the entity layer "
        f"({agreement['mentions_a']} and {agreement['mentions_b']} mentions) agree with strict span+label "
        f"F1 = {agreement['f1']:.4f} before adjudication. Both are kept in `seeds/annotations/agreement/`.",
        "",
    ]


def _feature_type(feature: object) -> str:
    if isinstance(feature, datasets.ClassLabel):
        return "ClassLabel(" + ", ".join(feature.names) + ")"
    if isinstance(feature, datasets.List):
        inner = feature.feature
        return "list of " + (_feature_type(inner) if isinstance(inner, datasets.ClassLabel) else inner.dtype)
    return getattr(feature, "dtype", type(feature).__name__)


def read_changelog(path: Path) -> str:
    """The release notes to embed in the card: top-level heading dropped, other headings one level down."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return "\n".join("#" + line if line.startswith("##") else line for line in lines if not line.startswith("# ")).strip()
