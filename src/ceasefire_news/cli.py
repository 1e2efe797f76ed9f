"""The `ceasefire-news` command: a thin layer that parses arguments and calls the public API."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import build, evaluate, score_synth, synth, validate
from .errors import DatasetError
from .dataset.diff import diff_datasets, format_diff
from .bench.evaluate import TASKS, format_table
from .dataset.load import default_data_dir
from .render.text import render_document


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(prog="ceasefire-news", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p_build = sub.add_parser("build", help="build the dataset from a seeds directory")
    p_build.add_argument("--seeds", type=Path, default=None, help="seeds directory (default: the project's seeds/)")
    p_build.add_argument("--out", type=Path, default=None, help="output directory (default: dist/ceasefire-news)")
    p_validate = sub.add_parser("validate", help="validate a built dataset directory")
    p_validate.add_argument("data_dir", type=Path)
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
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            out = build(args.seeds, args.out)
            print(f"built {out}")
        elif args.command == "validate":
            manifest = validate(args.data_dir)
            rows = ", ".join(f"{k}={v.num_rows}" for k, v in manifest.tables.items())
            print(f"valid: {args.data_dir} (version {manifest.dataset_version}; {rows})")
        elif args.command == "evaluate":
            metrics = evaluate(args.task, args.predictions, args.data)
            print(format_table(metrics) if args.format == "table" else json.dumps(metrics, indent=2, sort_keys=True))
        elif args.command == "diff":
            print(format_diff(diff_datasets(args.old_dir, args.new_dir)))
        elif args.command == "synth":
            out = _synth_with_progress(args)
            print(f"wrote {args.n} articles and their labels to {out}")
        elif args.command == "synth-score":
            metrics = score_synth(args.labels, args.predictions, args.level)
            print(format_table(metrics) if args.format == "table" else json.dumps(metrics, indent=2, sort_keys=True))
        elif args.command == "show":
            print(render_document(args.doc_id, args.data if args.data is not None else default_data_dir()))
    except KeyError as err:
        print(f"error: {err.args[0]}", file=sys.stderr)
        return 1
    except DatasetError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


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


if __name__ == "__main__":
    sys.exit(main())
