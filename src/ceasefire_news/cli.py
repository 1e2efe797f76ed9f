"""The `ceasefire-news` command: a thin layer that parses arguments and calls the public API."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from .errors import DatasetError, Terminated, printable

# Each command imports what it runs inside its branch below, so `--help` and `validate` never
# load `datasets` or scikit-learn (tests/test_imports.py; start-up figures in docs/performance.md).


class _Tasks(Sequence[str]):
    """The evaluate tasks, looked up only when `evaluate` is parsed or its help is shown."""

    def _tasks(self) -> tuple[str, ...]:
        from .bench.evaluate import TASKS

        return TASKS

    def __getitem__(self, index):  # type: ignore[override]
        return self._tasks()[index]

    def __len__(self) -> int:
        return len(self._tasks())

    def __iter__(self) -> Iterator[str]:
        return iter(self._tasks())

    def __contains__(self, task: object) -> bool:
        return task in self._tasks()

#: Set to 1 to see the Python traceback of an unexpected error (for bug reports).
DEBUG_ENV = "CEASEFIRE_NEWS_DEBUG"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ceasefire-news", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p_build = sub.add_parser("build", help="build the dataset from a seeds directory or from raw articles")
    p_build.add_argument(
        "--seeds",
        type=Path,
        default=None,
        help="seeds directory, folder of .txt articles, or .jsonl/.parquet file of doc_id and text (default: the project's seeds/); "
        "layers without a gold file are made by the silver pipeline",
    )
    p_build.add_argument(
        "--out", type=Path, default=None,
        help="output directory (default: dist/ceasefire-news); must be absent, empty or an earlier output",
    )
    p_build.add_argument("--engine", choices=("local", "ray"), default="local", help="silver engine: local process pool (default) or Ray Data (RAY_ADDRESS for a cluster)")
    p_build.add_argument("--workers", type=int, default=None, help="worker processes / Ray CPUs (default: all CPUs)")
    p_build.add_argument("--ner", choices=("model", "rules", "none"), default=None, help="silver NER: spaCy OntoNotes model (default when installed), fast gazetteer rules, or none")
    p_build.add_argument("--registry", type=Path, default=None, help="verified entity registry for linking (default: the input's, else the project's)")
    p_build.add_argument("--batch-size", type=int, default=None, help="documents per batch of work (default 250, or the largest divisor of --shard-docs below it)")
    p_build.add_argument("--shard-docs", type=int, default=None, help="documents per output shard (default 10000; a multiple of --batch-size)")
    p_build.add_argument("--quiet", action="store_true", help="no progress bar or summary (also the default when stderr is not a terminal)")
    p_build.add_argument(
        "--embeddings",
        action="store_true",
        help="also write sentence_embeddings (all-MiniLM-L6-v2 per segment, silver; the `embeddings` extra; slow on CPU)",
    )
    p_validate = sub.add_parser("validate", help="validate a built dataset directory")
    p_validate.add_argument("data_dir", type=Path)
    p_validate.add_argument("--seeds", type=Path, default=None, help="also check that it was built from these seeds")
    p_show = sub.add_parser("show", help="print a built document one segment per line with mentions marked")
    p_show.add_argument("doc_id", nargs="+", help="one document, or two to show side by side with --html")
    p_show.add_argument("--data", type=Path, default=None, help="built dataset directory (default: dist/ceasefire-news)")
    p_show.add_argument(
        "--html", action="store_true", help="write one self-contained HTML page to stdout (e.g. > doc.html)"
    )
    p_eval = sub.add_parser("evaluate", help="score a prediction file against the gold labels")
    p_eval.add_argument("--task", required=True, choices=_Tasks(), metavar="TASK", help="one of: %(choices)s")
    p_eval.add_argument("--predictions", type=Path, required=True, help="JSON Lines prediction file")
    p_eval.add_argument("--data", type=Path, default=None, help="built dataset directory (default: dist/ceasefire-news)")
    p_eval.add_argument("--format", choices=("json", "table"), default="json")
    p_eval.add_argument("--by", choices=("doc",), default=None, help="add a per-document breakdown (by_doc)")
    p_synth = sub.add_parser("synth", help="write N articles derived from the gold corpus, labelled by construction")
    p_synth.add_argument("--n", type=_count(1), required=True, help="number of articles")
    p_synth.add_argument("--seed", type=_count(0), default=0, help="seed: the same seed gives the same bytes (default 0)")
    p_synth.add_argument("--out", type=Path, required=True, help="output directory (absent, empty or an earlier synth output)")
    p_synth.add_argument("--format", choices=("txt", "jsonl", "parquet"), default="txt", help="articles as .txt files (default), JSON Lines or Parquet")
    p_synth.add_argument("--seeds", type=Path, default=None, help="gold seeds directory (default: the project's seeds/)")
    p_synth.add_argument("--quiet", action="store_true", help="no progress bar")
    p_sscore = sub.add_parser("synth-score", help="score a grouping of a synth corpus against its labels (ARI, F1)")
    p_sscore.add_argument("--labels", type=Path, required=True, help="synth output directory or its labels.jsonl")
    p_sscore.add_argument("--predictions", type=Path, required=True, help="built dataset directory, or JSONL of {doc_id, group}")
    p_sscore.add_argument("--level", choices=("near_duplicate", "event", "topic"), default="near_duplicate")
    p_sscore.add_argument("--format", choices=("json", "table"), default="json")
    p_diff = sub.add_parser("diff", help="compare two built dataset directories table by table")
    p_diff.add_argument("old_dir", type=Path)
    p_diff.add_argument("new_dir", type=Path)
    return parser


def _run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> str:
    """Call the public API for one command; return what goes to stdout.

    Each command imports what it runs, so `--help` and `validate` never load `datasets` or
    scikit-learn (tests/test_imports.py; start-up figures in docs/performance.md).
    """
    if args.command == "build":
        from .silver.pipeline import annotate  # a gold seeds directory goes to the gold build unchanged

        out = annotate(
            args.seeds,
            args.out,
            engine=args.engine,
            workers=args.workers,
            ner=args.ner,
            registry=args.registry,
            batch_size=args.batch_size,
            shard_docs=args.shard_docs,
            quiet=True if args.quiet else None,
            embeddings=args.embeddings,
        )
        return f"built {out}"
    if args.command == "validate":
        from .gold.checks import validate

        manifest = validate(args.data_dir, args.seeds)
        rows = ", ".join(f"{k}={v.num_rows}" for k, v in manifest.tables.items())
        return f"valid: {args.data_dir} (version {manifest.dataset_version}; {rows})"
    if args.command == "evaluate":
        from .bench.evaluate import evaluate, format_table

        metrics = evaluate(args.task, args.predictions, args.data, by=args.by)
        return format_table(metrics) if args.format == "table" else json.dumps(metrics, indent=2, sort_keys=True)
    if args.command == "synth":
        return f"wrote {args.n} articles and their labels to {_synth_with_progress(args)}"
    if args.command == "synth-score":
        from .bench.evaluate import format_table
        from .synthetic.score import score_synth

        metrics = score_synth(args.labels, args.predictions, args.level)
        return format_table(metrics) if args.format == "table" else json.dumps(metrics, indent=2, sort_keys=True)
    if args.command == "diff":
        from .dataset.diff import diff_datasets, format_diff

        return format_diff(diff_datasets(args.old_dir, args.new_dir))
    if args.html:
        from .render.html import render_html

        if len(args.doc_id) > 2:
            parser.error("show --html takes one or two doc_ids")
        from .dataset.build import DEFAULT_OUT

        return render_html(args.doc_id, args.data if args.data is not None else DEFAULT_OUT)
    from .render.text import render_document

    pages = [render_document(doc_id, args.data) for doc_id in args.doc_id]
    if len(pages) > 1:
        pages = [f"== {doc_id}\n{page}" for doc_id, page in zip(args.doc_id, pages)]
    return "\n\n".join(pages)


def _count(minimum: int):
    """An argparse type: an integer of at least minimum."""

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {value!r}") from None
        if number < minimum:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {number}")
        return number

    return parse


def _synth_with_progress(args: argparse.Namespace) -> Path:
    """Run synth with a progress bar (articles/s) on a terminal unless --quiet."""
    from .synthetic.generate import synth

    if args.quiet or not sys.stderr.isatty():
        return synth(args.n, args.seed, args.out, fmt=args.format, seeds_dir=args.seeds)
    from tqdm import tqdm

    with tqdm(total=args.n, unit=" articles", unit_scale=True, file=sys.stderr) as bar:
        done = 0

        def progress(count: int) -> None:
            nonlocal done
            if count - done >= 1000 or count == args.n:
                bar.update(count - done)
                done = count

        return synth(args.n, args.seed, args.out, fmt=args.format, seeds_dir=args.seeds, progress=progress)


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 error, 130/143 interrupted)."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")  # never fail on printing an odd character
    parser = _parser()
    args = parser.parse_args(argv)
    # The one error boundary: bad input and file-system failures become `error: ...` and exit 1;
    # the user never sees a Python traceback.
    try:
        out = _run(args, parser)
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
    except (ImportError, ValueError) as err:  # a missing optional extra, or inconsistent options
        _say(printable(f"error: {err}"))
        return 1
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
