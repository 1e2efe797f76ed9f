"""Raw-article input: .txt folders, JSON Lines and Parquet, and located errors for bad records."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ceasefire_news import DatasetError, annotate
from ceasefire_news.silver.reading import open_articles

from .conftest import DOC_IDS, seed_texts


def read_all(path: Path, batch_size: int = 2) -> tuple[list[list[str]], list[str]]:
    reader = open_articles(path, batch_size)
    batches = [b.column("doc_id").to_pylist() for b in reader.batches()]
    return batches, [str(p) for p in reader.log.problems]


def test_txt_folder_in_name_order_with_checksums(raw_txt: Path) -> None:
    reader = open_articles(raw_txt, 2)
    batches = list(reader.batches())
    assert [b.column("doc_id").to_pylist() for b in batches] == [DOC_IDS[:2], DOC_IDS[2:4], DOC_IDS[4:]]
    row = batches[0].to_pylist()[0]
    raw = (raw_txt / f"{DOC_IDS[0]}.txt").read_bytes()
    assert row["text"] == raw.decode("utf-8")
    import hashlib

    assert row["sha256"] == hashlib.sha256(raw).hexdigest()
    assert (reader.num_docs, reader.num_bytes) == (5, sum(len(t.encode()) for t in seed_texts().values()))


def test_jsonl_and_parquet_keep_input_order(raw_jsonl: Path, raw_parquet: Path) -> None:
    assert read_all(raw_jsonl, 10) == ([list(reversed(DOC_IDS))], [])
    assert read_all(raw_parquet, 3) == ([DOC_IDS[:3], DOC_IDS[3:]], [])


def jsonl(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_bytes("\n".join(lines).encode("utf-8") + b"\n")
    return path


BAD_JSONL = {
    "invalid JSON": (['{"doc_id": "a", "text": "Hi."}', '{"doc_id": "b", "text": '], ["in.jsonl:2", "invalid JSON"]),
    "missing field": (['{"doc_id": "a"}'], ["in.jsonl:1", "doc_id=a", "field 'text'", "missing field"]),
    "wrong type": (['{"doc_id": "a", "text": 3}'], ["in.jsonl:1", "doc_id=a", "field 'text'", "expected a string"]),
    "unknown field": (['{"doc_id": "a", "text": "Hi.", "url": "x"}'], ["in.jsonl:1", "field 'url'", "unknown field"]),
    "invalid doc_id": (['{"doc_id": "a b", "text": "Hi."}'], ["in.jsonl:1", "field 'doc_id'", "invalid doc_id"]),
    "duplicate doc_id": (['{"doc_id": "a", "text": "Hi."}', '{"doc_id": "a", "text": "Yo."}'], ["in.jsonl:2", "duplicate doc_id 'a' (first at line 1)"]),
    "empty text": (['{"doc_id": "a", "text": "  \\n"}'], ["in.jsonl:1", "doc_id=a", "field 'text'", "empty"]),
    "not an object": (['["a", "b"]'], ["in.jsonl:1", "expected a JSON object"]),
    "empty line": (['{"doc_id": "a", "text": "Hi."}', "", '{"doc_id": "b", "text": "Yo."}'], ["in.jsonl:2", "empty line"]),
}


@pytest.mark.parametrize("case", list(BAD_JSONL))
def test_bad_jsonl_is_located_and_writes_nothing(case: str, tmp_path: Path) -> None:
    lines, fragments = BAD_JSONL[case]
    out = tmp_path / "out" / "ds"
    with pytest.raises(DatasetError) as err:
        annotate(jsonl(tmp_path, lines), out, ner="rules", workers=1, quiet=True)
    problems = [str(p) for p in err.value.problems]
    assert any(all(f in p for f in fragments) for p in problems), problems
    assert not (tmp_path / "out").exists()


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    lines = [f'{{"doc_id": "d{i}", "text": "Text {i}."}}' for i in range(5)] + ["{oops", '{"doc_id": "d1", "text": "again"}']
    with pytest.raises(DatasetError) as err:
        annotate(jsonl(tmp_path, lines), tmp_path / "out", ner="rules", batch_size=2, shard_docs=2, workers=1, quiet=True)
    problems = [str(p) for p in err.value.problems]
    assert len(problems) == 2
    assert "in.jsonl:6" in problems[0] and "in.jsonl:7" in problems[1]


def test_bad_txt_files_are_located(tmp_path: Path) -> None:
    folder = tmp_path / "txt"
    folder.mkdir()
    (folder / "good.txt").write_text("A sentence.", encoding="utf-8")
    (folder / "latin1.txt").write_bytes(b"Caf\xe9 au lait.")
    (folder / "blank.txt").write_text("   \n", encoding="utf-8")
    (folder / "bad id!.txt").write_text("Text.", encoding="utf-8")
    with pytest.raises(DatasetError) as err:
        annotate(folder, tmp_path / "out", ner="rules", workers=1, quiet=True)
    problems = sorted(str(p) for p in err.value.problems)
    assert len(problems) == 3
    assert any("bad id!.txt" in p and "invalid doc_id" in p for p in problems)
    assert any("blank.txt doc_id=blank field 'text'" in p and "empty" in p for p in problems)
    assert any("latin1.txt doc_id=latin1 field 'text'" in p and "not valid UTF-8: byte 3" in p for p in problems)


def test_bad_parquet_columns_are_located(tmp_path: Path) -> None:
    extra = tmp_path / "extra.parquet"
    pq.write_table(pa.table({"doc_id": ["a"], "body": ["Hi."]}), extra)
    with pytest.raises(DatasetError) as err:
        annotate(extra, tmp_path / "out", ner="rules", workers=1, quiet=True)
    problems = [str(p) for p in err.value.problems]
    assert any("extra.parquet field 'text': missing column 'text'" in p for p in problems), problems
    assert any("field 'body': unknown column 'body'" in p for p in problems), problems
    nulls = tmp_path / "nulls.parquet"
    pq.write_table(pa.table({"doc_id": ["a", "b"], "text": ["Hi.", None]}), nulls)
    with pytest.raises(DatasetError) as err:
        annotate(nulls, tmp_path / "out", ner="rules", workers=1, quiet=True)
    assert [str(p) for p in err.value.problems] == [f"{nulls} row 1 doc_id=b field 'text': text is null; expected a string"]


def test_missing_and_unknown_inputs(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="input does not exist"):
        annotate(tmp_path / "nope", tmp_path / "out", quiet=True)
    other = tmp_path / "articles.csv"
    other.write_text("doc_id,text\n")
    with pytest.raises(DatasetError, match="unknown input type"):
        annotate(other, tmp_path / "out", quiet=True)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DatasetError, match="no \\*.txt articles found"):
        annotate(empty, tmp_path / "out", quiet=True)
    assert not (tmp_path / "out").exists()


def test_cli_reports_located_errors_without_traceback(tmp_path: Path) -> None:
    path = jsonl(tmp_path, ['{"doc_id": "a", "text": 3}'])
    done = subprocess.run(
        [sys.executable, "-m", "ceasefire_news", "build", "--seeds", str(path), "--out", str(tmp_path / "out"), "--ner", "rules"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert f"{path}:1 doc_id=a field 'text': expected a string, got 3" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_parquet_batches_are_exact_whatever_the_row_groups(tmp_path: Path) -> None:
    """Columnar reading re-cuts the file's batches to exactly batch_size rows (shards are whole batches)."""
    import hashlib

    texts = [f"Article {i}. It says something." for i in range(23)]
    path = tmp_path / "in.parquet"
    pq.write_table(pa.table({"doc_id": [f"d{i:02d}" for i in range(23)], "text": texts}), path, row_group_size=7)
    reader = open_articles(path, 5)
    batches = list(reader.batches())
    assert [b.num_rows for b in batches] == [5, 5, 5, 5, 3]
    rows = [r for b in batches for r in b.to_pylist()]
    assert rows == [{"doc_id": f"d{i:02d}", "text": t, "sha256": hashlib.sha256(t.encode()).hexdigest()} for i, t in enumerate(texts)]
    assert (reader.num_docs, reader.num_bytes, reader.log.problems) == (23, sum(len(t.encode()) for t in texts), [])


def test_parquet_bad_rows_are_the_record_checks_own(tmp_path: Path) -> None:
    """A batch with any suspect row is decided row by row by the record checks (Python's rules, not RE2's), which report each row."""
    doc_ids = ["a0", "a1", "bad id", "a3", None, "a5", "a6\n", "a7", "a8", "a1", "a10", "a11"]
    texts = ["One.", "Two.", "Three.", " \u3000\x1c\n", "Five.", None, "Seven.", "Eight.", "Nine.", "Ten.", "\t", "Twelve.\u2028"]
    path = tmp_path / "in.parquet"
    pq.write_table(pa.table({"doc_id": pa.array(doc_ids, pa.large_string()), "text": texts}), path, row_group_size=4)
    reader = open_articles(path, 3)
    kept = [r for b in reader.batches() for r in b.to_pylist()]
    found = [str(p).replace(f"{path} row ", "ROW ") for p in reader.log.problems]
    assert [r["doc_id"] for r in kept] == ["a0", "a1", "a7", "a8", "a1", "a11"]
    assert found == [
        "ROW 2 doc_id=bad id field 'doc_id': invalid doc_id 'bad id'; expected ^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        "ROW 3 doc_id=a3 field 'text': article is empty (expected some non-whitespace text)",
        "ROW 4 field 'doc_id': doc_id is null; expected a string",
        "ROW 5 doc_id=a5 field 'text': text is null; expected a string",
        "ROW 6 doc_id=a6\\x0a field 'doc_id': invalid doc_id 'a6\\n'; expected ^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        "ROW 10 doc_id=a10 field 'text': article is empty (expected some non-whitespace text)",
        "ROW 9 doc_id=a1 field 'doc_id': duplicate doc_id 'a1' (first at row 1)",
    ]


def test_python_space_is_every_character_str_isspace_accepts() -> None:
    from ceasefire_news.silver.reading import PYTHON_SPACE

    assert PYTHON_SPACE == tuple(c for c in range(0x110000) if chr(c).isspace())


def test_a_parquet_file_that_breaks_mid_read_is_the_inputs_problem(tmp_path: Path) -> None:
    """A truncated file whose footer still reads fails while its rows are read: named as the input, nothing written."""
    whole = tmp_path / "whole.parquet"
    pq.write_table(pa.table({"doc_id": [f"a{i}" for i in range(3000)], "text": ["Hello world. Again."] * 3000}), whole, row_group_size=500)
    data = whole.read_bytes()
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(data[: len(data) // 2] + data[-2000:])
    with pytest.raises(DatasetError) as err:
        annotate(broken, tmp_path / "out", ner="none", workers=1, quiet=True)
    found = [str(p) for p in err.value.problems]
    assert len(found) == 1 and found[0].startswith(f"{broken}: cannot read Parquet file:"), found
    assert not (tmp_path / "out").exists()


def test_parquet_reading_holds_one_row_group_not_the_file(tmp_path: Path) -> None:
    """Streaming a Parquet input keeps Arrow memory near one row group: the file's column chunks are not kept as they are read.

    pyarrow's default read cache (pre_buffer) kept every chunk read until the file was closed, so a
    1M-article input grew the build by its compressed size (142 MiB).
    """
    import random

    rng = random.Random(7)
    words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9))) for _ in range(5000)]
    n, per_group = 4000, 250  # 16 row groups of about 0.5 MB of text each (incompressible words)
    texts = [" ".join(rng.choice(words) for _ in range(300)) + "." for _ in range(n)]
    path = tmp_path / "in.parquet"
    pq.write_table(pa.table({"doc_id": [f"d{i:05d}" for i in range(n)], "text": texts}), path, row_group_size=per_group)
    file_bytes = path.stat().st_size
    reader = open_articles(path, 100)
    base, grown = pa.total_allocated_bytes(), 0
    for batch in reader.batches():
        grown = max(grown, pa.total_allocated_bytes() - base)
        del batch
    assert reader.num_docs == n and not reader.log.problems
    # One row group, compressed and decoded, plus the batch being cut: well under half the file;
    # with the read cache it reached the whole file.
    assert grown < file_bytes / 2, (grown, file_bytes)
