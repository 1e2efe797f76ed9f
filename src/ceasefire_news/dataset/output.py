"""Where a command may write, and how: the output-path policy and the atomic replace every writing entry point uses.

The rule: a command writes only into a path that is absent, an empty directory, or an earlier
output of this package (recognised from its manifest and its files). Anything else is refused
with a located error before any byte is written, and is left untouched. Never the current
directory or one containing it, never a seeds directory or a path inside or around one, never a
mount point; a symbolic link only when it points to an earlier output (which is then replaced,
the link kept).

The new output is written into a private temporary directory beside the target, validated, and
only then swapped into place with two renames. On any failure, Ctrl-C or SIGTERM the temporary
directory is removed and the previous output is left as it was; the temporary directory of a
build killed outright (SIGKILL, power loss) is removed by the next build of the same output.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ..errors import DatasetError, Problem, Terminated
from .manifest import not_our_output

#: Inside every temporary directory: held locked (flock) by the process writing it, so a later
#: build can tell a live writer from one that was killed and left its directory behind.
LOCK_FILE = ".ceasefire-news-writing"


def _refuse(out: Path, why: str) -> DatasetError:
    return DatasetError([Problem(str(out), f"refusing to write here: {why}; nothing was written")])


def _real(path: Path) -> Path:
    """Absolute path with every symbolic link resolved (the path need not exist)."""
    return Path(os.path.realpath(path))


def _overlaps(a: Path, b: Path) -> bool:
    return a == b or a.is_relative_to(b) or b.is_relative_to(a)


def check_output(
    out: Path | str, protected: Iterable[Path | str] = (), recognise: Callable[[Path], str | None] = not_our_output
) -> Path:
    """Return the directory a command may replace for out; raise DatasetError if writing there could lose data.

    `protected` are directories that must neither be, hold, nor lie inside the output (the seeds).
    `recognise(dir)` says why dir is not an earlier output of the writer (None if it is one).
    """
    out = Path(out)
    target = out
    if out.is_symlink():
        target = _real(out)
        if not target.is_dir() or recognise(target) is not None:
            what = "which is not a ceasefire-news dataset" if target.exists() else "which does not exist"
            raise _refuse(out, f"it is a symbolic link to {target}, {what}")
    real = _real(target)
    cwd = _real(Path.cwd())
    if real == cwd or cwd.is_relative_to(real):
        raise _refuse(out, "it is the current directory or contains it")
    for seeds in protected:
        seeds_real = _real(Path(seeds))
        if _overlaps(real, seeds_real):
            raise _refuse(out, f"it is, holds or lies inside the seeds directory {seeds}")
    if target.exists():
        if os.path.ismount(target):
            raise _refuse(out, "it is a mount point")
        if not target.is_dir():
            raise _refuse(out, "it is a file, not a directory")
        try:
            empty = not any(os.scandir(target))
        except OSError as err:
            raise _refuse(out, f"it cannot be listed ({err.strerror})") from err
        if not empty:
            why = recognise(target)
            if why is not None:
                raise _refuse(out, f"it is not empty and not an earlier ceasefire-news output ({why}); "
                                   "choose a new path, or move its contents away yourself")
    ancestor = real.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise _refuse(out, f"{ancestor} is a file, so no directory can be made below it")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise _refuse(out, f"the directory {ancestor} is not writable")
    return target


def _lock(path: Path, blocking: bool) -> int | None:
    """Open path and take an exclusive flock on it; the descriptor, or None if another process holds it."""
    import fcntl  # POSIX only; on other systems stale directories are simply left for the user

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
    except OSError:
        os.close(fd)
        return None
    return fd


def _temp_prefix(target: Path) -> str:
    return f".{target.name}.tmp-"


def remove_stale_temps(target: Path) -> list[Path]:
    """Remove the temporary directories of earlier writers of target that died (their lock is free)."""
    removed: list[Path] = []
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(_temp_prefix(target)) or entry.is_symlink() or not entry.is_dir():
            continue
        lock = entry / LOCK_FILE
        if not lock.is_file():
            with contextlib.suppress(OSError):
                entry.rmdir()  # killed before it took its lock: empty, or not ours and left alone
                removed.append(entry)
            continue
        try:
            fd = _lock(lock, blocking=False)
        except (OSError, ImportError):
            continue
        if fd is None:
            continue  # its writer is alive
        try:
            shutil.rmtree(entry)
            removed.append(entry)
        except OSError:
            pass
        finally:
            os.close(fd)
    return removed


@contextlib.contextmanager
def stop_signals_raise() -> Iterator[None]:
    """While writing, turn SIGTERM and SIGHUP into a Terminated exception, so cleanup runs as for Ctrl-C.

    Only in the main thread, and only for signals still at their default action (an application
    that handles them itself keeps its handlers).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: object) -> None:
        raise Terminated(signum)

    previous = {}
    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is not None and signal.getsignal(signum) == signal.SIG_DFL:
            previous[signum] = signal.signal(signum, handler)
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def _make_parents(folder: Path) -> list[Path]:
    """Create folder and its missing ancestors; return the ones created, outermost first."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir()
    return list(reversed(missing))


def write_output(
    out: Path | str,
    write: Callable[[Path], None],
    check: Callable[[Path], object] = lambda _: None,
    protected: Iterable[Path | str] = (),
    recognise: Callable[[Path], str | None] = not_our_output,
) -> Path:
    """Write a new output for out with write(dir), check(dir) it, then swap it into place atomically; return out.

    Raises DatasetError (nothing written, previous output untouched) if the policy refuses out,
    if write or check fail, or if the file system does.
    """
    out = Path(out)
    protected = list(protected)
    target = check_output(out, protected, recognise)
    created: list[Path] = []
    container: Path | None = None
    lock_fd: int | None = None
    try:
        with stop_signals_raise():
            created = _make_parents(target.parent)
            remove_stale_temps(target)
            container = Path(tempfile.mkdtemp(prefix=f"{_temp_prefix(target)}{os.getpid()}-", dir=target.parent))
            with contextlib.suppress(ImportError):
                lock_fd = _lock(container / LOCK_FILE, blocking=True)
            staged = container / "new"
            staged.mkdir()
            write(staged)
            check(staged)
            check_output(out, protected, recognise)  # again: something may have appeared at out meanwhile
            previous = container / "previous"
            if target.exists():
                os.replace(target, previous)
            try:
                os.replace(staged, target)
            except BaseException:
                if previous.exists() and not os.path.lexists(target):
                    os.replace(previous, target)
                raise
    except OSError as err:
        _cleanup(container, lock_fd, created)
        message = f"cannot write the output into {target.parent}: {err.strerror or err}; nothing was written"
        raise DatasetError([Problem(str(out), message)]) from err
    except BaseException:
        _cleanup(container, lock_fd, created)
        raise
    _cleanup(container, lock_fd, [])
    return out


def _cleanup(container: Path | None, lock_fd: int | None, created: list[Path]) -> None:
    """Remove the temporary directory and the parents this write created (only if still empty).

    Ctrl-C, SIGTERM and SIGHUP are held back meanwhile (delivered right after), so a second
    signal cannot interrupt the cleanup of the first.
    """
    stop = {signal.SIGINT, *(getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n))}
    blocked = hasattr(signal, "pthread_sigmask") and threading.current_thread() is threading.main_thread()
    old = signal.pthread_sigmask(signal.SIG_BLOCK, stop) if blocked else None
    try:
        if container is not None:
            shutil.rmtree(container, ignore_errors=True)
        if lock_fd is not None:
            os.close(lock_fd)
        for folder in reversed(created):
            with contextlib.suppress(OSError):
                folder.rmdir()
    finally:
        if old is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)
