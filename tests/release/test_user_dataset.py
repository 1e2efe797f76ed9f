"""A user's own dataset: a build of two foreign articles describes *their* data, never the project's."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import mlcroissant as mlc
import pytest
import yaml

from ceasefire_news import build, validate
from ceasefire_news.release.metadata import default_name
from ..helpers import assert_build_fails_located

FOREIGN = Path(__file__).resolve().parents[1] / "fixtures" / "foreign_seeds"
PROJECT_DOC_IDS = [
    "000_a604801cb8896bbe",
    "001_962f232c241942aa",
    "002_1326406fc45ba7b4",
    "003_dbbfab3a559acc3c",
    "004_8a3745de7e51fef9",
]
#: What the project's own prose would leak: its doc_ids, its subject, its people, its size.
FORBIDDEN = [*PROJECT_DOC_IDS, "ceasefire", "witkoff", "five articles", "putin", "partisan", "2025"]
#: The files a build writes for people to read (licence note, card with citation, Croissant).
DESCRIPTIVE_FILES = ["README.md", "LICENSE.md", "croissant.json"]


def seeds_at(tmp_path: Path, folder: str = "library-news") -> Path:
    """The foreign seeds copied to tmp_path/<folder>/seeds (the documented layout)."""
    return Path(shutil.copytree(FOREIGN, tmp_path / folder / "seeds"))


def card(root: Path) -> tuple[dict, str]:
    _, front, body = (root / "README.md").read_text(encoding="utf-8").split("---\n", 2)
    return yaml.safe_load(front), body


@pytest.fixture(scope="module")
def foreign(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two foreign articles built with no dataset.yaml, LICENSE or CHANGELOG."""
    tmp = tmp_path_factory.mktemp("foreign")
    return build(seeds_at(tmp), tmp / "out")


def test_no_sentence_about_the_project_corpus(foreign: Path) -> None:
    for name in DESCRIPTIVE_FILES:
        text = (foreign / name).read_text(encoding="utf-8").lower()
        for word in FORBIDDEN:
            assert word not in text, f"{name} mentions {word!r}"
    meta = json.loads((foreign / "croissant.json").read_text())
    assert all(word not in meta["citeAs"].lower() for word in FORBIDDEN)


def test_card_states_what_the_data_says(foreign: Path) -> None:
    meta, body = card(foreign)
    manifest = json.loads((foreign / "manifest.json").read_text())
    assert manifest["name"] == "library-news" and manifest["dataset_version"] == "0.0.0"
    assert meta["pretty_name"] == "library-news"
    assert meta["license"] == "unknown" and "license_name" not in meta
    assert meta["size_categories"] == ["n<1K"]
    assert "language" not in meta and "annotations_creators" not in meta  # not known without dataset.yaml
    assert all(c["version"] == "0.0.0" for c in meta["configs"])
    assert "# Dataset Card for library-news" in body
    assert "Dataset version 0.0.0" in body
    assert "2 news articles, published as 8 Parquet tables." in body
    assert "`sentences`, `entities`, `duplicate_groups`: gold" in body
    for name, entry in manifest["tables"].items():
        assert f"| `{name}` | {entry['num_rows']} |" in body
    assert "| PERSON | 2 |" in body and "| **total** | 14 |" in body
    assert "0 of 6 name mentions carry a verified Wikidata `kb_id`" in body
    assert "| same_event | 1 |" in body
    assert "- Only 2 documents" in body


def test_card_names_every_section_it_cannot_fill(foreign: Path) -> None:
    _, body = card(foreign)
    note = re.search(r"^> The seeds directory has no dataset.yaml: the name \(library-news\) and version \(0.0.0\) are defaults\. Sections not filled in: (.+)\.$", body, re.M)
    assert note, body[:2000]
    missing = note.group(1).split(", ")
    assert "Dataset Summary" in missing and "Discussion of Biases" in missing and "Licensing Information" in missing
    assert body.count("*Not filled in: add ") == len(missing)
    assert "*Not filled in: add `card.biases` in dataset.yaml.*" in body
    assert "*Not filled in: add a CHANGELOG.md in the seeds directory.*" in body


def test_no_agreement_is_claimed_without_independent_annotations(foreign: Path) -> None:
    _, body = card(foreign)
    assert "agree with strict span+label" not in body
    assert "no inter-annotator agreement is reported" in body


def test_licence_note_and_citation(foreign: Path) -> None:
    licence = (foreign / "LICENSE.md").read_text()
    assert licence.startswith("# Licence of library-news\n")
    assert "No licence was declared" in licence
    _, body = card(foreign)
    citation = body.split("```bibtex\n", 1)[1].split("```", 1)[0]
    assert citation == "@misc{library_news,\n  title = {library-news},\n  version = {0.0.0},\n  note = {Dataset}\n}\n"


def test_croissant_of_a_user_build_validates(foreign: Path) -> None:
    ds = mlc.Dataset(jsonld=foreign / "croissant.json")
    assert not ds.metadata.ctx.issues.errors
    assert ds.metadata.name == "library-news" and ds.metadata.version == "0.0.0"
    meta = json.loads((foreign / "croissant.json").read_text())
    assert "license" not in meta and "creator" not in meta and "inLanguage" not in meta
    docs = list(ds.records(record_set="documents"))
    assert sorted(r["documents/doc_id"].decode() for r in docs) == ["riverside_a", "riverside_b"]


def test_dataset_yaml_fills_the_card(tmp_path: Path) -> None:
    seeds = seeds_at(tmp_path)
    (seeds / "dataset.yaml").write_text(
        "name: riverside\nversion: 0.2.0\ndescription: Two local reports of a library reopening.\n"
        "license: CC-BY-4.0\nlanguages: [en]\ncreators: [Jane Roe, Riverside Gazette]\n"
        "card:\n  biases: One town, one week.\n",
        encoding="utf-8",
    )
    (seeds / "CHANGELOG.md").write_text("# Changes\n\n## 0.2.0\n\n- Second article.\n", encoding="utf-8")
    out = build(seeds, tmp_path / "out")
    meta, body = card(out)
    assert meta["license"] == "cc-by-4.0" and meta["language"] == ["en"] and meta["multilinguality"] == ["monolingual"]
    assert "Two local reports of a library reopening." in body
    assert "### Discussion of Biases\n\nOne town, one week.\n" in body
    assert "### 0.2.0\n\n- Second article." in body.split("## Changelog", 1)[1]
    assert "Licence: CC-BY-4.0 (SPDX id). See `LICENSE.md`." in body
    assert "author = {{Jane Roe} and {Riverside Gazette}}" in body and "version = {0.2.0}" in body
    assert "Sections not filled in:" in body and "Discussion of Biases" not in body.split("## Table of Contents")[0]
    croissant = json.loads((out / "croissant.json").read_text())
    assert croissant["license"] == ["https://spdx.org/licenses/CC-BY-4.0.html"]
    assert croissant["creator"] == [{"@type": "sc:Organization", "name": "Jane Roe"}, {"@type": "sc:Organization", "name": "Riverside Gazette"}]
    assert "Licence: CC-BY-4.0" in (out / "LICENSE.md").read_text()
    manifest = validate(out)
    assert manifest.name == "riverside" and manifest.dataset_version == "0.2.0"
    assert {"dataset.yaml", "CHANGELOG.md"} <= set(manifest.inputs)


def test_seeds_license_file_is_copied(tmp_path: Path) -> None:
    seeds = seeds_at(tmp_path)
    (seeds / "LICENSE.md").write_text("# Our terms\n\nAsk us first.\n", encoding="utf-8")
    out = build(seeds, tmp_path / "out")
    assert (out / "LICENSE.md").read_text() == "# Our terms\n\nAsk us first.\n"


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("name: riverside\nlicence: MIT\n", ["dataset.yaml:2", "field 'licence'", "Extra inputs are not permitted"]),
        ("name: riverside\nversion: 1.0\n", ["dataset.yaml:2", "field 'version'", "valid string"]),
        ("card:\n  biases: ok\n  bias: typo\n", ["dataset.yaml:3", "field 'card.bias'", "Extra inputs"]),
        ("languages: [en, English]\n", ["dataset.yaml:1", "field 'languages.1'", "'English'"]),
        ("license:\n  name: Our Terms\n  link: LICENSE.md\n", ["dataset.yaml:2", "field 'license.name'"]),
        ("version: 1.0.0\ncitation: '@misc{x, version = {0.9.0}}'\n", ["dataset.yaml", "field 'citation'", "'0.9.0'"]),
        ("name: [unclosed\n", ["dataset.yaml:2", "invalid YAML"]),
        ("- a list\n", ["dataset.yaml:1", "expected a mapping"]),
    ],
)
def test_bad_dataset_yaml_is_a_located_error(tmp_path: Path, text: str, fragments: list[str]) -> None:
    seeds = seeds_at(tmp_path)
    (seeds / "dataset.yaml").write_text(text, encoding="utf-8")
    assert_build_fails_located(seeds, tmp_path / "out", fragments)


@pytest.mark.parametrize(
    ("path", "name"),
    [("corpus/seeds", "corpus"), ("seeds", "p"), ("corpus", "corpus"), ("My Corpus (2024)", "My-Corpus-2024"), ("__", "dataset")],
)
def test_default_name(tmp_path: Path, path: str, name: str) -> None:
    """The seeds folder's name, its parent's when it is called seeds, made Hub-safe."""
    assert default_name(tmp_path / "p" / path) == name
    assert default_name(Path("/seeds")) == "seeds"  # no parent name to take


def test_agreement_is_reported_from_independent_annotations(tmp_path: Path) -> None:
    """Two annotators' files in annotations/agreement/: the card reports their F1, computed from them."""
    seeds = seeds_at(tmp_path)
    gold = [json.loads(line) for line in (seeds / "annotations/entities/riverside_a.jsonl").read_text().splitlines()]
    spans = [{k: m[k] for k in ("doc_id", "start", "end", "text", "label")} for m in gold]
    for annotator, rows in (("a", spans), ("b", spans[:-1])):  # b missed one of 7 mentions
        folder = seeds / "annotations" / "agreement" / annotator
        folder.mkdir(parents=True)
        (folder / "riverside_a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    _, body = card(build(seeds, tmp_path / "out"))
    assert len(spans) == 7
    assert "(7 and 6 mentions) agree with strict span+label F1 = 0.9231 before adjudication" in body
    assert "no inter-annotator agreement is reported" not in body
