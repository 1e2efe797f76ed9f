"""Reading a seeds directory: the articles and the gold annotation files, with located errors."""

from __future__ import annotations

import dataclasses
import json
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

from ..errors import Located, ProblemLog
from ..jsonl import read_jsonl
from ..schema.models import (
    DOC_ID_PATTERN,
    Alignment,
    AlignmentJudgement,
    DuplicateGroups,
    LabelledSpan,
    MentionAnnotation,
    Referent,
    Sentence,
)

M = TypeVar("M", bound=BaseModel)

ARTICLES_DIR = "articles"
ANNOTATIONS_DIR = "annotations"
#: Per-document annotation layers: folder under annotations/ -> record model.
DOC_LAYERS: dict[str, type[BaseModel]] = {"sentences": Sentence, "entities": MentionAnnotation}
GROUPS_FILE = "duplicate_groups.jsonl"
REGISTRY_FILE = "entity_registry.jsonl"
#: Optional: independent annotations of the entity layer, one folder per annotator.
AGREEMENT_DIR = "agreement"
#: Optional: the gold cross-document segment links (without it the alignment layer is absent).
ALIGNMENTS_FILE = "alignments.jsonl"
#: Optional: independent annotations of the alignment layer, one <annotator>.jsonl file each.
ALIGNMENT_AGREEMENT_DIR = "alignment_agreement"
#: Layers whose per-document file may be empty (a document can have no entity mention).
MAY_BE_EMPTY = frozenset({"entities"})


def _project_root() -> Path:
    """The project checkout (editable install) or the copy of its data shipped in the wheel."""
    checkout = Path(__file__).resolve().parents[3]
    if (checkout / "pyproject.toml").is_file() and (checkout / "seeds").is_dir():
        return checkout
    return Path(__file__).resolve().parents[1] / "_data"


def default_seeds_dir() -> Path:
    """The project's own seeds/ directory."""
    return _project_root() / "seeds"


def default_project_file(name: str) -> Path:
    """A top-level project file (e.g. CHANGELOG.md), from the checkout or the wheel."""
    return _project_root() / name


@dataclass(frozen=True)
class Article:
    """One seed article: its id, file, raw bytes and decoded text."""

    doc_id: str
    path: Path
    data: bytes
    text: str


@dataclass
class Seeds:
    """Everything read from a seeds directory, each record with its location."""

    root: Path
    articles: dict[str, Article]
    layers: dict[str, list[Located]] = field(default_factory=dict)
    groups: list[Located[DuplicateGroups]] = field(default_factory=list)
    registry: list[Located[Referent]] = field(default_factory=list)
    agreement: dict[str, list[Located[LabelledSpan]]] = field(default_factory=dict)
    #: None when the seeds have no alignments.jsonl (the layer is absent, its tables are empty).
    alignments: list[Located[Alignment]] | None = None
    alignment_agreement: dict[str, list[Located[AlignmentJudgement]]] = field(default_factory=dict)
    inputs: list[Path] = field(default_factory=list)


def _input_file(path: Path, root: Path, log: ProblemLog, doc_id: str | None = None) -> bool:
    """True if path is a regular file inside the seeds directory; otherwise report why it cannot be read.

    A symlink may point anywhere inside the seeds directory, but not outside it: the build records
    and publishes what it reads, and must not pull in files the seeds do not hold. Directories,
    FIFOs and devices named like an input are refused before anything opens them.
    """
    try:
        if path.is_symlink():
            target = path.resolve()
            if not target.is_relative_to(root.resolve()):
                log.add(str(path), f"symbolic link to {target}, outside the seeds directory (copy the file in instead)", doc_id=doc_id)
                return False
        mode = path.stat().st_mode
    except (OSError, RuntimeError) as err:  # RuntimeError: a symlink loop on Python < 3.13
        log.add(str(path), f"cannot read the file: {getattr(err, 'strerror', None) or err}", doc_id=doc_id)
        return False
    if not stat.S_ISREG(mode):
        kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file"
        log.add(str(path), f"is {kind}, expected a file", doc_id=doc_id)
        return False
    return True


def _named(folder: Path, suffix: str) -> list[Path]:
    """Entries of folder whose name ends with suffix, sorted; none if folder is not a directory."""
    try:
        return sorted(p for p in folder.iterdir() if p.name.endswith(suffix))
    except (FileNotFoundError, NotADirectoryError):
        return []


def _case_collisions(paths: dict[str, Path], log: ProblemLog, field: str = "doc_id") -> None:
    """Report ids that differ only by case: their files collide on case-insensitive file systems."""
    first: dict[str, str] = {}
    for doc_id in sorted(paths):
        other = first.setdefault(doc_id.casefold(), doc_id)
        if other != doc_id:
            log.add(
                str(paths[doc_id]),
                f"doc_id differs from {other!r} only by case; the two files collide on case-insensitive file systems",
                doc_id=doc_id,
                field=field,
            )


def read_articles(root: Path, log: ProblemLog) -> dict[str, Article]:
    """Read and decode every articles/*.txt file; undecodable, empty or unreadable files are problems."""
    folder = root / ARTICLES_DIR
    if not folder.is_dir():
        log.add(str(folder), "seeds directory has no articles/ folder")
        return {}
    paths = _named(folder, ".txt")
    if not paths:
        log.add(str(folder), "no *.txt articles found")
    articles: dict[str, Article] = {}
    for path in paths:
        doc_id = path.name[: -len(".txt")]
        if not re.fullmatch(DOC_ID_PATTERN, doc_id):
            log.add(str(path), f"file name gives an invalid doc_id; expected {DOC_ID_PATTERN}", doc_id=doc_id, field="doc_id")
            continue
        if not _input_file(path, root, log, doc_id):
            continue
        try:
            data = path.read_bytes()
        except OSError as err:
            log.add(str(path), f"cannot read the file: {err.strerror or err}", doc_id=doc_id)
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            line = data.count(b"\n", 0, err.start) + 1
            log.add(
                str(path),
                f"not valid UTF-8: byte {err.start} ({data[err.start:err.start + 1]!r}), line {line}: {err.reason}",
                doc_id=doc_id,
                field="text",
            )
            continue
        if not text.strip():
            log.add(str(path), "article is empty (expected some non-whitespace text)", doc_id=doc_id, field="text")
            continue
        articles[doc_id] = Article(doc_id, path, data, text)
    _case_collisions({a.doc_id: a.path for a in articles.values()}, log)
    return articles


def read_links(path: Path, model: type[M], log: ProblemLog) -> list[Located[M]]:
    """Read a file of segment-pair records; problems of a line are located by its doc_a as doc_id."""
    first = len(log.problems)
    out = read_jsonl(path, model, log, allow_empty=True)  # a file with no links is a valid layer
    if len(log.problems) > first:
        lines = path.read_bytes().decode("utf-8", errors="replace").split("\n")
        for k in range(first, len(log.problems)):
            problem = log.problems[k]
            if problem.doc_id is None and problem.line is not None:
                log.problems[k] = dataclasses.replace(problem, doc_id=_doc_a(lines[problem.line - 1]))
    return out


def _doc_a(line: str) -> str | None:
    """The doc_a of a JSON line, if it has a string one."""
    try:
        raw = json.loads(line)
    except json.JSONDecodeError:
        return None
    value = raw.get("doc_a") if isinstance(raw, dict) else None
    return value if isinstance(value, str) else None


def read_doc_layer(root: Path, layer: str, articles: dict[str, Article], log: ProblemLog) -> tuple[list[Located], list[Path]]:
    """Read annotations/<layer>/<doc_id>.jsonl for every article; missing or unknown files are problems."""
    folder = root / ANNOTATIONS_DIR / layer
    model = DOC_LAYERS[layer]
    records: list[Located] = []
    paths: list[Path] = []
    found = {p.name[: -len(".jsonl")]: p for p in _named(folder, ".jsonl")}
    for doc_id in sorted(set(found) - set(articles)):
        log.add(
            str(found[doc_id]),
            f"annotation file for unknown doc_id (no {ARTICLES_DIR}/{doc_id}.txt)",
            doc_id=doc_id,
            field="doc_id",
        )
    for doc_id in sorted(articles):
        path = folder / f"{doc_id}.jsonl"
        if doc_id not in found:
            log.add(str(path), f"missing {layer} annotation file for this article", doc_id=doc_id)
            continue
        if not _input_file(path, root, log, doc_id):
            continue
        paths.append(path)
        for item in read_jsonl(path, model, log, allow_empty=layer in MAY_BE_EMPTY):
            if item.record.doc_id != doc_id:
                log.at(item, f"doc_id {item.record.doc_id!r} does not match the file name; expected {doc_id!r}", "doc_id")
                continue
            records.append(item)
    return records, paths


def _read_required(path: Path, model: type[M], seeds: Seeds, log: ProblemLog) -> list[Located[M]]:
    """Read a required whole-corpus annotation file; its absence is a problem."""
    if not path.exists() and not path.is_symlink():
        log.add(str(path), f"missing annotation file {path.name}")
        return []
    if not _input_file(path, seeds.root, log):
        return []
    seeds.inputs.append(path)
    return read_jsonl(path, model, log)


def list_inputs(root: Path | str) -> list[str]:
    """Every file a build of root reads, as sorted paths relative to root (what manifest.json's inputs list)."""
    root = Path(root)
    annotations = root / ANNOTATIONS_DIR
    paths = _named(root / ARTICLES_DIR, ".txt")
    for layer in DOC_LAYERS:
        paths += _named(annotations / layer, ".jsonl")
    paths += [p for p in (annotations / GROUPS_FILE, annotations / REGISTRY_FILE) if p.exists()]
    for folder in _named(annotations / AGREEMENT_DIR, ""):
        paths += _named(folder, ".jsonl")
    paths += [p for p in (annotations / ALIGNMENTS_FILE,) if p.exists()]
    paths += _named(annotations / ALIGNMENT_AGREEMENT_DIR, ".jsonl")
    from ..release.metadata import metadata_inputs  # dataset.yaml, LICENSE, CHANGELOG: read by the build too

    paths += metadata_inputs(root)
    return sorted({p.relative_to(root).as_posix() for p in paths})


def read_seeds(root: Path | str | None = None, layers: tuple[str, ...] = tuple(DOC_LAYERS)) -> Seeds:
    """Read and validate a seeds directory (articles + annotations); raise DatasetError on any problem."""
    root = Path(root) if root is not None else default_seeds_dir()
    log = ProblemLog()
    if not root.is_dir():
        log.add(str(root), "seeds directory does not exist" if not root.exists() else "seeds path is not a directory")
        log.raise_if_any()
    articles = read_articles(root, log)
    seeds = Seeds(root=root, articles=articles, inputs=[a.path for a in articles.values()])
    for layer in layers:
        records, paths = read_doc_layer(root, layer, articles, log)
        seeds.layers[layer] = records
        seeds.inputs.extend(paths)
    seeds.groups = _read_required(root / ANNOTATIONS_DIR / GROUPS_FILE, DuplicateGroups, seeds, log)
    if "entities" in layers:
        seeds.registry = _read_required(root / ANNOTATIONS_DIR / REGISTRY_FILE, Referent, seeds, log)
    agreement = root / ANNOTATIONS_DIR / AGREEMENT_DIR
    for folder in sorted(p for p in _named(agreement, "") if p.is_dir()):
        seeds.agreement[folder.name] = []
        for path in _named(folder, ".jsonl"):
            if _input_file(path, root, log):
                seeds.agreement[folder.name].extend(read_jsonl(path, LabelledSpan, log, allow_empty=True))
                seeds.inputs.append(path)
    links = root / ANNOTATIONS_DIR / ALIGNMENTS_FILE
    if links.exists() and _input_file(links, root, log):
        seeds.alignments = read_links(links, Alignment, log)
        seeds.inputs.append(links)
    for path in _named(root / ANNOTATIONS_DIR / ALIGNMENT_AGREEMENT_DIR, ".jsonl"):
        if _input_file(path, root, log):
            seeds.alignment_agreement[path.stem] = read_links(path, AlignmentJudgement, log)
            seeds.inputs.append(path)
    log.raise_if_any()
    return seeds
