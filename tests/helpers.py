"""Helpers shared by the tests: editing annotation files, checking located failures, hashing file trees, running the CLI."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from ceasefire_news import DatasetError, build


def edit_jsonl(path: Path, change: Callable[[list[dict]], object]) -> Path:
    """Load a JSON Lines file, let change() edit its records in place, write it back."""
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    change(records)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def assert_build_fails_located(seeds: Path, out: Path, fragments: list[str]) -> list[str]:
    """Build must raise with one problem line containing every fragment, and leave no output."""
    with pytest.raises(DatasetError) as err:
        build(seeds, out)
    lines = [str(p) for p in err.value.problems]
    assert any(all(f in line for f in fragments) for line in lines), lines
    assert not out.exists()
    return lines


def tree_state(root: Path) -> dict[str, str]:
    """Every entry below root (not following links) with its kind, mode and content hash: equal means unchanged."""
    import hashlib
    import os
    import stat

    state: dict[str, str] = {}
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            path = Path(folder) / name
            info = path.lstat()
            rel = path.relative_to(root).as_posix()
            if stat.S_ISLNK(info.st_mode):
                state[rel] = f"link -> {os.readlink(path)}"
            elif stat.S_ISDIR(info.st_mode):
                state[rel] = f"dir {stat.filemode(info.st_mode)}"
            elif stat.S_ISREG(info.st_mode):
                state[rel] = f"file {stat.filemode(info.st_mode)} {hashlib.sha256(path.read_bytes()).hexdigest()}"
            else:
                state[rel] = f"special {stat.filemode(info.st_mode)}"
    return state


def run_cli(*args: object, cwd: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run `python -m ceasefire_news ARGS` in a subprocess, as a user would."""
    import os
    import sys

    import ceasefire_news

    src = str(Path(ceasefire_news.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, "-m", "ceasefire_news", *map(str, args)],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout,
    )


def assert_clean_failure(code: int, stderr: str, fragments: list[str]) -> None:
    """Exit status 1, no traceback, and one `error:` problem line holding every fragment (file, record, field)."""
    assert code == 1, (code, stderr)
    assert "Traceback" not in stderr, stderr
    lines = stderr.splitlines()
    assert any(line.startswith("error: ") for line in lines), stderr
    assert any(all(f in line for f in fragments) for line in lines), (fragments, stderr)
