"""The CLI's one error boundary: `error: ...` and exit 1 for bad input, a hint for bugs, quiet on a closed pipe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import ceasefire_news
from ceasefire_news import cli

DOC = "001_962f232c241942aa"


def test_show_into_a_closed_pipe_is_quiet(built: Path) -> None:
    """`ceasefire-news show DOC | head -1`: the reader is gone before the write, no BrokenPipeError shown."""
    src = str(Path(ceasefire_news.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ceasefire_news", "show", DOC, "--data", str(built)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # long before the interpreter has started and written anything
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 141
    assert err == ""


def test_show_piped_to_head(built: Path) -> None:
    src = str(Path(ceasefire_news.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    command = f'"{sys.executable}" -m ceasefire_news show {DOC} --data "{built}" | head -n 1'
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, env=env, timeout=300)
    assert result.stdout.startswith("  0 title ")
    assert result.stderr == ""


def test_unexpected_exception_is_one_line_and_a_hint(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr("ceasefire_news.dataset.build.build", broken)
    assert cli.main(["build"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "error: unexpected RuntimeError: boom",
        f"hint: this is a bug in ceasefire-news; rerun with {cli.DEBUG_ENV}=1 for the traceback and report it",
    ]


def test_debug_variable_shows_the_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ceasefire_news.dataset.build.build", lambda *_: 1 / 0)
    monkeypatch.setenv(cli.DEBUG_ENV, "1")
    with pytest.raises(ZeroDivisionError):
        cli.main(["build"])


def test_os_error_is_named(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def denied(*_args: object) -> None:
        raise PermissionError(13, "Permission denied", "/data/\x1b[2Jfile")

    monkeypatch.setattr("ceasefire_news.dataset.build.build", denied)
    assert cli.main(["build"]) == 1
    assert capsys.readouterr().err == "error: /data/\\x1b[2Jfile: Permission denied\n"


def test_argument_errors_are_usage_not_tracebacks(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["evaluate", "--task", "pos", "--predictions", "x"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'pos'" in err and "Traceback" not in err
