"""Output paths, through the CLI in a subprocess: anything that is not absent, empty or an earlier output is refused.

Each case asserts exit status 1, no traceback, a message naming the path and the reason, and that
the whole file tree around it (seeds included) is byte-for-byte unchanged.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ceasefire_news import build, validate
from ceasefire_news.gold.seeds import default_seeds_dir

from ..helpers import assert_clean_failure, run_cli, tree_state

Case = Callable[[Path, Path], tuple[list[object], Path | None, list[str]]]


def user_directory(tmp: Path, seeds: Path) -> tuple[list[object], Path | None, list[str]]:
    out = tmp / "d"
    out.mkdir()
    (out / "thesis.tex").write_text("\\documentclass{article} my thesis")
    return ["build", "--out", out], None, [str(out), "refusing to write here", "not an earlier ceasefire-news output", "no manifest.json"]


def hidden_files_only(tmp: Path, seeds: Path) -> tuple[list[object], Path | None, list[str]]:
    out = tmp / "home"
    out.mkdir()
    (out / ".bashrc").write_text("export PS1='$ '")
    return ["build", "--out", out], None, [str(out), "not an earlier ceasefire-news output"]


def regular_file(tmp: Path, seeds: Path) -> tuple[list[object], Path | None, list[str]]:
    out = tmp / "notes.txt"
    out.write_text("my notes")
    return ["build", "--out", out], None, [str(out), "it is a file, not a directory"]


def parent_is_a_file(tmp: Path, seeds: Path) -> tuple[list[object], Path | None, list[str]]:
    (tmp / "notes.txt").write_text("my notes")
    out = tmp / "notes.txt" / "ds"
    return ["build", "--out", out], None, [str(out), f"{tmp / 'notes.txt'} is a file"]


def current_directory(tmp: Path, seeds: Path) -> tuple[list[object], Path | None, list[str]]:
    work = tmp / "work"
    work.mkdir()
    (work / "mine.txt").write_text("x")
    return ["build", "--out", "."], work, [".: refusing to write here", "current directory"]


def empty_current_directory(tmp: Path, seeds: Path) -> tuple[list[object], Path | None, list[str]]:
    work = tmp / "empty"
    work.mkdir()
    return ["build", "--out", "."], work, [".: refusing to write here", "current directory"]


def contains_current_directory(tmp: Path, seeds: Path) -> tuple[list[object], Path | None, list[str]]:
    work = tmp / "a" / "b"
    work.mkdir(parents=True)
    return ["build", "--out", ".."], work, ["..: refusing to write here", "contains it"]


def the_seeds_directory(tmp: Path, seeds: Path) -> tuple[list[object], Path | None, list[str]]:
    return ["build", "--seeds", seeds, "--out", seeds], None, [str(seeds), "seeds directory"]


def seeds_articles(tmp: Path, seeds: Path) -> tuple[list[object], Path | None, list[str]]:
    out = seeds / "articles"
    return ["build", "--seeds", seeds, "--out", out], None, [str(out), "seeds directory"]


def new_path_inside_seeds(tmp: Path, seeds: Path) -> tuple[list[object], Path | None, list[str]]:
    out = seeds / "annotations" / "built"
    return ["build", "--seeds", seeds, "--out", out], None, [str(out), "seeds directory"]


def containing_the_seeds(tmp: Path, seeds: Path) -> tuple[list[object], Path | None, list[str]]:
    return ["build", "--seeds", seeds, "--out", tmp], None, [str(tmp), "seeds directory"]


def symlink_to_user_directory(tmp: Path, seeds: Path) -> tuple[list[object], Path | None, list[str]]:
    (tmp / "mine").mkdir()
    (tmp / "mine" / "data.csv").write_text("a,b\n")
    (tmp / "link").symlink_to(tmp / "mine")
    return ["build", "--out", tmp / "link"], None, [str(tmp / "link"), "symbolic link", "not a ceasefire-news dataset"]


def symlink_to_empty_directory(tmp: Path, seeds: Path) -> tuple[list[object], Path | None, list[str]]:
    (tmp / "empty").mkdir()
    (tmp / "link").symlink_to(tmp / "empty")
    return ["build", "--out", tmp / "link"], None, [str(tmp / "link"), "symbolic link", "not a ceasefire-news dataset"]


def symlink_to_file(tmp: Path, seeds: Path) -> tuple[list[object], Path | None, list[str]]:
    (tmp / "notes.txt").write_text("x")
    (tmp / "link").symlink_to(tmp / "notes.txt")
    return ["build", "--out", tmp / "link"], None, [str(tmp / "link"), "symbolic link", "not a ceasefire-news dataset"]


def dangling_symlink(tmp: Path, seeds: Path) -> tuple[list[object], Path | None, list[str]]:
    (tmp / "link").symlink_to(tmp / "nowhere")
    return ["build", "--out", tmp / "link"], None, [str(tmp / "link"), "which does not exist"]


def earlier_output_with_user_file(tmp: Path, seeds: Path) -> tuple[list[object], Path | None, list[str]]:
    out = build(out_dir=tmp / "ds")
    (out / "my-notes.md").write_text("notes kept next to the data")
    return ["build", "--out", out], None, [str(out), "does not list (my-notes.md)"]


def earlier_output_with_user_file_in_data(tmp: Path, seeds: Path) -> tuple[list[object], Path | None, list[str]]:
    out = build(out_dir=tmp / "ds")
    (out / "data" / "extra.parquet").write_bytes(b"PAR1")
    return ["build", "--out", out], None, [str(out), "does not list (data/extra.parquet)"]


def earlier_output_with_file_replaced(tmp: Path, seeds: Path) -> tuple[list[object], Path | None, list[str]]:
    out = build(out_dir=tmp / "ds")
    (out / "README.md").write_text("my own README, not the card")
    return ["build", "--out", out], None, [str(out), "README.md is not the file its manifest.json lists"]


def earlier_output_with_symlink(tmp: Path, seeds: Path) -> tuple[list[object], Path | None, list[str]]:
    out = build(out_dir=tmp / "ds")
    (out / "mine").symlink_to(tmp)
    return ["build", "--out", out], None, [str(out), "mine is a symbolic link"]


def foreign_manifest(tmp: Path, seeds: Path) -> tuple[list[object], Path | None, list[str]]:
    out = tmp / "other"
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps({"name": "another-tool", "files": {}}))
    return ["build", "--out", out], None, [str(out), "manifest.json is not one written by ceasefire-news"]


def directory_with_fifo(tmp: Path, seeds: Path) -> tuple[list[object], Path | None, list[str]]:
    out = tmp / "pipes"
    out.mkdir()
    os.mkfifo(out / "queue")
    return ["build", "--out", out], None, [str(out), "not an earlier ceasefire-news output"]


def unwritable_system_directory(tmp: Path, seeds: Path) -> tuple[list[object], Path | None, list[str]]:
    if not Path("/sys/kernel").is_dir():
        pytest.skip("no /sys on this system")
    out = Path("/sys/ceasefire-news-out")
    return ["build", "--out", out], None, [str(out), "nothing was written"]


def evaluate_on_user_directory(tmp: Path, seeds: Path) -> tuple[list[object], Path | None, list[str]]:
    data = tmp / "d"
    data.mkdir()
    (data / "thesis.tex").write_text("x")
    (tmp / "p.jsonl").write_text('{"doc_id": "a", "group": 1}\n')
    args = ["evaluate", "--task", "event", "--predictions", tmp / "p.jsonl", "--data", data]
    return args, None, [str(data / "manifest.json"), "not a built dataset"]


def evaluate_on_absent_directory(tmp: Path, seeds: Path) -> tuple[list[object], Path | None, list[str]]:
    (tmp / "p.jsonl").write_text('{"doc_id": "a", "group": 1}\n')
    args = ["evaluate", "--task", "event", "--predictions", tmp / "p.jsonl", "--data", tmp / "absent"]
    return args, None, [str(tmp / "absent"), "no dataset here"]


def show_on_empty_directory(tmp: Path, seeds: Path) -> tuple[list[object], Path | None, list[str]]:
    (tmp / "empty").mkdir()
    return ["show", "x", "--data", tmp / "empty"], None, [str(tmp / "empty" / "manifest.json"), "not a built dataset"]


def validate_user_directory(tmp: Path, seeds: Path) -> tuple[list[object], Path | None, list[str]]:
    (tmp / "d").mkdir()
    (tmp / "d" / "thesis.tex").write_text("x")
    return ["validate", tmp / "d"], None, [str(tmp / "d" / "manifest.json"), "manifest.json is missing"]


def diff_user_directories(tmp: Path, seeds: Path) -> tuple[list[object], Path | None, list[str]]:
    (tmp / "d").mkdir()
    return ["diff", tmp / "d", tmp / "absent"], None, [str(tmp / "d"), "manifest.json"]


CASES: dict[str, Case] = {
    f.__name__: f
    for f in (
        user_directory, hidden_files_only, regular_file, parent_is_a_file, current_directory,
        empty_current_directory, contains_current_directory, the_seeds_directory, seeds_articles,
        new_path_inside_seeds, containing_the_seeds, symlink_to_user_directory, symlink_to_empty_directory,
        symlink_to_file, dangling_symlink, earlier_output_with_user_file, earlier_output_with_user_file_in_data,
        earlier_output_with_file_replaced, earlier_output_with_symlink, foreign_manifest, directory_with_fifo,
        unwritable_system_directory, evaluate_on_user_directory, evaluate_on_absent_directory,
        show_on_empty_directory, validate_user_directory, diff_user_directories,
    )
}


@pytest.mark.parametrize("case", list(CASES))
def test_refused_output_paths_leave_everything_untouched(case: str, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(default_seeds_dir(), seeds)
    args, cwd, fragments = CASES[case](tmp_path, seeds)
    before = tree_state(tmp_path)
    result = run_cli(*args, cwd=cwd)
    assert_clean_failure(result.returncode, result.stderr, fragments)
    assert tree_state(tmp_path) == before
    assert result.stdout == ""


def test_mount_point_is_refused() -> None:
    mount = next((Path(p) for p in ("/dev/shm", "/run", "/boot") if os.path.ismount(p) and os.access(p, os.W_OK)), None)
    if mount is None:
        pytest.skip("no writable mount point to try")
    names = set(os.listdir(mount.parent))
    result = run_cli("build", "--out", mount)
    assert_clean_failure(result.returncode, result.stderr, [str(mount), "it is a mount point"])
    assert not [n for n in set(os.listdir(mount.parent)) - names if ".tmp-" in n]


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Make folder unwritable: chmod, and for root (whom chmod does not stop) the immutable attribute."""
    folder.chmod(0o555)
    immutable = False
    try:
        if os.geteuid() == 0:
            if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode:
                pytest.skip("running as root on a file system without chattr +i: cannot make a directory read-only")
            immutable = True
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        folder.chmod(0o755)


@pytest.mark.parametrize("existing", [False, True])
def test_read_only_parent_is_a_located_error(existing: bool, tmp_path: Path) -> None:
    parent = tmp_path / "ro"
    parent.mkdir()
    if existing:
        build(out_dir=parent / "ds")
    with read_only(parent):
        before = tree_state(tmp_path)
        result = run_cli("build", "--out", parent / "ds")
        assert tree_state(tmp_path) == before
    assert_clean_failure(result.returncode, result.stderr, [str(parent / "ds"), "not writable"])
    if existing:
        validate(parent / "ds")


@pytest.mark.parametrize("kind", ["absent", "empty", "earlier output", "symlink to earlier output"])
def test_allowed_targets_are_written(kind: str, tmp_path: Path) -> None:
    out = tmp_path / "ds"
    if kind == "empty":
        out.mkdir()
    elif kind == "earlier output":
        build(out_dir=out)
    elif kind == "symlink to earlier output":
        build(out_dir=tmp_path / "v1")
        out.symlink_to(tmp_path / "v1")
    result = run_cli("build", "--out", out)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"built {out}\n"
    validate(out)
    if kind == "symlink to earlier output":
        assert out.is_symlink() and validate(tmp_path / "v1")
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name]


def test_baseline_predictions_follow_the_same_policy(tmp_path: Path) -> None:
    """bench.baselines.write_predictions writes only into an absent, empty or earlier predictions directory."""
    from ceasefire_news import DatasetError
    from ceasefire_news.bench.baselines import write_predictions

    predictions = {"event": [{"doc_id": "a", "group": 1}]}
    out = tmp_path / "preds"
    assert write_predictions(predictions, out) == {"event": out / "event.jsonl"}
    write_predictions({"topic": [{"doc_id": "a", "group": 2}]}, out)  # its own earlier output: replaced whole
    assert sorted(p.name for p in out.iterdir()) == ["topic.jsonl"]
    (out / "notes.md").write_text("mine")
    before = tree_state(tmp_path)
    with pytest.raises(DatasetError, match="notes.md, which is not a prediction file"):
        write_predictions(predictions, out)
    assert tree_state(tmp_path) == before
