"""The dataset card (README.md of a built dataset): Hub YAML plus a datasheet.

Numbers, tables and statistics come from the data; prose about the dataset comes from the seeds'
dataset.yaml (release/metadata.py); the datasheet skeleton is templates/card.md. A section with
no text says so: the card never borrows another dataset's words.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

import pyarrow as pa
import yaml

from ..schema.models import ALIGNMENT_RELATIONS, ENTITY_LABELS, GROUP_LEVELS, RELATIONS
from ..gold.groups import relation_counts
from ..schema.tables import SPLIT, TABLES, ClassLabel, List, Table, data_file
from ..versions import FORMAT_VERSION, SCHEMA_VERSION
from .metadata import METADATA_FILE, DatasetInfo, NamedLicense

TEMPLATE = Path(__file__).with_name("templates") / "card.md"
LICENSE_FILE = "LICENSE.md"

#: How each table of a build comes about, said once in the overview.
PROVENANCE_TEXT = {
    "source": "the article texts",
    "gold": "gold: from the seeds' annotation files, written and checked by hand",
    "silver": "silver: produced automatically by the pipeline, not checked by hand",
    "derived": "derived from the other tables",
    "absent": "empty: the seeds have no such layer",
}

#: Task rows of the card, each shown only when its gold table is in the build.
TASK_ROWS: tuple[tuple[str, str, str], ...] = (
    ("`near_duplicate`, `event`, `topic` (clustering)", "duplicate_groups", "pairwise and B-cubed P/R/F1, ARI, V-measure"),
    ("`near_duplicate_pairs`, `event_pairs`, `topic_pairs` (pair scoring)", "pairs", "average precision, best F1 and its threshold"),
    ("`ner`", "entities", "strict span micro P/R/F1, per-label F1, untyped span F1"),
    ("`linking`", "entities", "accuracy on gold mentions with a Wikidata link"),
    ("`segmentation`", "sentences", "exact segment P/R/F1, boundary F1"),
    ("`sentence_alignment`", "sentence_pairs", "average precision and best F1 (equivalent; equivalent or partial), MRR@10, nDCG@10, Recall@1"),
    ("`entity_coreference`", "entities", "MUC, B-cubed, CEAF-e and their mean (CoNLL F1)"),
)

#: Hub size_categories by number of documents (upper bounds, exclusive).
SIZE_CATEGORIES: tuple[tuple[int, str], ...] = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
    (1_000_000_000, "100M<n<1B"),
)

#: Card sections whose text only dataset.yaml can give: key under `card:` -> section heading.
SECTIONS: dict[str, str] = {
    "summary": "Dataset Summary",
    "languages": "Languages",
    "curation": "Curation Rationale",
    "sources": "Initial Data Collection and Normalization",
    "source_producers": "Who are the source language producers?",
    "annotation_process": "Annotation process",
    "annotators": "Who are the annotators?",
    "personal_information": "Personal and Sensitive Information",
    "social_impact": "Social Impact of Dataset",
    "biases": "Discussion of Biases",
    "limitations": "Other Known Limitations",
    "licensing": "Licensing Information",
    "curators": "Dataset Curators",
    "contributions": "Contributions",
    "changelog": "Changelog",
}


@dataclass(frozen=True)
class TableFile:
    """What the card says about one written table."""

    num_rows: int
    num_bytes: int
    file_size: int
    sha256: str


def size_category(num_documents: int) -> str:
    """The Hub size category of a dataset with this many documents."""
    for bound, category in SIZE_CATEGORIES:
        if num_documents < bound:
            return category
    return "n>1B"


def hub_license(info: DatasetInfo) -> dict[str, str]:
    """The Hub licence keys: an SPDX id lowercased, `other` with name and link, or `unknown`."""
    lic = info.metadata.license
    if lic is None:
        return {"license": "unknown"}
    if isinstance(lic, NamedLicense):
        return {"license": "other", "license_name": lic.name, "license_link": lic.link}
    return {"license": lic.lower()}


def hub_metadata(info: DatasetInfo, files: dict[str, TableFile], tables: dict[str, pa.Table], facts: dict) -> dict[str, Any]:
    """The card's Hub metadata, every value taken from dataset.yaml or the data (unknown keys left out)."""
    meta = info.metadata
    out: dict[str, Any] = {"pretty_name": info.pretty_name}
    if meta.languages:
        out["language"] = list(meta.languages)
    out.update(hub_license(info))
    if meta.languages:
        out["multilinguality"] = ["monolingual" if len(meta.languages) == 1 else "multilingual"]
    out["size_categories"] = [size_category(files["documents"].num_rows if "documents" in files else 0)]
    if meta.source_datasets:
        out["source_datasets"] = list(meta.source_datasets)
    creators = meta.annotations_creators
    if creators is None and any(kind == "silver" for kind in _provenance(files, facts).values()):
        creators = ["machine-generated"]
    if creators:
        out["annotations_creators"] = list(creators)
    if meta.language_creators:
        out["language_creators"] = list(meta.language_creators)
    entities = tables.get("entities")
    linked = entities is not None and any(_column(entities, "kb_id"))
    categories, task_ids, tags = [], [], []
    if "entities" in files:
        categories.append("token-classification")
        task_ids.append("named-entity-recognition")
    if linked or "pairs" in files:
        categories.append("text-classification")
    if linked:
        task_ids.append("entity-linking-classification")
    if "pairs" in files:
        categories.append("sentence-similarity")
        task_ids.append("semantic-similarity-classification")
    if "duplicate_groups" in files:
        tags += ["near-duplicate-detection", "news-clustering"]
    if "sentences" in files:
        tags.append("sentence-segmentation")
    if linked:
        tags.append("entity-linking")
    tags.append("benchmark")
    for key, value in (("task_categories", categories), ("task_ids", task_ids), ("tags", tags)):
        if value:
            out[key] = value
    return out


def cite_as(info: DatasetInfo) -> str:
    """How to cite the dataset: dataset.yaml's citation, or a @misc entry from name, creators and version."""
    if info.metadata.citation:
        return info.metadata.citation
    key = re.sub(r"[^A-Za-z0-9_]+", "_", info.name).strip("_") or "dataset"
    lines = [f"@misc{{{key},", f"  title = {{{info.pretty_name}}},"]
    if info.metadata.creators:
        lines.append("  author = {" + " and ".join(f"{{{c}}}" for c in info.metadata.creators) + "},")
    lines += [f"  version = {{{info.version}}},", "  note = {Dataset}", "}"]
    return "\n".join(lines)


def license_text(info: DatasetInfo) -> str:
    """LICENSE.md of a build: the seeds' LICENSE file, or a note of what dataset.yaml declares (or that nothing is)."""
    if info.license_text is not None:
        return info.license_text
    lic = info.metadata.license
    lines = [f"# Licence of {info.pretty_name}", ""]
    if lic is None:
        lines += [
            f"No licence was declared for this dataset: its seeds directory has no LICENSE.md and no `license` in",
            f"{METADATA_FILE}. Until one is, ask its creators before redistributing it.",
        ]
    elif isinstance(lic, NamedLicense):
        lines += [f"Licence: {lic.name}, text at {lic.link} (declared in {METADATA_FILE})."]
    else:
        lines += [f"Licence: {lic} (SPDX id; text at https://spdx.org/licenses/{lic}.html), declared in {METADATA_FILE}."]
    lines += [
        "",
        "The article texts remain the work of their authors and publishers; a licence declared here covers",
        "them only as far as the dataset's creators hold the rights to them.",
        "",
    ]
    return "\n".join(lines)


def dataset_info_yaml(name: str, info: TableFile, table: Table | None = None) -> dict[str, Any]:
    """One config's `dataset_info` entry, as `datasets.DatasetInfo._to_yaml_dict` writes it (`table`: another declaration of the config).

    Written here rather than by `datasets` so that a build does not import it (two CPU seconds);
    tests/release/test_card.py checks the two agree for every table.
    """
    features = []
    for column, feature in (table if table is not None else TABLES[name]).columns.items():
        if isinstance(feature, List):
            features.append({"name": column, "list": _yaml_dtype(feature.feature)})
        else:
            features.append({"name": column, "dtype": _yaml_dtype(feature)})
    return {
        "features": features,
        "config_name": name,
        "splits": [{"name": SPLIT, "num_bytes": info.num_bytes, "num_examples": info.num_rows}],
        "download_size": info.file_size,
        "dataset_size": info.num_bytes,
    }


def _yaml_dtype(feature: Any) -> Any:
    if isinstance(feature, ClassLabel):
        return {"class_label": {"names": {str(i): n for i, n in enumerate(feature.names)}}}
    return feature.dtype


def card_yaml(files: dict[str, TableFile], info: DatasetInfo, tables: dict[str, pa.Table], facts: dict) -> dict:
    """The card's YAML front matter: Hub metadata, configs and dataset_info from the declared tables."""
    configs = []
    for i, (name, table_file) in enumerate(files.items()):
        config: dict[str, Any] = {"config_name": name, "data_files": [{"split": SPLIT, "path": data_file(name)}]}
        if i == 0:
            config["default"] = True
        # The version and the content checksum are part of the `datasets` cache key of a
        # local dataset (it hashes the config, not the Parquet bytes), so a rebuilt
        # dataset is never served stale from the cache.
        config["version"] = info.version
        config["description"] = f"{TABLES[name].description} (content sha256 {table_file.sha256[:16]})"
        configs.append(config)
    infos = [dataset_info_yaml(name, f) for name, f in files.items()]
    return {**hub_metadata(info, files, tables, facts), "configs": configs, "dataset_info": infos}


def render_card(tables: dict[str, pa.Table], files: dict[str, TableFile], info: DatasetInfo, facts: dict) -> str:
    """Render the whole card from the template: YAML front matter and a datasheet.

    tables holds the written tables as Arrow; `pairs` may be its first rows only (its counts come
    from `files` and from duplicate_groups).
    """
    text = info.metadata.card
    unfilled: list[str] = []

    def prose(key: str, *parts: str | None) -> str:
        """The given parts joined, or a 'not filled in' line naming the dataset.yaml key."""
        shown = [p.strip() for p in parts if p and p.strip()]
        if shown:
            return "\n\n".join(shown)
        unfilled.append(key)
        where = {
            "curators": f"`creators` in {METADATA_FILE}",
            "changelog": "a CHANGELOG.md in the seeds directory",
        }.get(key, f"`card.{key}` in {METADATA_FILE}")
        return f"*Not filled in: add {where}.*"

    n_docs = tables["documents"].num_rows if "documents" in tables else 0
    lic = info.metadata.license
    declared = None
    if isinstance(lic, NamedLicense):
        declared = f"Licence: {lic.name} ({lic.link}). See `{LICENSE_FILE}`."
    elif lic is not None:
        declared = f"Licence: {lic} (SPDX id). See `{LICENSE_FILE}`."
    languages = ", ".join(f"`{code}`" for code in info.metadata.languages or [])
    values = {
        "front_matter": yaml.safe_dump(card_yaml(files, info, tables, facts), sort_keys=False, allow_unicode=True, width=120).rstrip("\n"),
        "pretty_name": info.pretty_name,
        "version": info.version,
        "schema_version": SCHEMA_VERSION,
        "format_version": FORMAT_VERSION,
        "overview": _overview(info, files, facts, n_docs),
        "summary": prose("summary", info.metadata.description, text.summary),
        "tasks": _tasks(files, text.tasks),
        "languages": prose("languages", text.languages or (f"Texts in {languages}." if languages else None)),
        "instances": _instances(tables, files),
        "fields": _fields(files),
        "splits": "\n".join(["| config | rows |", "| --- | ---: |", *(f"| `{n}` | {f.num_rows} |" for n, f in files.items())]),
        "statistics": "\n".join(_statistics(tables) + _alignment_stats(tables, facts)),
        "curation": prose("curation", text.curation),
        "sources": prose("sources", text.sources),
        "n_docs": str(n_docs),
        "source_producers": prose("source_producers", text.source_producers),
        "annotation_process": prose("annotation_process", text.annotation_process),
        "agreement": "\n\n".join([_agreement(facts), *filter(None, _alignment_agreement(facts))]),
        "annotators": prose("annotators", text.annotators),
        "personal_information": prose("personal_information", text.personal_information),
        "social_impact": prose("social_impact", text.social_impact),
        "biases": prose("biases", text.biases),
        "limitations": _limitations(tables, n_docs, text.limitations),
        "curators": prose("curators", (", ".join(info.metadata.creators) + ".") if info.metadata.creators else None),
        "licensing": prose("licensing", text.licensing or declared),
        "citation": cite_as(info),
        "contributions": prose("contributions", text.contributions),
        "changelog": prose("changelog", read_changelog(info.changelog) if info.changelog else None),
    }
    values["unfilled"] = _unfilled_note(info, unfilled)
    card = Template(TEMPLATE.read_text(encoding="utf-8")).substitute(values)
    return re.sub(r"\n{3,}", "\n\n", card).rstrip("\n") + "\n"


def _unfilled_note(info: DatasetInfo, unfilled: list[str]) -> str:
    if not unfilled:
        return ""
    names = ", ".join(SECTIONS[k] for k in unfilled)
    source = (
        f"The seeds directory has no {METADATA_FILE}: the name ({info.name}) and version ({info.version}) are defaults."
        if not info.has_metadata
        else f"Some sections have no text in {METADATA_FILE}."
    )
    return f"\n> {source} Sections not filled in: {names}.\n"


def _provenance(files: dict[str, TableFile], facts: dict) -> dict[str, str]:
    kinds = facts.get("provenance", {})
    return {name: kinds[name] for name in files if name in kinds}


def _overview(info: DatasetInfo, files: dict[str, TableFile], facts: dict, n_docs: int) -> str:
    lines = []
    if info.metadata.homepage:
        lines += [f"- **Homepage:** {info.metadata.homepage}", ""]
    lines.append(f"{n_docs} news articles, published as {len(files)} Parquet tables.")
    by_kind: dict[str, list[str]] = {}
    for name, kind in _provenance(files, facts).items():
        by_kind.setdefault(kind, []).append(f"`{name}`")
    for kind in PROVENANCE_TEXT:
        if kind in by_kind:
            lines.append(f"- {', '.join(by_kind[kind])}: {PROVENANCE_TEXT[kind]}.")
    return "\n".join(lines)


def _tasks(files: dict[str, TableFile], note: str | None) -> str:
    rows = [r for r in TASK_ROWS if r[1] in files]
    if not rows:
        return "No benchmark task: the build has none of the gold tables they are scored against."
    intro = note.strip() if note else "Each task is scored against the gold table next to it:"
    table = ["| task | gold table | metrics |", "| --- | --- | --- |"]
    table += [f"| {task} | `{name}`{' (`kb_id`)' if task == '`linking`' else ''} | {metrics} |" for task, name, metrics in rows]
    ci = "Every score comes with a 95% bootstrap confidence interval over the task's natural unit."
    return intro + "\n\n" + "\n".join(table) + "\n\n" + ci


def _instances(tables: dict[str, pa.Table], files: dict[str, TableFile]) -> str:
    lines: list[str] = []
    for name in files:
        first = _first_row(name, tables[name]) if name in tables else {}
        if not first:
            lines += [f"`{name}`: no rows in this build.", ""]
            continue
        shown = {k: _short(first[k]) for k in TABLES[name].columns if k in first}
        body = ",\n".join(f' "{k}": {json.dumps(v, ensure_ascii=False)}' for k, v in shown.items())
        lines += [f"`{name}`:", "", "```json", "{\n" + body + "\n}", "```", ""]
    return "\n".join(lines).rstrip("\n")


def _fields(files: dict[str, TableFile]) -> str:
    lines: list[str] = []
    for name in files:
        table = TABLES[name]
        lines += [f"`{name}`: {table.description}", "", "| field | type | description |", "| --- | --- | --- |"]
        for field_name, feature in table.columns.items():
            desc = table.model.model_fields[field_name].description or ""
            lines.append(f"| `{field_name}` | {_feature_type(feature)} | {desc} |")
        lines.append("")
    return "\n".join(lines).rstrip("\n")


def _limitations(tables: dict[str, pa.Table], n_docs: int, note: str | None) -> str:
    """Limitations read off the data, then dataset.yaml's own."""
    bullets = []
    if n_docs < 100:
        bullets.append(f"- Only {n_docs} documents: scores have wide uncertainty; use the corpus as a test, not for training.")
    mentions = tables.get("entities")
    if mentions is not None and mentions.num_rows:
        absent = len(set(ENTITY_LABELS) - set(_column(mentions, "label")))
        if absent:
            bullets.append(f"- {absent} of the {len(ENTITY_LABELS)} entity types do not occur in these texts at all (see the counts above).")
    if note:
        bullets.append(note.strip())
    return "\n".join(bullets) if bullets else "No limitation is recorded (`card.limitations` in dataset.yaml)."


def _first_row(name: str, rows: pa.Table) -> dict:
    """The first row of a table as a record dict; {} if empty."""
    return TABLES[name].from_row(rows.slice(0, 1).to_pylist()[0]).model_dump() if rows.num_rows else {}


def _column(table: pa.Table, name: str) -> list:
    """A column as Python values (ClassLabel columns hold label names)."""
    return table.column(name).to_pylist()


def _alignment_stats(tables: dict[str, pa.Table], facts: dict) -> list[str]:
    """Counts of the alignment layer, or the statement that the seeds have none."""
    if not facts.get("alignments_present"):
        return [
            "",
            "The alignment layer is absent from these seeds (no `annotations/alignments.jsonl`): the",
            "`alignments` and `sentence_pairs` tables are empty (`datasets.load_dataset` cannot read a split",
            "without rows; the package's `load` returns them as empty tables with their features).",
        ]
    links = Counter(_column(tables["alignments"], "relation")) if "alignments" in tables else Counter()
    pairs = tables["sentence_pairs"].num_rows
    lines = ["", "| segment pair label | pairs |", "| --- | ---: |"]
    lines += [f"| {label} | {links.get(label, 0)} |" for label in ALIGNMENT_RELATIONS]
    lines.append(f"| unrelated | {pairs - sum(links.values())} |")
    return lines + [f"| **cross-document segment pairs** | {pairs} |"]


def _short(value: object) -> object:
    """A value cut for display: text to 160 characters, lists to 8 items."""
    if isinstance(value, str) and len(value) > 160:
        return value[:160] + "…"
    if isinstance(value, list) and len(value) > 8:
        return value[:8] + ["…"]
    return value


def _statistics(tables: dict[str, pa.Table]) -> list[str]:
    sentences = tables.get("sentences")
    roles = Counter(_column(sentences, "role")) if sentences is not None else Counter()
    per_doc = Counter(_column(sentences, "doc_id")) if sentences is not None else Counter()
    docs = tables.get("documents")
    lines = ["| doc_id | characters | segments |", "| --- | ---: | ---: |"]
    if docs is not None:
        lines += [f"| `{d}` | {n} | {per_doc[d]} |" for d, n in zip(_column(docs, "doc_id"), _column(docs, "num_chars"))]
    if sentences is not None and sentences.num_rows:
        lines += ["", "| segment role | count |", "| --- | ---: |"]
        lines += [f"| {role} | {roles.get(role, 0)} |" for role in TABLES["sentences"].class_labels["role"].names]
    return lines + _entity_stats(tables) + _group_stats(tables)


def _entity_stats(tables: dict[str, pa.Table]) -> list[str]:
    mentions = tables.get("entities")
    if mentions is None or not mentions.num_rows:
        return []
    label_col = _column(mentions, "label")
    kb_col = _column(mentions, "kb_id")
    eid_col = _column(mentions, "entity_id")
    labels = Counter(label_col)
    per_doc = Counter(zip(_column(mentions, "doc_id"), label_col))
    present = [lab for lab in ENTITY_LABELS if labels[lab]]
    lines = ["", "| entity label | mentions |", "| --- | ---: |"]
    lines += [f"| {lab} | {labels[lab]} |" for lab in ENTITY_LABELS]
    lines += [f"| **total** | {mentions.num_rows} |", "", "Labels with 0 mentions do not occur in these texts.", ""]
    lines += ["| doc_id | " + " | ".join(present) + " | total |", "| --- |" + " ---: |" * (len(present) + 1)]
    for doc_id in _column(tables["documents"], "doc_id"):
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
        sizes = Counter(_column(groups, level))
        lines.append(f"| {level} | {len(sizes)} | {sum(n for n in sizes.values() if n > 1)} |")
    # Counted from the group sizes (O(n)), not from the n(n-1)/2 rows of the pairs table.
    relations = relation_counts(groups) if "pairs" in tables else {}
    lines += ["", "| pair relation | pairs |", "| --- | ---: |"]
    return lines + [f"| {rel} | {relations.get(rel, 0)} |" for rel in reversed(RELATIONS)]


def _agreement(facts: dict) -> str:
    agreement = facts.get("agreement")
    if not agreement:
        return (
            "No independent annotations are in the seeds (`annotations/agreement/`), so no "
            "inter-annotator agreement is reported."
        )
    return (
        f"Inter-annotator agreement: two independent annotations of the entity layer "
        f"({agreement['mentions_a']} and {agreement['mentions_b']} mentions) agree with strict span+label "
        f"F1 = {agreement['f1']:.4f} before adjudication. Both are kept in the seeds' `annotations/agreement/`."
    )


def _alignment_agreement(facts: dict) -> list[str]:
    pairs = facts.get("alignment_agreement")
    if not pairs:
        return []
    lines = []
    for p in pairs:
        kappa = "undefined (both mark every pair unrelated)" if p["kappa"] is None else f"{p['kappa']:.4f}"
        lines.append(
            f"Alignment agreement before adjudication, {p['annotators'][0]} vs {p['annotators'][1]} "
            f"({p['links_a']} and {p['links_b']} links): Cohen's kappa over all {p['pairs']} cross-document "
            f"segment pairs (unrelated, partial, equivalent) = {kappa}; link F1 = {p['link_f1']:.4f} "
            f"(same pair), {p['link_f1_relation']:.4f} (same pair and relation). Both annotations are kept in "
            "`seeds/annotations/alignment_agreement/`."
        )
        lines.append("")
    return lines


def _feature_type(feature: object) -> str:
    if isinstance(feature, ClassLabel):
        return "ClassLabel(" + ", ".join(feature.names) + ")"
    if isinstance(feature, List):
        return "list of " + _feature_type(feature.feature)
    return getattr(feature, "dtype", type(feature).__name__)


def read_changelog(text: str) -> str:
    """Release notes to embed in the card: top-level heading dropped, other headings one level down."""
    lines = text.splitlines()
    return "\n".join("#" + line if line.startswith("##") else line for line in lines if not line.startswith("# ")).strip()
