"""The dataset card: Hub metadata from the allowed lists, datasheet structure, counts from the data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import datasets
import pytest
import yaml

from ceasefire_news import DATASET_VERSION
from ceasefire_news.release.card import TableFile, dataset_info_yaml, size_category
from ceasefire_news.schema.tables import TABLES

RESOURCES = Path(datasets.__file__).parent / "utils" / "resources"
HUB_TASKS = json.loads((Path(__file__).parents[1] / "fixtures" / "hub_tasks.json").read_text())
PROJECT = Path(__file__).resolve().parents[2]


def card_parts(built: Path) -> tuple[dict, str]:
    _, front, body = (built / "README.md").read_text(encoding="utf-8").split("---\n", 2)
    return yaml.safe_load(front), body


def test_hub_metadata_values_are_allowed(built: Path) -> None:
    meta, _ = card_parts(built)
    for key in ("license", "language", "task_categories", "task_ids", "size_categories", "pretty_name",
                "tags", "annotations_creators", "source_datasets", "configs", "dataset_info"):
        assert meta.get(key), key
    creators = json.loads((RESOURCES / "creators.json").read_text())
    assert set(meta["annotations_creators"]) <= set(creators["annotations"])
    assert set(meta["language_creators"]) <= set(creators["language"])
    assert set(meta["size_categories"]) <= set(json.loads((RESOURCES / "size_categories.json").read_text()))
    assert set(meta["multilinguality"]) <= set(json.loads((RESOURCES / "multilingualities.json").read_text()))
    assert set(meta["language"]) <= set(json.loads((RESOURCES / "languages.json").read_text()))
    categories = HUB_TASKS["task_categories"]
    assert set(meta["task_categories"]) <= set(categories)
    allowed_ids = {t for c in meta["task_categories"] for t in categories[c]}
    assert set(meta["task_ids"]) <= allowed_ids
    # "other" is allowed by the Hub only with a licence name and a link to the licence text.
    assert meta["license"] == "other" and meta["license_name"] and (built / meta["license_link"]).is_file()
    hub = {k: v for k, v in meta.items() if k not in ("configs", "dataset_info")}
    assert hub == {
        "pretty_name": "ceasefire-news",  # from seeds/dataset.yaml
        "language": ["en"],
        "license": "other",
        "license_name": "news-texts-research-only",
        "license_link": "LICENSE.md",
        "multilinguality": ["monolingual"],  # one language
        "size_categories": ["n<1K"],  # from the document count
        "source_datasets": ["original"],
        "annotations_creators": ["expert-generated"],
        "language_creators": ["found"],
        # from the tables present and the Wikidata links in them
        "task_categories": ["token-classification", "text-classification", "sentence-similarity"],
        "task_ids": ["named-entity-recognition", "entity-linking-classification", "semantic-similarity-classification"],
        "tags": ["near-duplicate-detection", "news-clustering", "sentence-segmentation", "entity-linking", "benchmark"],
    }


def test_size_category_matches_the_data(built: Path) -> None:
    meta, _ = card_parts(built)
    docs = next(i for i in meta["dataset_info"] if i["config_name"] == "documents")
    assert docs["splits"][0]["num_examples"] < 1000 and meta["size_categories"] == ["n<1K"]


@pytest.mark.parametrize(
    ("documents", "category"),
    [(0, "n<1K"), (999, "n<1K"), (1000, "1K<n<10K"), (2000, "1K<n<10K"), (10_000, "10K<n<100K"), (250_000, "100K<n<1M")],
)
def test_size_category_follows_the_document_count(documents: int, category: str) -> None:
    assert size_category(documents) == category
    assert category in json.loads((RESOURCES / "size_categories.json").read_text())


@pytest.mark.parametrize("name", list(TABLES))
def test_dataset_info_is_what_datasets_writes(name: str) -> None:
    """The hand-written dataset_info entry equals `datasets`' own serialisation of the Features."""
    info = TableFile(num_rows=7, num_bytes=123, file_size=45, sha256="0" * 64)
    splits = datasets.SplitDict()
    splits.add(datasets.SplitInfo(name="test", num_bytes=123, num_examples=7))
    expected = datasets.DatasetInfo(
        features=TABLES[name].features, splits=splits, download_size=45, dataset_size=123, config_name=name
    )._to_yaml_dict()
    assert dataset_info_yaml(name, info) == expected


@pytest.mark.parametrize(("name", "candidates"), [("pairs", True), ("duplicate_groups", True), ("sentence_embeddings", False)])
def test_dataset_info_of_silver_declarations_is_what_datasets_writes(name: str, candidates: bool) -> None:
    """The silver card uses the same hand-written entry for its own declarations (candidate pairs, optional tables)."""
    from ceasefire_news.schema.tables import declared_table

    table = declared_table(name, candidates)
    info = TableFile(num_rows=3, num_bytes=99, file_size=12, sha256="0" * 64)
    splits = datasets.SplitDict()
    splits.add(datasets.SplitInfo(name="test", num_bytes=99, num_examples=3))
    expected = datasets.DatasetInfo(features=table.features, splits=splits, download_size=12, dataset_size=99, config_name=name)._to_yaml_dict()
    assert dataset_info_yaml(name, info, table) == expected


def _required_headings(node: dict, level: int) -> list[tuple[int, str]]:
    out = []
    for child in node.get("subsections") or []:
        if not child["allow_empty"]:
            out.append((level, child["name"]))
        out += _required_headings(child, level + 1)
    return out


def test_datasheet_follows_the_hub_card_structure(built: Path) -> None:
    _, body = card_parts(built)
    headings = [(len(m.group(1)), m.group(2).strip()) for m in re.finditer(r"^(#+) (.+)$", body, re.M)]
    structure = yaml.safe_load((RESOURCES / "readme_structure.yaml").read_text())
    for level, name in _required_headings(structure, 1):
        name = "Dataset Card for ceasefire-news" if name == "Dataset Card for X" else name
        assert (level, name) in headings, (level, name)
    order = [h for h in headings if h in {(2, "Dataset Description"), (2, "Dataset Structure"), (2, "Dataset Creation"), (2, "Additional Information")}]
    assert [name for _, name in order] == ["Dataset Description", "Dataset Structure", "Dataset Creation", "Additional Information"]


def test_counts_in_the_card_come_from_the_data(built: Path) -> None:
    _, body = card_parts(built)
    manifest = json.loads((built / "manifest.json").read_text())
    for name, entry in manifest["tables"].items():
        assert f"| `{name}` | {entry['num_rows']} |" in body
    assert "| GPE | 166 |" in body and "| **total** | 449 |" in body and "| EVENT | 0 |" in body
    assert "| near_duplicate | 3 |" in body and "| same_topic | 4 |" in body
    assert re.search(r"strict span\+label F1 = 0\.99\d\d before adjudication", body)
    assert "318 of 375 name mentions carry a verified Wikidata `kb_id`" in body


def test_changelog_and_citation_are_rendered(built: Path) -> None:
    _, body = card_parts(built)
    assert f"### {DATASET_VERSION}" in body.split("## Changelog", 1)[1]
    assert f"version = {{{DATASET_VERSION}}}" in body
    cff = yaml.safe_load((PROJECT / "CITATION.cff").read_text())
    assert cff["version"] == DATASET_VERSION and cff["type"] == "dataset"
    assert f"## {DATASET_VERSION}" in (PROJECT / "seeds" / "CHANGELOG.md").read_text()
    assert yaml.safe_load((PROJECT / "seeds" / "dataset.yaml").read_text())["version"] == DATASET_VERSION


@pytest.mark.parametrize("section", ["Personal and Sensitive Information", "Discussion of Biases", "Other Known Limitations", "Licensing Information"])
def test_datasheet_sections_have_text(built: Path, section: str) -> None:
    _, body = card_parts(built)
    text = body.split(f"### {section}", 1)[1].split("\n#", 1)[0]
    assert len(text.strip()) > 80


def test_card_is_pinned(built: Path, file_regression) -> None:
    file_regression.check((built / "README.md").read_text(encoding="utf-8"), basename="dataset_card", extension=".md")
