"""dataset.yaml: what a seeds directory says about its dataset (name, version, licence, card prose).

Everything here is optional. Without the file, or without a key, the card states what is known
from the data and names the sections that are not filled in; it never borrows another dataset's
text. Defaults: `name` is the seeds folder's name (its parent's when the folder is called `seeds`,
as in `my-corpus/seeds/`), made Hub-safe; `version` is 0.0.0 (nothing released yet).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Discriminator, Field, StringConstraints, Tag, ValidationError

from ..errors import ProblemLog
from ..versions import UNRELEASED

METADATA_FILE = "dataset.yaml"
#: Per-dataset files a seeds directory may carry next to dataset.yaml (first match wins).
LICENSE_FILES = ("LICENSE.md", "LICENSE", "LICENSE.txt")
CHANGELOG_FILES = ("CHANGELOG.md",)
DEFAULT_VERSION = UNRELEASED

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$"
SEMVER_PATTERN = r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$"
#: An SPDX licence identifier (https://spdx.org/licenses/), e.g. CC-BY-4.0, MIT, Apache-2.0.
SPDX_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9.+-]*$"
#: A BCP-47 language tag, e.g. en, de, pt-BR.
LANGUAGE_PATTERN = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
URL_PATTERN = r"^https?://\S+$"

Prose = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
AnnotationsCreator = Literal["crowdsourced", "expert-generated", "found", "machine-generated", "no-annotation", "other"]
LanguageCreator = Literal["crowdsourced", "expert-generated", "found", "machine-generated", "other"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class NamedLicense(_Strict):
    """A licence without an SPDX id: its name and where its text is."""

    name: str = Field(
        pattern=r"^[a-z0-9][a-z0-9.-]*$",
        description="Short lowercase licence name (the Hub's license_name), e.g. news-texts-research-only.",
    )
    link: str = Field(
        min_length=1,
        description="URL of the licence text, or LICENSE.md for the LICENSE file copied from the seeds directory.",
    )


#: A licence: an SPDX id string, or a {name, link} mapping (chosen by the value's type, so an
#: error names only the branch that was meant).
License = Annotated[
    Union[
        Annotated[Annotated[str, StringConstraints(pattern=SPDX_PATTERN)], Tag("spdx")],
        Annotated[NamedLicense, Tag("named")],
    ],
    Discriminator(lambda value: "named" if isinstance(value, (dict, NamedLicense)) else "spdx"),
]


class CardText(_Strict):
    """Free text for the datasheet sections that only the dataset's authors can write (Markdown)."""

    summary: Prose | None = Field(None, description="Dataset Summary: more on what the data is, after the description.")
    tasks: Prose | None = Field(None, description="Supported Tasks: how the tasks are meant to be used, after the task table.")
    languages: Prose | None = Field(None, description="Languages: the language varieties, registers, spellings.")
    curation: Prose | None = Field(None, description="Curation Rationale: why the dataset was made and how texts were chosen.")
    sources: Prose | None = Field(None, description="Initial Data Collection: where, when and how the texts were collected.")
    source_producers: Prose | None = Field(None, description="Who are the source language producers: the writers and outlets.")
    annotation_process: Prose | None = Field(None, description="Annotation process: guidelines, tools, review.")
    annotators: Prose | None = Field(None, description="Who are the annotators.")
    personal_information: Prose | None = Field(None, description="Personal and Sensitive Information in the texts.")
    social_impact: Prose | None = Field(None, description="Social Impact of Dataset: intended and unintended uses.")
    biases: Prose | None = Field(None, description="Discussion of Biases: whose viewpoint, which topics, which outlets.")
    limitations: Prose | None = Field(None, description="Other Known Limitations (Markdown, e.g. a bullet list).")
    licensing: Prose | None = Field(None, description="Licensing Information: which material is under which terms.")
    contributions: Prose | None = Field(None, description="Contributions: how to report errors or add documents.")


class DatasetMetadata(_Strict):
    """seeds/dataset.yaml: the dataset's identity, licence, citation and the card's prose."""

    name: str | None = Field(
        None,
        pattern=NAME_PATTERN,
        description="Dataset id (letters, digits, . _ -); default: the seeds folder name, or its parent's if it is 'seeds'.",
    )
    pretty_name: Prose | None = Field(None, description="Human-readable title of the card; default: name.")
    version: str = Field(DEFAULT_VERSION, pattern=SEMVER_PATTERN, description="Dataset semver; default 0.0.0.")
    description: Prose | None = Field(
        None, description="One paragraph saying what the dataset is, shared by the card and Croissant."
    )
    license: License | None = Field(
        None, description="SPDX licence id (e.g. CC-BY-4.0), or {name, link} for another licence; default: not stated."
    )
    languages: list[Annotated[str, StringConstraints(pattern=LANGUAGE_PATTERN)]] | None = Field(
        None, min_length=1, description="BCP-47 codes of the texts' languages, e.g. [en]; default: not stated."
    )
    creators: list[Prose] = Field(
        default_factory=list, description="People or organisations who made the dataset (card curators, Croissant creator)."
    )
    citation: Prose | None = Field(
        None,
        description="How to cite the dataset (BibTeX); a `version = {...}` in it must equal version. "
        "Default: a @misc entry made from name, creators and version.",
    )
    homepage: str | None = Field(None, pattern=URL_PATTERN, description="URL of the dataset's home page.")
    annotations_creators: list[AnnotationsCreator] | None = Field(
        None, min_length=1, description="Hub annotations_creators, e.g. [expert-generated]; default: not stated."
    )
    language_creators: list[LanguageCreator] | None = Field(
        None, min_length=1, description="Hub language_creators, e.g. [found]; default: not stated."
    )
    source_datasets: list[Prose] | None = Field(
        None, min_length=1, description="Hub source_datasets, e.g. [original]; default: not stated."
    )
    card: CardText = Field(default_factory=CardText, description="Free text of the card's datasheet sections.")


@dataclass(frozen=True)
class DatasetInfo:
    """A seeds directory's metadata with every default resolved, plus its LICENSE and CHANGELOG texts."""

    metadata: DatasetMetadata
    name: str
    pretty_name: str
    version: str
    source: Path | None
    license_text: str | None
    changelog: str | None

    @property
    def has_metadata(self) -> bool:
        """True if the seeds directory has a dataset.yaml."""
        return self.source is not None


def default_name(seeds_root: Path) -> str:
    """The seeds folder's name (its parent's if it is called 'seeds'), reduced to a Hub-safe id."""
    root = Path(seeds_root).resolve()
    folder = root.parent if root.name == "seeds" and root.parent.name else root
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", folder.name).strip("-._")[:96]
    return name or "dataset"


def read_dataset_info(seeds_root: Path, log: ProblemLog) -> DatasetInfo:
    """Read seeds_root/dataset.yaml (if any) and the per-dataset LICENSE/CHANGELOG; problems go to log."""
    root = Path(seeds_root)
    path = root / METADATA_FILE
    metadata = DatasetMetadata()
    source = None
    if path.is_file():
        source = path
        metadata = _parse(path, log) or metadata
    name = metadata.name or default_name(root)
    cited = re.search(r"\bversion\s*=\s*[{\"]([^}\"]*)[}\"]", metadata.citation or "")
    if cited and cited.group(1).strip() != metadata.version:
        log.add(
            str(path),
            f"citation says version {cited.group(1).strip()!r} but the dataset version is {metadata.version!r}",
            field="citation",
        )
    return DatasetInfo(
        metadata=metadata,
        name=name,
        pretty_name=metadata.pretty_name or name,
        version=metadata.version,
        source=source,
        license_text=_first_text(root, LICENSE_FILES, log),
        changelog=_first_text(root, CHANGELOG_FILES, log),
    )


def metadata_inputs(seeds_root: Path) -> list[Path]:
    """The metadata files of a seeds directory that a build reads (their checksums go into the manifest)."""
    root = Path(seeds_root)
    paths = [_first(root, (METADATA_FILE,)), _first(root, LICENSE_FILES), _first(root, CHANGELOG_FILES)]
    return [p for p in paths if p is not None]


def _first(root: Path, names: tuple[str, ...]) -> Path | None:
    return next((root / n for n in names if (root / n).is_file()), None)


def _first_text(root: Path, names: tuple[str, ...], log: ProblemLog) -> str | None:
    path = _first(root, names)
    if path is None:
        return None
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        log.add(str(path), f"not valid UTF-8 at byte {err.start}")
        return None


def _parse(path: Path, log: ProblemLog) -> DatasetMetadata | None:
    """Parse and validate dataset.yaml; every problem is located by line and field."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        log.add(str(path), f"not valid UTF-8 at byte {err.start}")
        return None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        raw = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        log.add(str(path), f"invalid YAML: {getattr(err, 'problem', None) or err}", line=line)
        return None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        log.add(str(path), f"expected a mapping of keys to values, got {type(raw).__name__}", line=1)
        return None
    try:
        return DatasetMetadata.model_validate(raw)
    except ValidationError as err:
        for e in err.errors():
            loc = [p for p in e["loc"] if not (isinstance(p, str) and ("[" in p or p in _UNION_TAGS))]
            field = ".".join(str(p) for p in loc) or None
            got = f" (got {e['input']!r})" if e["type"] != "missing" and field else ""
            log.add(str(path), f"{e['msg']}{got}", line=_line_of(node, loc), field=field)
        return None


#: Names pydantic puts into error locations for the branches of a union, not keys of the file.
_UNION_TAGS = {"spdx", "named"}


def _line_of(node: Any, loc: list[Any]) -> int | None:
    """1-based line of the YAML node at a pydantic error location (the deepest one that exists)."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == part), None)
            if child is None:
                break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
        else:
            break
        node = child
        line = node.start_mark.line + 1
    return line
