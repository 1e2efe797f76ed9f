"""Byte-identical builds across processes with different hash seeds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def build_in_subprocess(out: Path, hash_seed: str) -> dict[str, bytes]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    code = "import sys, ceasefire_news; ceasefire_news.build(out_dir=sys.argv[1])"
    subprocess.run([sys.executable, "-c", code, str(out)], check=True, env=env)
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_builds_in_two_processes_with_different_hash_seeds_are_identical(tmp_path: Path, built: Path) -> None:
    first = build_in_subprocess(tmp_path / "a", "0")
    second = build_in_subprocess(tmp_path / "b", "4242")
    assert first == second
    assert first == {p.relative_to(built).as_posix(): p.read_bytes() for p in sorted(built.rglob("*")) if p.is_file()}
