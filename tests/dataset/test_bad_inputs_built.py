"""Damaged built datasets: validate, show and evaluate report located problems, exit 1, and change nothing."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from ceasefire_news.cli import main
from ceasefire_news.dataset.manifest import TableEntry, write_manifest
from ceasefire_news.gold.seeds import default_seeds_dir
from ceasefire_news.schema.tables import data_file

from ..helpers import assert_clean_failure, tree_state

DOC = "001_962f232c241942aa"
SENTENCES = data_file("sentences")


def relist(root: Path) -> None:
    """Rewrite manifest.json so that its checksums agree with the files again (a consistent forgery)."""
    manifest = json.loads((root / "manifest.json").read_text())
    write_manifest(
        root, {k: TableEntry(**v) for k, v in manifest["tables"].items()}, manifest["inputs"],
        name=manifest["name"], dataset_version=manifest["dataset_version"],
    )


def edit_manifest(root: Path, change: Callable[[dict], object]) -> None:
    manifest = json.loads((root / "manifest.json").read_text())
    change(manifest)
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2))


def set_parquet_metadata(root: Path, key: bytes, value: bytes) -> None:
    path = root / SENTENCES
    table = pq.read_table(path)
    pq.write_table(table.replace_schema_metadata({**table.schema.metadata, key: value}), path)


def card_front_matter_char(root: Path) -> list[str]:
    card = root / "README.md"
    card.write_bytes(card.read_bytes().replace(b"configs:", b"configs;", 1))
    return ["README.md:", "YAML front matter is not valid YAML"]


def card_unbalanced_bracket(root: Path) -> list[str]:
    card = root / "README.md"
    card.write_bytes(card.read_bytes().replace(b"config_name: documents", b"config_name: [documents", 1))
    return ["README.md:34", "not valid YAML"]


def card_0xff(root: Path) -> list[str]:
    card = root / "README.md"
    data = card.read_bytes()
    card.write_bytes(data[:20] + b"\xff" + data[21:])
    return ["README.md:2", "not valid UTF-8 at byte 20"]


def card_front_matter_list(root: Path) -> list[str]:
    card = root / "README.md"
    rest = card.read_text(encoding="utf-8").split("---\n", 2)[2]
    card.write_text("---\n- a\n- b\n---\n" + rest, encoding="utf-8")
    return ["README.md:2", "front matter is a list, expected a mapping"]


def card_without_front_matter(root: Path) -> list[str]:
    card = root / "README.md"
    card.write_text(card.read_text(encoding="utf-8").split("---\n", 2)[2], encoding="utf-8")
    return ["README.md:1", "no YAML front matter"]


def card_configs_not_a_list(root: Path) -> list[str]:
    card = root / "README.md"
    rest = card.read_text(encoding="utf-8").split("---\n", 2)[2]
    card.write_text("---\nconfigs: 3\n---\n" + rest, encoding="utf-8")
    relist(root)
    return ["README.md", "field 'configs'", "not a list of mappings"]


def card_data_files_elsewhere(root: Path) -> list[str]:
    card = root / "README.md"
    text = card.read_text(encoding="utf-8").replace(f"path: {SENTENCES}", "path: ../../etc/passwd", 1)
    card.write_text(text, encoding="utf-8")
    relist(root)
    return ["README.md", "field 'configs.data_files'", "config 'sentences'"]


def parquet_metadata_not_json(root: Path) -> list[str]:
    set_parquet_metadata(root, b"ceasefire_news", b"not json{")
    return [SENTENCES, "field 'ceasefire_news'", "not valid JSON"]


def parquet_metadata_not_object(root: Path) -> list[str]:
    set_parquet_metadata(root, b"ceasefire_news", b"[1, 2]")
    return [SENTENCES, "field 'ceasefire_news'", "JSON list, expected an object"]


def parquet_metadata_not_utf8(root: Path) -> list[str]:
    set_parquet_metadata(root, b"ceasefire_news", b"\xff\xfe\x00")
    return [SENTENCES, "field 'ceasefire_news'", "not valid JSON"]


def card_deleted_with_its_entry(root: Path) -> list[str]:
    (root / "README.md").unlink()
    edit_manifest(root, lambda m: m["files"].pop("README.md"))
    return ["README.md", "required file is missing"]


def croissant_deleted_with_its_entry(root: Path) -> list[str]:
    (root / "croissant.json").unlink()
    edit_manifest(root, lambda m: m["files"].pop("croissant.json"))
    return ["croissant.json", "required file is missing"]


def table_deleted_with_its_entries(root: Path) -> list[str]:
    (root / SENTENCES).unlink()
    (root / SENTENCES).parent.rmdir()

    def change(m: dict) -> None:
        m["files"].pop(SENTENCES)
        m["tables"].pop("sentences")

    edit_manifest(root, change)
    return [SENTENCES, "required file is missing"]


def absolute_manifest_entry(root: Path) -> list[str]:
    edit_manifest(root, lambda m: m["files"].update({"/etc/passwd": {"size": 1, "sha256": "0" * 64}}))
    return ["manifest.json", "field 'files./etc/passwd'", "absolute path"]


def dotdot_manifest_entry(root: Path) -> list[str]:
    edit_manifest(root, lambda m: m["files"].update({"../outside.txt": {"size": 1, "sha256": "0" * 64}}))
    return ["manifest.json", "field 'files.../outside.txt'", "outside the dataset directory"]


def table_file_elsewhere(root: Path) -> list[str]:
    edit_manifest(root, lambda m: m["tables"]["sentences"].update(file=data_file("documents")))
    return ["manifest.json", "field 'tables.sentences.file'"]


def symlink_inside(root: Path) -> list[str]:
    (root / "data" / "passwd").symlink_to("/etc/passwd")
    return ["data/passwd", "is a symbolic link"]


def table_replaced_by_symlink(root: Path) -> list[str]:
    target = root.parent / "elsewhere.parquet"
    shutil.copyfile(root / SENTENCES, target)
    (root / SENTENCES).unlink()
    (root / SENTENCES).symlink_to(target)
    return [SENTENCES, "is a symbolic link"]


def stray_empty_directory(root: Path) -> list[str]:
    (root / "data" / "leftover").mkdir()
    return ["data/leftover", "stray empty directory"]


def stray_file(root: Path) -> list[str]:
    (root / "notes.txt").write_text("x")
    return ["notes.txt", "not listed in manifest.json"]


def fifo_inside(root: Path) -> list[str]:
    os.mkfifo(root / "data" / "queue")
    return ["data/queue", "not a regular file"]


def croissant_sha256_forged(root: Path) -> list[str]:
    path = root / "croissant.json"
    meta = json.loads(path.read_text())
    meta["distribution"][1]["sha256"] = "0" * 64
    path.write_text(json.dumps(meta, indent=2))
    relist(root)
    return ["croissant.json", "field 'distribution.1.sha256'", "differs from the file's"]


def croissant_not_json(root: Path) -> list[str]:
    (root / "croissant.json").write_text("{not json")
    relist(root)
    return ["croissant.json:1", "invalid JSON"]


def croissant_unsafe_url(root: Path) -> list[str]:
    path = root / "croissant.json"
    meta = json.loads(path.read_text())
    meta["distribution"][0]["contentUrl"] = "/etc/passwd"
    path.write_text(json.dumps(meta, indent=2))
    relist(root)
    return ["croissant.json", "field 'distribution.0.contentUrl'", "absolute path"]


def manifest_not_json(root: Path) -> list[str]:
    (root / "manifest.json").write_bytes(b"\xff{")
    return ["manifest.json", "Invalid JSON"]


def manifest_wrong_type(root: Path) -> list[str]:
    edit_manifest(root, lambda m: m["tables"]["sentences"].update(num_rows="150"))
    return ["manifest.json", "field 'tables.sentences.num_rows'"]


def manifest_missing(root: Path) -> list[str]:
    (root / "manifest.json").unlink()
    return ["manifest.json", "manifest.json is missing"]


def truncated_table(root: Path) -> list[str]:
    path = root / SENTENCES
    path.write_bytes(path.read_bytes()[:100])
    return [SENTENCES, "cannot read Parquet file"]


VALIDATE_CASES: dict[str, Callable[[Path], list[str]]] = {
    f.__name__: f
    for f in (
        card_front_matter_char, card_unbalanced_bracket, card_0xff, card_front_matter_list, card_without_front_matter,
        card_configs_not_a_list, card_data_files_elsewhere, parquet_metadata_not_json, parquet_metadata_not_object,
        parquet_metadata_not_utf8, card_deleted_with_its_entry, croissant_deleted_with_its_entry,
        table_deleted_with_its_entries, absolute_manifest_entry, dotdot_manifest_entry, table_file_elsewhere,
        symlink_inside, table_replaced_by_symlink, stray_empty_directory, stray_file, fifo_inside,
        croissant_sha256_forged, croissant_not_json, croissant_unsafe_url, manifest_not_json, manifest_wrong_type,
        manifest_missing, truncated_table,
    )
}
#: Cases that change a file listed in manifest.json without relisting: the checksum mismatch is reported too.
CHECKSUM_TOO = {"card_front_matter_char", "card_unbalanced_bracket", "card_0xff", "card_front_matter_list",
                "card_without_front_matter", "parquet_metadata_not_json", "parquet_metadata_not_object",
                "parquet_metadata_not_utf8", "truncated_table"}


@pytest.fixture
def copy(built: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "ds"
    shutil.copytree(built, dest)
    return dest


@pytest.mark.parametrize("case", list(VALIDATE_CASES))
def test_validate_reports_damage(case: str, copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fragments = VALIDATE_CASES[case](copy)
    before = tree_state(tmp_path)
    code = main(["validate", str(copy)])
    err = capsys.readouterr().err
    assert_clean_failure(code, err, [str(copy), *fragments])
    if case in CHECKSUM_TOO:
        assert "differs from manifest.json" in err and "field 'sha256'" in err, err
    assert tree_state(tmp_path) == before


READ_CASES: dict[str, tuple[Callable[[Path], object], list[str]]] = {
    "malformed card": (card_front_matter_char, ["README.md:", "not valid YAML"]),
    "card is a list": (card_front_matter_list, ["README.md:2", "expected a mapping"]),
    "card with 0xff": (card_0xff, ["README.md:2", "not valid UTF-8"]),
    "manifest not JSON": (manifest_not_json, ["manifest.json", "Invalid JSON"]),
    "manifest missing": (manifest_missing, ["manifest.json", "not a built dataset"]),
    "truncated table": (truncated_table, [SENTENCES, "cannot read the table"]),
}


@pytest.mark.parametrize("command", ["show", "evaluate"])
@pytest.mark.parametrize("case", list(READ_CASES))
def test_reading_a_damaged_dataset(command: str, case: str, copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    damage, fragments = READ_CASES[case]
    damage(copy)
    predictions = tmp_path / "p.jsonl"
    predictions.write_text(f'{{"doc_id": "{DOC}", "start": 0, "end": 51}}\n')
    before = tree_state(tmp_path)
    if command == "show":
        code = main(["show", DOC, "--data", str(copy)])
    else:
        code = main(["evaluate", "--task", "segmentation", "--predictions", str(predictions), "--data", str(copy)])
    assert_clean_failure(code, capsys.readouterr().err, [str(copy), *fragments])
    assert tree_state(tmp_path) == before


def test_show_unknown_doc_id(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["show", "nope", "--data", str(built)])
    assert_clean_failure(code, capsys.readouterr().err, [data_file("documents"), "doc_id=nope", "field 'doc_id'", "unknown doc_id"])


@pytest.mark.parametrize("change", ["edited article", "extra input", "missing input"])
def test_validate_with_seeds_checks_input_hashes(change: str, built: Path, seeds_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(built), "--seeds", str(default_seeds_dir())]) == 0
    capsys.readouterr()
    article = seeds_copy / "articles" / f"{DOC}.txt"
    if change == "edited article":
        article.write_text("Another text.\n")
        fragments = [f"articles/{DOC}.txt", f"field 'inputs.articles/{DOC}.txt'", "built from another version"]
    elif change == "extra input":
        (seeds_copy / "annotations" / "agreement" / "annotator_c").mkdir()
        (seeds_copy / "annotations" / "agreement" / "annotator_c" / f"{DOC}.jsonl").write_text("")
        fragments = [f"annotator_c/{DOC}.jsonl", "field 'inputs'", "built without it"]
    else:
        article.unlink()
        fragments = [f"articles/{DOC}.txt", f"field 'inputs.articles/{DOC}.txt'", "missing from the seeds directory"]
    before = tree_state(built)
    code = main(["validate", str(built), "--seeds", str(seeds_copy)])
    assert_clean_failure(code, capsys.readouterr().err, fragments)
    assert tree_state(built) == before
