"""croissant.json: valid Croissant 1.1 for mlcroissant (offline), every record set readable, deterministic."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import mlcroissant as mlc
import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml
from mlcroissant._src.core.context import Context, CroissantVersion
from mlcroissant._src.core.rdf import make_context

from ceasefire_news import validate
from ceasefire_news.errors import ProblemLog
from ceasefire_news.gold.seeds import default_seeds_dir
from ceasefire_news.release.card import cite_as
from ceasefire_news.release.croissant import (
    CONFORMS_TO,
    CROISSANT_CONTEXT,
    CROISSANT_FILE,
    croissant_metadata,
    field_type,
    labels_id,
    write_croissant,
)
from ceasefire_news.release.metadata import DatasetInfo, read_dataset_info
from ceasefire_news.dataset.manifest import MANIFEST_FILE, Manifest, sha256_file, write_manifest
from ceasefire_news.schema.models import (
    Alignment,
    Document,
    DuplicateGroups,
    Mention,
    NerRow,
    Pair,
    Record,
    Sentence,
    SentencePair,
)
from ceasefire_news.dataset.storage import write_parquet
from ceasefire_news.schema.tables import CONFIGS, TABLES, ClassLabel, List, Value, data_file
from ceasefire_news.versions import DATASET_VERSION

FIRST_DOC = "000_a604801cb8896bbe"
#: Only recommended property we leave out: no release date is defined anywhere in the project.
EXPECTED_WARNINGS = {'[Metadata(ceasefire-news)] Property "https://schema.org/datePublished" is recommended, but does not exist.'}


def project_info() -> DatasetInfo:
    """The project's seeds/dataset.yaml, read as a build reads it."""
    log = ProblemLog()
    info = read_dataset_info(default_seeds_dir(), log)
    assert not log.problems
    return info


@pytest.fixture(scope="module")
def dataset(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of conftest's shared build with croissant.json written into it."""
    root = Path(shutil.copytree(built, tmp_path_factory.mktemp("croissant") / "ceasefire-news"))
    write_croissant(root, info=project_info())
    return root


def load(path: Path) -> mlc.Dataset:
    """Load and validate a croissant.json; mlcroissant raises ValidationError on any error."""
    ds = mlc.Dataset(jsonld=path)
    issues = ds.metadata.ctx.issues
    assert not issues.errors
    assert set(issues.warnings) <= EXPECTED_WARNINGS, issues.warnings
    return ds


def plain(value: Any) -> Any:
    """An mlcroissant record value as plain Python (sc:Text comes back as bytes, lists as arrays)."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, (list, np.ndarray)):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def records(ds: mlc.Dataset, record_set: str) -> list[dict[str, Any]]:
    """Every record of a record set, keyed by column name, as plain Python."""
    prefix = f"{record_set}/"
    return [
        {k.removeprefix(prefix): plain(v) for k, v in rec.items()}
        for rec in ds.records(record_set=record_set)
    ]


def test_context_is_mlcroissants_own_1_1_context() -> None:
    ctx = Context()
    ctx.conforms_to = CroissantVersion.V_1_1
    assert CROISSANT_CONTEXT == make_context(ctx)
    assert CONFORMS_TO == CroissantVersion.V_1_1.value == "http://mlcommons.org/croissant/1.1"


def test_validates_offline_and_every_record_set_reads(dataset: Path) -> None:
    ds = load(dataset / CROISSANT_FILE)
    meta = ds.metadata
    assert meta.name == "ceasefire-news"
    assert meta.version == DATASET_VERSION
    assert meta.cite_as and "ceasefire-news" in meta.cite_as
    assert meta.license
    manifest = Manifest.model_validate_json((dataset / MANIFEST_FILE).read_bytes())
    expected_sets: dict[str, int] = {}
    for name, entry in manifest.tables.items():
        expected_sets[name] = entry.num_rows
        for column, label in TABLES[name].class_labels.items():
            expected_sets[labels_id(name, column)] = label.num_classes
    assert {rs.uuid for rs in meta.record_sets} == set(expected_sets)
    for rs in meta.record_sets:
        assert len(records(ds, rs.uuid)) == expected_sets[rs.uuid], rs.uuid


def test_record_values_match_the_parquet_tables(dataset: Path) -> None:
    ds = load(dataset / CROISSANT_FILE)
    documents = records(ds, "documents")
    assert documents[0]["doc_id"] == FIRST_DOC
    assert documents[0]["title"] == "Trump and Putin Set for Talks as Ceasefire Negotiations Stall"
    sentences = records(ds, "sentences")
    related = [s for s in sentences if s["doc_id"] == "003_dbbfab3a559acc3c" and s["index"] == 18][0]
    assert related["text"].startswith("(Related:")
    roles = {r["index"]: r["name"] for r in records(ds, labels_id("sentences", "role"))}
    assert roles == dict(enumerate(TABLES["sentences"].class_labels["role"].names))
    assert related["role"] == "boilerplate"  # stored by name (format 2)
    # The categorical join must neither drop, duplicate nor reorder rows.
    assert [(s["doc_id"], s["index"]) for s in sentences] == sorted((s["doc_id"], s["index"]) for s in sentences)


def test_every_record_equals_its_parquet_row(dataset: Path) -> None:
    ds = load(dataset / CROISSANT_FILE)
    manifest = Manifest.model_validate_json((dataset / MANIFEST_FILE).read_bytes())
    for name, entry in manifest.tables.items():
        assert records(ds, name) == pq.read_table(dataset / entry.file).to_pylist(), name


def test_file_objects_carry_the_manifest_checksums(dataset: Path) -> None:
    meta = json.loads((dataset / CROISSANT_FILE).read_text(encoding="utf-8"))
    manifest = Manifest.model_validate_json((dataset / MANIFEST_FILE).read_bytes())
    files = {f["contentUrl"]: f for f in meta["distribution"]}
    assert set(files) == {entry.file for entry in manifest.tables.values()}
    for rel, f in files.items():
        assert f["@type"] == "cr:FileObject"
        assert f["encodingFormat"] == "application/x-parquet"
        assert f["sha256"] == manifest.files[rel].sha256
        assert f["contentSize"] == f"{manifest.files[rel].size} B"
    assert meta["conformsTo"] == CONFORMS_TO


def test_field_types_follow_the_declared_features(dataset: Path) -> None:
    meta = json.loads((dataset / CROISSANT_FILE).read_text(encoding="utf-8"))
    fields = {f["@id"]: f for rs in meta["recordSet"] for f in rs["field"]}
    assert fields["documents/text"]["dataType"] == "sc:Text"
    assert fields["documents/num_chars"]["dataType"] == "sc:Integer"
    role = fields["sentences/role"]
    assert role["dataType"] == "sc:Text"
    assert role["references"] == {"field": {"@id": "sentences_role_labels/name"}}
    assert "4=boilerplate" in role["description"]
    assert field_type(List(Value("string"))) == ("sc:Text", True)
    assert field_type(TABLES["ner"].columns["ner_tags"]) == ("sc:Text", True)
    assert field_type(ClassLabel(("a", "b"))) == ("sc:Text", False)
    with pytest.raises(ValueError, match="no Croissant dataType"):
        field_type(Value("binary"))


def test_deterministic_and_wired_before_the_manifest(dataset: Path, tmp_path: Path) -> None:
    root = tmp_path / "copy"
    shutil.copytree(dataset, root)
    first = (root / CROISSANT_FILE).read_bytes()
    assert write_croissant(root, info=project_info()).read_bytes() == first
    assert b"dateCreated" not in first and b"dateModified" not in first
    # As build will do it: croissant.json first, then the manifest (which lists it), then validate.
    manifest = Manifest.model_validate_json((root / MANIFEST_FILE).read_bytes())
    written = write_manifest(
        root, manifest.tables, manifest.inputs, name=manifest.name, dataset_version=manifest.dataset_version
    )
    assert written.files[CROISSANT_FILE].sha256 == sha256_file(root / CROISSANT_FILE)
    validate(root)


def test_tampered_parquet_fails_the_checksum(dataset: Path, tmp_path: Path) -> None:
    root = tmp_path / "tampered"
    shutil.copytree(dataset, root)
    with (root / data_file("documents")).open("ab") as f:
        f.write(b"\0")
    ds = mlc.Dataset(jsonld=root / CROISSANT_FILE)
    with pytest.raises(Exception) as raised:
        list(ds.records(record_set="documents"))
    chain, err = [], raised.value
    while err is not None:
        chain.append(str(err))
        err = err.__cause__ or err.__context__
    assert any("Hash of downloaded file" in message for message in chain), chain


def _sample_records() -> dict[str, list[Record]]:
    text = "Putin met Trump."
    return {
        "documents": [
            Document(
                doc_id="d1",
                text=text,
                title=None,
                sha256=hashlib.sha256(text.encode()).hexdigest(),
                num_chars=len(text),
                num_sentences=1,
            )
        ],
        "sentences": [Sentence(doc_id="d1", index=0, start=0, end=16, text=text, role="body")],
        "entities": [
            Mention(doc_id="d1", start=0, end=5, text="Putin", label="PERSON", kb_id="Q7747",
                    entity_id="Q7747", mention_id="d1-m0000", sentence_index=0),
            Mention(doc_id="d1", start=10, end=15, text="Trump", label="PERSON", kb_id=None,
                    entity_id=None, mention_id="d1-m0001", sentence_index=0),
        ],
        "ner": [
            NerRow(doc_id="d1", sentence_index=0, tokens=["Putin", "met", "Trump", "."],
                   token_starts=[0, 6, 10, 15], token_ends=[5, 9, 15, 16],
                   ner_tags=["B-PERSON", "O", "B-PERSON", "O"]),
        ],
        "duplicate_groups": [
            DuplicateGroups(doc_id="d1", near_duplicate="nd1", event="ev1", topic="tp1"),
            DuplicateGroups(doc_id="d2", near_duplicate="nd2", event="ev1", topic="tp1"),
        ],
        "pairs": [Pair(doc_a="d1", doc_b="d2", relation="same_event")],
        "alignments": [
            Alignment(doc_a="d1", index_a=0, doc_b="d2", index_b=0, relation="partial", text_a=text, text_b="Putin spoke."),
        ],
        "sentence_pairs": [
            SentencePair(doc_a="d1", index_a=0, doc_b="d2", index_b=0, label="partial", sentence1=text, sentence2="Putin spoke."),
        ],
    }


def test_every_declared_table_round_trips(tmp_path: Path) -> None:
    """All eight tables (lists, nullable strings, list ClassLabels) read back through mlcroissant."""
    sample = _sample_records()
    assert set(sample) == set(CONFIGS)
    for name, recs in sample.items():
        write_parquet(TABLES[name], recs, tmp_path / data_file(name))
    ds = load(write_croissant(tmp_path, info=project_info()))
    for name, recs in sample.items():
        table = TABLES[name]
        expected = [table.to_row(r) for r in recs]
        assert records(ds, name) == expected, name
    ner_tags = json.loads((tmp_path / CROISSANT_FILE).read_text())["recordSet"]
    ner = {f["@id"]: f for rs in ner_tags for f in rs["field"]}["ner/ner_tags"]
    assert ner["isArray"] is True and ner["arrayShape"] == "-1" and "references" not in ner


def test_unknown_table_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown table"):
        croissant_metadata(tmp_path, {"nope": "data/nope/test-00000-of-00001.parquet"}, info=project_info())


def test_citation_cff_is_in_step_with_the_dataset() -> None:
    """The repository's CITATION.cff (read by GitHub) says what seeds/dataset.yaml says."""
    cff = yaml.safe_load((Path(__file__).resolve().parents[2] / "CITATION.cff").read_text(encoding="utf-8"))
    info = project_info()
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "dataset"
    assert cff["title"] == info.name
    assert cff["version"] == info.version == DATASET_VERSION
    assert cff["authors"] == [{"name": c} for c in info.metadata.creators]
    assert f"version = {{{info.version}}}" in cite_as(info)
    assert all(c in cite_as(info) for c in info.metadata.creators)
