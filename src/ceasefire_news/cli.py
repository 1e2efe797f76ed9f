"""The `ceasefire-news` command: a thin layer that parses arguments and calls the public API."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import annotate, evaluate, validate
from .errors import DatasetError
from .dataset.diff import diff_datasets, format_diff
from .bench.evaluate import TASKS, format_table
from .dataset.load import default_data_dir
from .render.text import render_document


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
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
    p_build.add_argument("--out", type=Path, default=None, help="output directory (default: dist/ceasefire-news)")
    p_build.add_argument("--engine", choices=("local", "ray"), default="local", help="silver engine: local process pool (default) or Ray Data (RAY_ADDRESS for a cluster)")
    p_build.add_argument("--workers", type=int, default=None, help="worker processes / Ray CPUs (default: all CPUs)")
    p_build.add_argument("--ner", choices=("model", "rules", "none"), default=None, help="silver NER: spaCy OntoNotes model (default when installed), fast gazetteer rules, or none")
    p_build.add_argument("--registry", type=Path, default=None, help="verified entity registry for linking (default: the input's, else the project's)")
    p_build.add_argument("--batch-size", type=int, default=1000, help="documents per batch of work (default 1000)")
    p_build.add_argument("--shard-docs", type=int, default=None, help="documents per output shard (default 10000; a multiple of --batch-size)")
    p_build.add_argument("--quiet", action="store_true", help="no progress bar or summary (also the default when stderr is not a terminal)")
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
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
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
            )
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
        elif args.command == "show":
            print(render_document(args.doc_id, args.data if args.data is not None else default_data_dir()))
    except KeyError as err:
        print(f"error: {err.args[0]}", file=sys.stderr)
        return 1
    except DatasetError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except (ImportError, ValueError) as err:  # a missing optional extra, or inconsistent options
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
