"""croissant.json: Croissant 1.1 JSON-LD metadata of a built dataset, derived from the declared tables."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .card import cite_as
from .metadata import DatasetInfo, NamedLicense
from ..dataset.manifest import sha256_file
from ..schema.tables import CONFIGS, TABLES, ClassLabel, List, Table, Value, data_file

CROISSANT_FILE = "croissant.json"
CONFORMS_TO = "http://mlcommons.org/croissant/1.1"
PARQUET_FORMAT = "application/x-parquet"

#: The Croissant 1.1 @context exactly as mlcroissant 1.1.1 writes it (rdf.make_context for a
#: 1.1 context); tests/test_croissant.py fails if it drifts from the installed mlcroissant.
#: The spec's appendix differs (http://schema.org/), but mlcroissant resolves https://schema.org/.
CROISSANT_CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "arrayShape": "cr:arrayShape",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "containedIn": "cr:containedIn",
    "cr": "http://mlcommons.org/croissant/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "description": {"@container": "@language"},
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileObject": "cr:fileObject",
    "fileProperty": "cr:fileProperty",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isArray": "cr:isArray",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "name": {"@container": "@language"},
    "parentField": "cr:parentField",
    "path": "cr:path",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

#: Value dtypes of datasets.Features -> Croissant dataType.
_VALUE_TYPES: dict[str, str] = {
    **{t: "sc:Text" for t in ("string", "large_string")},
    **{t: "sc:Integer" for t in ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")},
    **{t: "sc:Float" for t in ("float16", "float32", "float64")},
    "bool": "sc:Boolean",
}


def present_tables(root: Path) -> dict[str, str]:
    """Config -> relative Parquet path of every declared table whose file exists under root."""
    return {name: data_file(name) for name in CONFIGS if (root / data_file(name)).is_file()}


def field_type(feature: object) -> tuple[str, bool]:
    """Croissant dataType of a declared feature and whether it is an array (list column)."""
    if isinstance(feature, List):
        inner, nested = field_type(feature.feature)
        if nested:
            raise ValueError(f"nested list features are not supported: {feature!r}")
        return inner, True
    if isinstance(feature, ClassLabel):
        return "sc:Text", False  # stored as the label name (format 2)
    if isinstance(feature, Value) and feature.dtype in _VALUE_TYPES:
        return _VALUE_TYPES[feature.dtype], False
    raise ValueError(f"no Croissant dataType declared for feature {feature!r}")


def labels_id(table: str, column: str) -> str:
    """@id of the enumeration RecordSet that names a ClassLabel column's integer values."""
    return f"{table}_{column}_labels"


def croissant_licenses(info: DatasetInfo) -> list[str | dict[str, str]]:
    """Croissant `license` of the dataset: an SPDX URL, or a CreativeWork naming the licence; [] if none."""
    lic = info.metadata.license
    if lic is None:
        return []
    if isinstance(lic, NamedLicense):
        work = {"@type": "sc:CreativeWork", "name": lic.name, "description": f"Licence text: {lic.link}."}
        if lic.link.startswith(("http://", "https://")):
            work["url"] = lic.link
        return [work]
    return [f"https://spdx.org/licenses/{lic}.html"]


def croissant_metadata(
    root: Path,
    tables: Mapping[str, str] | None = None,
    *,
    info: DatasetInfo,
    declared: Mapping[str, Table] | None = None,
    keywords: Sequence[str] = (),
    url: str | None = None,
    date_published: str | None = None,
) -> dict[str, Any]:
    """Croissant 1.1 JSON-LD for root's Parquet tables (config -> relative path; default: all present).

    A table's path may be a shard glob (data/<config>/test-*-of-000NN.parquet, as manifest.json
    records a sharded table): its record set then reads a cr:FileSet with that glob, and every shard
    still gets a cr:FileObject with its size and sha256. `declared` overrides a config's declaration
    (the silver variant of `pairs`).
    """
    root = Path(root)
    tables = dict(tables) if tables is not None else present_tables(root)
    unknown = sorted(set(tables) - set(TABLES) - set(declared or {}))
    if unknown:
        raise ValueError(f"unknown table(s) {', '.join(unknown)}; expected some of {', '.join(CONFIGS)}")
    ordered = [name for name in CONFIGS if name in tables] + sorted(set(tables) - set(CONFIGS))
    distribution: list[dict[str, Any]] = []
    record_sets: list[dict[str, Any]] = []
    for name in ordered:
        rel = tables[name]
        if "*" in rel:
            shards = sorted(p.relative_to(root).as_posix() for p in root.glob(rel))
            if not shards:
                raise ValueError(f"{name}: no file matches {rel!r} under {root}")
            distribution.extend(_file_object(root, name, shard) for shard in shards)
            distribution.append(_file_set(name, rel))
            source = {"fileSet": {"@id": file_set_id(name)}}
        else:
            distribution.append(_file_object(root, name, rel))
            source = {"fileObject": {"@id": rel}}
        table = (declared or {}).get(name) or TABLES[name]
        record_sets.extend(_label_record_set(table, column, label) for column, label in table.class_labels.items())
        record_sets.append(_record_set(table, source))
    description = info.metadata.description or (
        "News articles with annotation layers, as Parquet tables: " + ", ".join(ordered) + "."
    )
    meta: dict[str, Any] = {
        "@context": CROISSANT_CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": CONFORMS_TO,
        "name": info.name,
        "description": description,
        "version": info.version,
        "citeAs": cite_as(info),
        "distribution": distribution,
        "recordSet": record_sets,
    }
    licenses = croissant_licenses(info)
    if licenses:
        meta["license"] = licenses
    if info.metadata.creators:
        meta["creator"] = [{"@type": "sc:Organization", "name": c} for c in info.metadata.creators]
    if info.metadata.languages:
        meta["inLanguage"] = list(info.metadata.languages)
    if keywords:
        meta["keywords"] = list(keywords)
    if url is None and info.metadata.homepage:
        url = info.metadata.homepage
    if url is not None:
        meta["url"] = url
    if date_published is not None:
        meta["datePublished"] = date_published
    return meta


def write_croissant(root: Path, tables: Mapping[str, str] | None = None, *, info: DatasetInfo, **options: Any) -> Path:
    """Write croissant.json into root (before manifest.json, which then lists it); return its path."""
    meta = croissant_metadata(root, tables, info=info, **options)
    path = Path(root) / CROISSANT_FILE
    path.write_text(
        json.dumps(meta, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8", newline="\n"
    )
    return path


def _file_object(root: Path, name: str, rel: str) -> dict[str, Any]:
    path = root / rel
    return {
        "@type": "cr:FileObject",
        "@id": rel,
        "name": rel,
        "description": f"Parquet file of the {name} table (split test).",
        "contentUrl": rel,
        "contentSize": f"{path.stat().st_size} B",
        "encodingFormat": PARQUET_FORMAT,
        "sha256": sha256_file(path),
    }


def file_set_id(config: str) -> str:
    """@id of the cr:FileSet that holds the shards of a sharded table."""
    return f"{config}-shards"


def _file_set(name: str, pattern: str) -> dict[str, Any]:
    return {
        "@type": "cr:FileSet",
        "@id": file_set_id(name),
        "name": file_set_id(name),
        "description": f"The Parquet shards of the {name} table (split test); each is also listed with its sha256.",
        "encodingFormat": PARQUET_FORMAT,
        "includes": pattern,
    }


def _record_set(table: Table, source: dict[str, Any]) -> dict[str, Any]:
    fields = []
    for column, feature in table.columns.items():
        data_type, is_array = field_type(feature)
        description = table.model.model_fields[column].description or ""
        field: dict[str, Any] = {
            "@type": "cr:Field",
            "@id": f"{table.name}/{column}",
            "name": column,
            "dataType": data_type,
            "source": {**source, "extract": {"column": column}},
        }
        label = table.class_labels.get(column)
        if label is not None:
            names = ", ".join(f"{i}={n}" for i, n in enumerate(label.names))
            description += (
                f" Label name of a ClassLabel ({names}; `datasets` loads the index); "
                f"listed in RecordSet {labels_id(table.name, column)}."
            )
            if not is_array:
                # A join on list values is not defined in Croissant, so only scalar labels reference.
                field["references"] = {"field": {"@id": f"{labels_id(table.name, column)}/name"}}
        if is_array:
            field["isArray"] = True
            field["arrayShape"] = "-1"
        field["description"] = description
        fields.append(field)
    return {
        "@type": "cr:RecordSet",
        "@id": table.name,
        "name": table.name,
        "description": table.description,
        "key": [{"@id": f"{table.name}/{column}"} for column in table.key],
        "field": fields,
    }


def _label_record_set(table: Table, column: str, label: ClassLabel) -> dict[str, Any]:
    rs = labels_id(table.name, column)
    return {
        "@type": "cr:RecordSet",
        "@id": rs,
        "name": rs,
        "description": f"The labels of {table.name}.{column}, with the ClassLabel index `datasets` gives each.",
        "dataType": "sc:Enumeration",
        "key": {"@id": f"{rs}/name"},
        "field": [
            {
                "@type": "cr:Field",
                "@id": f"{rs}/index",
                "name": "index",
                "description": f"ClassLabel index of the label when {table.name} is loaded with `datasets`.",
                "dataType": "sc:Integer",
            },
            {
                "@type": "cr:Field",
                "@id": f"{rs}/name",
                "name": "name",
                "description": f"Name of the label, the value stored in {table.name}.{column}.",
                "dataType": ["sc:Text", "sc:name"],
            },
        ],
        "data": [{f"{rs}/index": i, f"{rs}/name": n} for i, n in enumerate(label.names)],
    }
