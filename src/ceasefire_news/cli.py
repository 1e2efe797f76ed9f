"""The `ceasefire-news` command: a thin layer that parses arguments and calls the public API."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from .errors import DatasetError

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
    p_diff = sub.add_parser("diff", help="compare two built dataset directories table by table")
    p_diff.add_argument("old_dir", type=Path)
    p_diff.add_argument("new_dir", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            from .dataset.build import build

            out = build(args.seeds, args.out)
            print(f"built {out}")
        elif args.command == "validate":
            from .gold.checks import validate

            manifest = validate(args.data_dir)
            rows = ", ".join(f"{k}={v.num_rows}" for k, v in manifest.tables.items())
            print(f"valid: {args.data_dir} (version {manifest.dataset_version}; {rows})")
        elif args.command == "evaluate":
            from .bench.evaluate import evaluate, format_table

            metrics = evaluate(args.task, args.predictions, args.data, by=args.by)
            print(format_table(metrics) if args.format == "table" else json.dumps(metrics, indent=2, sort_keys=True))
        elif args.command == "diff":
            from .dataset.diff import diff_datasets, format_diff

            print(format_diff(diff_datasets(args.old_dir, args.new_dir)))
        elif args.command == "show":
            from .dataset.build import DEFAULT_OUT

            data = args.data if args.data is not None else DEFAULT_OUT
            if args.html:
                from .render.html import render_html

                if len(args.doc_id) > 2:
                    parser.error("show --html takes one or two doc_ids")
                sys.stdout.buffer.write(render_html(args.doc_id, data).encode("utf-8"))
                sys.stdout.flush()
            else:
                from .render.text import render_document

                pages = [render_document(doc_id, data) for doc_id in args.doc_id]
                if len(pages) > 1:
                    pages = [f"== {doc_id}\n{page}" for doc_id, page in zip(args.doc_id, pages)]
                print("\n\n".join(pages))
    except KeyError as err:
        print(f"error: {err.args[0]}", file=sys.stderr)
        return 1
    except DatasetError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
