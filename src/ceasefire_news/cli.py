"""The `ceasefire-news` command: a thin layer that parses arguments and calls the public API."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path

from . import build, evaluate, validate
from .errors import DatasetError, printable
from .dataset.diff import diff_datasets, format_diff
from .dataset.output import Terminated
from .bench.evaluate import TASKS, format_table
from .render.text import render_document

#: Set to 1 to see the Python traceback of an unexpected error (for bug reports).
DEBUG_ENV = "CEASEFIRE_NEWS_DEBUG"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ceasefire-news", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p_build = sub.add_parser("build", help="build the dataset from a seeds directory")
    p_build.add_argument("--seeds", type=Path, default=None, help="seeds directory (default: the project's seeds/)")
    p_build.add_argument(
        "--out", type=Path, default=None,
        help="output directory (default: dist/ceasefire-news); must be absent, empty or an earlier output",
    )
    p_validate = sub.add_parser("validate", help="validate a built dataset directory")
    p_validate.add_argument("data_dir", type=Path)
    p_validate.add_argument("--seeds", type=Path, default=None, help="also check that it was built from these seeds")
    p_show = sub.add_parser("show", help="print a built document one segment per line with mentions marked")
    p_show.add_argument("doc_id")
    p_show.add_argument("--data", type=Path, default=None, help="built dataset directory (default: dist/ceasefire-news)")
    p_eval = sub.add_parser("evaluate", help="score a prediction file against the gold labels")
    p_eval.add_argument("--task", required=True, choices=TASKS)
    p_eval.add_argument("--predictions", type=Path, required=True, help="JSON Lines prediction file")
    p_eval.add_argument("--data", type=Path, default=None, help="built dataset directory (default: dist/ceasefire-news)")
    p_eval.add_argument("--format", choices=("json", "table"), default="json")
    p_diff = sub.add_parser("diff", help="compare two built dataset directories table by table")
    p_diff.add_argument("old_dir", type=Path)
    p_diff.add_argument("new_dir", type=Path)
    return parser


def _run(args: argparse.Namespace) -> str:
    """Call the public API for one command; return what goes to stdout."""
    if args.command == "build":
        return f"built {build(args.seeds, args.out)}"
    if args.command == "validate":
        manifest = validate(args.data_dir, args.seeds)
        rows = ", ".join(f"{k}={v.num_rows}" for k, v in manifest.tables.items())
        return f"valid: {args.data_dir} (version {manifest.dataset_version}; {rows})"
    if args.command == "evaluate":
        metrics = evaluate(args.task, args.predictions, args.data)
        return format_table(metrics) if args.format == "table" else json.dumps(metrics, indent=2, sort_keys=True)
    if args.command == "diff":
        return format_diff(diff_datasets(args.old_dir, args.new_dir))
    return render_document(args.doc_id, args.data)


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 error, 130/143 interrupted)."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")  # never fail on printing an odd character
    args = _parser().parse_args(argv)
    # The one error boundary: bad input and file-system failures become `error: ...` and exit 1;
    # the user never sees a Python traceback.
    try:
        out = _run(args)
        print(out)
        sys.stdout.flush()
    except BrokenPipeError:
        # stdout closed early (`ceasefire-news show DOC | head`): stop quietly, as `cat` does.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 128 + signal.SIGPIPE if hasattr(signal, "SIGPIPE") else 1
    except DatasetError as err:
        _say(f"error: {err}")
        return 1
    except OSError as err:
        where = f"{err.filename}: " if err.filename else ""
        _say(printable(f"error: {where}{err.strerror or err}"))
        return 1
    except KeyboardInterrupt:
        _say("error: interrupted; nothing was left half-written")
        return 128 + signal.SIGINT
    except Terminated as err:
        _say(f"error: {err}; nothing was left half-written")
        return 128 + err.signum
    except Exception as err:  # noqa: BLE001 - the boundary: a bug must still end in one line, not a traceback
        if os.environ.get(DEBUG_ENV) == "1":
            raise
        first_line = (str(err).strip().splitlines() or [""])[0]
        _say(printable(f"error: unexpected {type(err).__name__}: {first_line}"))
        _say(f"hint: this is a bug in ceasefire-news; rerun with {DEBUG_ENV}=1 for the traceback and report it")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
