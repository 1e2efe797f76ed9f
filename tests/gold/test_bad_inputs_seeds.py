"""Bad seeds through the CLI: exit 1, no traceback, a message naming file, record and field, and no file touched."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from ceasefire_news.cli import main

from ..helpers import assert_clean_failure, tree_state

DOC = "001_962f232c241942aa"


def sentences(seeds: Path, doc: str = DOC) -> Path:
    return seeds / "annotations" / "sentences" / f"{doc}.jsonl"


def replace_line(path: Path, number: int, new: bytes) -> None:
    lines = path.read_bytes().split(b"\n")
    lines[number - 1] = new
    path.write_bytes(b"\n".join(lines))


def first_record_with(path: Path, old: bytes, new: bytes) -> None:
    data = path.read_bytes()
    assert old in data
    path.write_bytes(data.replace(old, new, 1))


def article_dir(seeds: Path) -> list[str]:
    (seeds / "articles" / "zz_folder.txt").mkdir()
    return ["articles/zz_folder.txt", "doc_id=zz_folder", "is a directory, expected a file"]


def annotation_dir(seeds: Path) -> list[str]:
    sentences(seeds).unlink()
    sentences(seeds).mkdir()
    return [f"sentences/{DOC}.jsonl", f"doc_id={DOC}", "is a directory"]


def groups_dir(seeds: Path) -> list[str]:
    path = seeds / "annotations" / "duplicate_groups.jsonl"
    path.unlink()
    path.mkdir()
    return ["annotations/duplicate_groups.jsonl", "is a directory"]


def article_symlink_outside(seeds: Path) -> list[str]:
    outside = seeds.parent / "elsewhere.txt"
    outside.write_text("Text kept outside the seeds directory.\n")
    path = seeds / "articles" / f"{DOC}.txt"
    path.unlink()
    path.symlink_to(outside)
    return [f"articles/{DOC}.txt", f"doc_id={DOC}", "outside the seeds directory"]


def annotation_symlink_outside(seeds: Path) -> list[str]:
    outside = seeds.parent / "elsewhere.jsonl"
    outside.write_bytes(sentences(seeds).read_bytes())
    sentences(seeds).unlink()
    sentences(seeds).symlink_to(outside)
    return [f"sentences/{DOC}.jsonl", f"doc_id={DOC}", "outside the seeds directory"]


def article_symlink_loop(seeds: Path) -> list[str]:
    path = seeds / "articles" / f"{DOC}.txt"
    path.unlink()
    path.symlink_to(path.name)
    return [f"articles/{DOC}.txt", f"doc_id={DOC}", "cannot read the file"]


def article_symlink_dangling(seeds: Path) -> list[str]:
    path = seeds / "articles" / f"{DOC}.txt"
    path.unlink()
    path.symlink_to("gone.txt")
    return [f"articles/{DOC}.txt", f"doc_id={DOC}", "No such file"]


def case_collision(seeds: Path) -> list[str]:
    upper = DOC.upper()
    (seeds / "articles" / f"{upper}.txt").write_bytes((seeds / "articles" / f"{DOC}.txt").read_bytes())
    return [f"articles/{DOC}.txt", f"doc_id={DOC}", "field 'doc_id'", f"only by case", upper]


def control_characters_in_name(seeds: Path) -> list[str]:
    (seeds / "articles" / "bad\x1b[31mname.txt").write_text("Some text.\n")
    return ["articles/bad\\x1b[31mname.txt", "doc_id=bad\\x1b[31mname", "field 'doc_id'", "invalid doc_id"]


def undecodable_name(seeds: Path) -> list[str]:
    (seeds / "articles" / os.fsdecode(b"caf\xe9.txt")).write_text("Some text.\n")
    return ["articles/caf\\xe9.txt", "doc_id=caf\\xe9", "field 'doc_id'", "invalid doc_id"]


def fifo_article(seeds: Path) -> list[str]:
    os.mkfifo(seeds / "articles" / "zz_pipe.txt")
    return ["articles/zz_pipe.txt", "doc_id=zz_pipe", "not a regular file"]


def huge_integer(seeds: Path) -> list[str]:
    first_record_with(sentences(seeds), b'"start": 0', b'"start": ' + b"9" * 5000)
    return [f"sentences/{DOC}.jsonl:1", f"doc_id={DOC}", "field 'start'", "5000 characters is out of range"]


def deep_nesting(seeds: Path) -> list[str]:
    replace_line(sentences(seeds), 2, b"[" * 100_000 + b"]" * 100_000)
    return [f"sentences/{DOC}.jsonl:2", "nested too deeply"]


def invalid_utf8_in_line(seeds: Path) -> list[str]:
    first_record_with(sentences(seeds), b'"role": "title"', b'"role": "t\xffitle"')
    return [f"sentences/{DOC}.jsonl:1", "not valid UTF-8 at byte", "of the line"]


def duplicate_key(seeds: Path) -> list[str]:
    first_record_with(sentences(seeds), b'"role": "title"', b'"role": "title", "role": "body"')
    return [f"sentences/{DOC}.jsonl:1", f"doc_id={DOC}", "field 'role'", "duplicate key 'role'"]


def empty_annotation_file(seeds: Path) -> list[str]:
    sentences(seeds).write_bytes(b"")
    return [f"sentences/{DOC}.jsonl:", "file is empty"]


def blank_line(seeds: Path) -> list[str]:
    replace_line(sentences(seeds), 3, b"   ")
    return [f"sentences/{DOC}.jsonl:3", "empty line"]


def array_line(seeds: Path) -> list[str]:
    replace_line(sentences(seeds), 2, b'["doc_id", "start"]')
    return [f"sentences/{DOC}.jsonl:2", "expected a JSON object, got an array"]


def lone_surrogate(seeds: Path) -> list[str]:
    first_record_with(sentences(seeds), b'"role": "title"', b'"role": "title\\ud800"')
    return [f"sentences/{DOC}.jsonl:1", f"doc_id={DOC}", "field 'role'", "lone UTF-16 surrogate"]


def byte_order_mark(seeds: Path) -> list[str]:
    sentences(seeds).write_bytes(b"\xef\xbb\xbf" + sentences(seeds).read_bytes())
    return [f"sentences/{DOC}.jsonl:1", "invalid JSON", "BOM"]


def trailing_garbage(seeds: Path) -> list[str]:
    path = sentences(seeds)
    lines = path.read_bytes().split(b"\n")
    replace_line(path, 4, lines[3] + b" ,")
    return [f"sentences/{DOC}.jsonl:4", "invalid JSON: Extra data"]


def nul_in_string(seeds: Path) -> list[str]:
    first_record_with(sentences(seeds), b'"role": "title"', b'"role": "ti\x00tle"')
    return [f"sentences/{DOC}.jsonl:1", "invalid JSON: Invalid control character"]


def float_offset(seeds: Path) -> list[str]:
    first_record_with(sentences(seeds), b'"start": 0', b'"start": 1e999')
    return [f"sentences/{DOC}.jsonl:1", f"doc_id={DOC}", "field 'start'"]


def string_offset(seeds: Path) -> list[str]:
    first_record_with(sentences(seeds), b'"start": 0', b'"start": "0"')
    return [f"sentences/{DOC}.jsonl:1", f"doc_id={DOC}", "field 'start'", "valid integer"]


def empty_groups_file(seeds: Path) -> list[str]:
    (seeds / "annotations" / "duplicate_groups.jsonl").write_bytes(b"")
    return ["annotations/duplicate_groups.jsonl:", "file is empty"]


def registry_duplicate_key(seeds: Path) -> list[str]:
    path = seeds / "annotations" / "entity_registry.jsonl"
    first_record_with(path, b'"name": ', b'"name": "x", "name": ')
    return ["annotations/entity_registry.jsonl:1", "field 'name'", "duplicate key 'name'"]


def agreement_bad_json(seeds: Path) -> list[str]:
    folder = seeds / "annotations" / "agreement"
    path = sorted(folder.glob("*/*.jsonl"))[0]
    replace_line(path, 1, b'{"doc_id": ')
    return [f"{path.parent.name}/{path.name}:1", "invalid JSON"]


def mention_doc_mismatch(seeds: Path) -> list[str]:
    path = seeds / "annotations" / "entities" / f"{DOC}.jsonl"
    first_record_with(path, f'"doc_id": "{DOC}"'.encode(), b'"doc_id": "000_a604801cb8896bbe"')
    return [f"entities/{DOC}.jsonl:1", "doc_id=000_a604801cb8896bbe", "field 'doc_id'", "does not match the file name"]


def seeds_is_a_file(seeds: Path) -> list[str]:
    return []  # handled by the test itself (the seeds path is replaced by a file)


CASES: dict[str, Callable[[Path], list[str]]] = {
    f.__name__: f
    for f in (
        article_dir, annotation_dir, groups_dir, article_symlink_outside, annotation_symlink_outside,
        article_symlink_loop, article_symlink_dangling, case_collision, control_characters_in_name,
        undecodable_name, fifo_article, huge_integer, deep_nesting, invalid_utf8_in_line, duplicate_key,
        empty_annotation_file, blank_line, array_line, lone_surrogate, byte_order_mark, trailing_garbage,
        nul_in_string, float_offset, string_offset, empty_groups_file, registry_duplicate_key,
        agreement_bad_json, mention_doc_mismatch,
    )
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_seeds_fail_cleanly(case: str, seeds_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fragments = CASES[case](seeds_copy)
    before = tree_state(tmp_path)
    out = tmp_path / "out" / "ds"
    code = main(["build", "--seeds", str(seeds_copy), "--out", str(out)])
    assert_clean_failure(code, capsys.readouterr().err, fragments)
    assert tree_state(tmp_path) == before


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_seeds_path_that_is_not_a_directory(kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # build --seeds also takes raw articles (a folder of .txt, a .jsonl or a .parquet file), so the
    # message says what inputs it expects.
    seeds = tmp_path / "seeds"
    if kind == "file":
        seeds.write_text("not a directory")
    before = tree_state(tmp_path)
    code = main(["build", "--seeds", str(seeds), "--out", str(tmp_path / "ds")])
    expected = "input does not exist" if kind == "missing" else "unknown input type (expected a folder of .txt files"
    assert_clean_failure(code, capsys.readouterr().err, [str(seeds), expected])
    assert tree_state(tmp_path) == before


def test_many_bad_lines_are_counted_not_all_listed(seeds_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sentences(seeds_copy).write_bytes(b"\n" * 5000 + sentences(seeds_copy).read_bytes())
    code = main(["build", "--seeds", str(seeds_copy), "--out", str(tmp_path / "ds")])
    err = capsys.readouterr().err
    assert_clean_failure(code, err, [f"sentences/{DOC}.jsonl:1", "empty line"])
    assert err.startswith("error: 5000 problem(s) found:")
    assert "... and 4950 more" in err
    assert len(err.splitlines()) == 52
