"""The output-path policy and the atomic replace: cleanup on failure, Ctrl-C, SIGTERM and after SIGKILL."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import ceasefire_news
from ceasefire_news import DatasetError, build, validate
from ceasefire_news.dataset.output import LOCK_FILE, check_output, remove_stale_temps, write_output

from ..helpers import tree_state


def temps(parent: Path) -> list[Path]:
    return sorted(p for p in parent.iterdir() if ".tmp-" in p.name or ".old-" in p.name)


def start_build(out: Path) -> subprocess.Popen[str]:
    src = str(Path(ceasefire_news.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen(
        [sys.executable, "-m", "ceasefire_news", "build", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )


def signal_while_writing(out: Path, signum: int, attempts: int = 5) -> tuple[subprocess.Popen[str], str]:
    """Start a CLI build of out and send signum once its temporary directory is being written."""
    for _ in range(attempts):
        proc = start_build(out)
        deadline = time.monotonic() + 300
        while proc.poll() is None and time.monotonic() < deadline:
            if any((p / LOCK_FILE).exists() for p in temps(out.parent)):
                proc.send_signal(signum)
                break
            time.sleep(0.002)
        _, err = proc.communicate(timeout=300)
        if proc.returncode != 0:
            return proc, err
    pytest.skip("the build finished before the signal could be sent")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_stopped_build_cleans_up_and_keeps_the_previous_output(signum: int, tmp_path: Path) -> None:
    out = build(out_dir=tmp_path / "ds")
    before = tree_state(tmp_path)
    proc, err = signal_while_writing(out, signum)
    assert proc.returncode == 128 + signum, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == f"error: {'interrupted' if signum == signal.SIGINT else 'stopped by SIGTERM'}; nothing was left half-written"
    assert temps(tmp_path) == []
    assert tree_state(tmp_path) == before


def test_temp_dir_of_a_killed_build_is_removed_by_the_next_build(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    proc, _ = signal_while_writing(out, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    left = temps(tmp_path)
    assert len(left) == 1 and (left[0] / LOCK_FILE).is_file()
    build(out_dir=out)
    validate(out)
    assert temps(tmp_path) == []


def test_temp_dirs_of_live_writers_and_unknown_dirs_are_left_alone(tmp_path: Path) -> None:
    live = tmp_path / ".ds.tmp-1-live"
    live.mkdir()
    (live / "new").mkdir()
    unknown = tmp_path / ".ds.tmp-someone-elses"
    unknown.mkdir()
    (unknown / "notes.txt").write_text("not ours: no lock file")
    fd = os.open(live / LOCK_FILE, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another open file description: conflicts like another process would
    try:
        build(out_dir=tmp_path / "ds")
        assert live.is_dir() and unknown.is_dir()
    finally:
        os.close(fd)
    assert remove_stale_temps(tmp_path / "ds") == [live]
    assert temps(tmp_path) == [unknown]


def test_failed_write_removes_its_temp_dir_and_the_parents_it_made(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b" / "ds"

    def write(folder: Path) -> None:
        (folder / "partial.txt").write_text("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(DatasetError, match="No space left on device; nothing was written"):
        write_output(out, write)
    assert list(tmp_path.iterdir()) == []


def test_failed_check_keeps_the_previous_output(tmp_path: Path) -> None:
    out = build(out_dir=tmp_path / "ds")
    before = tree_state(tmp_path)

    def check(folder: Path) -> None:
        validate(folder / "missing")

    with pytest.raises(DatasetError, match="does not exist"):
        write_output(out, lambda folder: (folder / "x").write_text("x"), check)
    assert tree_state(tmp_path) == before


def test_interrupt_during_write_keeps_the_previous_output(tmp_path: Path) -> None:
    out = build(out_dir=tmp_path / "ds")
    before = tree_state(tmp_path)

    def write(folder: Path) -> None:
        (folder / "x").write_text("x")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_output(out, write)
    assert tree_state(tmp_path) == before


def test_something_appearing_at_out_during_the_build_is_not_replaced(tmp_path: Path) -> None:
    out = tmp_path / "ds"

    def write(folder: Path) -> None:
        out.mkdir()
        (out / "mine.txt").write_text("created while the build ran")
        (folder / "x").write_text("x")

    with pytest.raises(DatasetError, match="not an earlier ceasefire-news output"):
        write_output(out, write)
    assert [p.name for p in out.iterdir()] == ["mine.txt"]
    assert temps(tmp_path) == []


def test_check_output_returns_the_target_of_a_dataset_symlink(tmp_path: Path) -> None:
    real = build(out_dir=tmp_path / "v1")
    (tmp_path / "current").symlink_to("v1")
    assert check_output(tmp_path / "current") == real.resolve()
    assert check_output(tmp_path / "absent" / "deeper") == tmp_path / "absent" / "deeper"
