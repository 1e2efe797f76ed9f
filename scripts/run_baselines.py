"""Run every baseline on the built dataset, score it, and write predictions, docs/baselines.md and the README block.

A thin runner: the methods, scoring helpers and report live in `ceasefire_news.bench.baselines`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ceasefire_news import DatasetError, build
from ceasefire_news.bench import baselines
from ceasefire_news.bench.baselines.run import load_tables, run_all
from ceasefire_news.bench.baselines.spacy_ner import DEFAULT_SPACY_MODEL, resolve_model_dir
from ceasefire_news.dataset.load import default_data_dir


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the baselines and write their predictions, scores and report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=None, help="dataset directory (default: dist/ceasefire-news)")
    parser.add_argument("--no-build", action="store_true", help="use the dataset in --data-dir as it is (default: rebuild it from the seeds first)")
    parser.add_argument("--out", type=Path, default=Path("dist") / "baselines", help="predictions go to <out>/<method>/<task>.jsonl")
    parser.add_argument("--report", type=Path, default=Path("docs") / "baselines.md", help="Markdown report to write")
    parser.add_argument("--readme", type=Path, default=Path("README.md"), help="README whose baselines block is refreshed")
    parser.add_argument(
        "--spacy-model",
        default=DEFAULT_SPACY_MODEL,
        help="spaCy model for the spacy_ner baseline: an installed package name (e.g. en_core_web_sm, the official "
        "model) or a model directory; it is checked against the official en_core_web_sm 3.8.0 before it runs",
    )
    parser.add_argument("--skip", action="append", default=[], metavar="METHOD", help="leave a method out (repeatable)")
    args = parser.parse_args(argv)

    unknown = sorted(set(args.skip) - set(baselines.BASELINES_BY_NAME))
    if unknown:
        parser.error(f"unknown method(s) for --skip: {', '.join(unknown)}")
    data_dir = args.data_dir if args.data_dir is not None else default_data_dir()
    try:
        if args.spacy_model != DEFAULT_SPACY_MODEL and "spacy_ner" not in args.skip:
            resolve_model_dir(args.spacy_model)  # a model asked for by name must exist (DatasetError otherwise)
        if not args.no_build:
            build(out_dir=data_dir)
        tables = load_tables(data_dir)
        run = run_all(
            tables,
            args.out,
            data_dir,
            baselines.with_spacy_model(args.spacy_model),
            skip=args.skip,
            log=print,
        )
    except DatasetError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1

    report = baselines.render_report(run)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(report, encoding="utf-8", newline="\n")
    if args.readme.is_file():
        readme = args.readme.read_text(encoding="utf-8")
        args.readme.write_text(baselines.embed_in_readme(readme, report), encoding="utf-8", newline="\n")
    print(baselines.results_table(run))
    print(f"wrote {args.report} and predictions under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
