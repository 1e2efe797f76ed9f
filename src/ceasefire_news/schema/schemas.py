"""JSON Schema files generated from the pydantic models (committed under schema/, checked by a test)."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from ..dataset.manifest import Manifest
from .models import Alignment, AlignmentJudgement, DuplicateGroups, LabelledSpan, MentionAnnotation, Referent, Sentence
from .tables import CANDIDATE_PAIRS, OPTIONAL_TABLES, TABLES
from ..versions import SCHEMA_VERSION


def schema_models() -> dict[str, type[BaseModel]]:
    """Every model that gets a schema file, by file stem: tables, annotation files, manifest, predictions."""
    models: dict[str, type[BaseModel]] = {f"table.{name}": t.model for name, t in TABLES.items()}
    models["table.pairs.candidates"] = CANDIDATE_PAIRS.model
    models.update({f"table.{name}": t.model for name, t in OPTIONAL_TABLES.items()})
    models["annotation.sentences"] = Sentence
    models["annotation.entities"] = MentionAnnotation
    models["annotation.duplicate_groups"] = DuplicateGroups
    models["annotation.entity_registry"] = Referent
    models["annotation.agreement"] = LabelledSpan
    models["annotation.alignments"] = Alignment
    models["annotation.alignment_agreement"] = AlignmentJudgement
    models["manifest"] = Manifest
    from ..release.metadata import DatasetMetadata

    models["seeds.dataset"] = DatasetMetadata
    try:
        from ..bench.predictions import PREDICTION_MODELS
    except ImportError:  # evaluator not installed in this checkout
        PREDICTION_MODELS = {}
    for task, model in PREDICTION_MODELS.items():
        models[f"predictions.{task}"] = model
    return dict(sorted(models.items()))


def json_schemas() -> dict[str, str]:
    """The text of every schema file, by file name."""
    out = {}
    for stem, model in schema_models().items():
        schema = model.model_json_schema()
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "x-schema-version": SCHEMA_VERSION, **schema}
        out[f"{stem}.schema.json"] = json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return out


def write_schemas(folder: Path | str) -> list[Path]:
    """(Re)write every schema file into folder, removing stale ones; return the paths written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    schemas = json_schemas()
    for old in folder.glob("*.schema.json"):
        if old.name not in schemas:
            old.unlink()
    paths = []
    for name, text in schemas.items():
        path = folder / name
        path.write_text(text, encoding="utf-8", newline="\n")
        paths.append(path)
    return paths
