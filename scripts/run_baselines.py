"""Run every baseline on the built dataset, score it, and write predictions and docs/baselines.md.

A thin runner: the methods, scoring helpers and report live in `ceasefire_news.bench.baselines`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ceasefire_news import build, load
from ceasefire_news.bench import baselines
from ceasefire_news.dataset.load import default_data_dir


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the baselines and write their predictions, scores and report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=None, help="dataset directory (default: dist/ceasefire-news)")
    parser.add_argument("--no-build", action="store_true", help="use the dataset in --data-dir as it is (default: rebuild it from the seeds first)")
    parser.add_argument("--out", type=Path, default=Path("dist") / "baselines", help="predictions go to <out>/<method>/<task>.jsonl")
    parser.add_argument("--report", type=Path, default=Path("docs") / "baselines.md", help="Markdown report to write")
    parser.add_argument("--readme", type=Path, default=Path("README.md"), help="README whose baselines block is refreshed")
    args = parser.parse_args(argv)

    data_dir = args.data_dir if args.data_dir is not None else default_data_dir()
    if not args.no_build:
        build(out_dir=data_dir)
    documents = list(load("documents", data_dir))
    sentences = list(load("sentences", data_dir))
    duplicate_groups = list(load("duplicate_groups", data_dir))

    results, predictions, skipped = {}, {}, []
    for method in baselines.BASELINES:
        if not method.available():
            print(f"skip {method.name}: needs the optional extra '{method.extra}' (pip install 'ceasefire-news[{method.extra}]')")
            skipped.append(method.name)
            continue
        print(f"run {method.name}")
        predictions[method.name] = baselines.run_baseline(method, documents, sentences)
        paths = baselines.write_predictions(predictions[method.name], args.out / method.name)
        results[method.name] = baselines.score_predictions(paths, data_dir)

    args.report.parent.mkdir(parents=True, exist_ok=True)
    report = baselines.render_report(results, predictions, duplicate_groups, skipped)
    args.report.write_text(report, encoding="utf-8", newline="\n")
    if args.readme.is_file():
        readme = args.readme.read_text(encoding="utf-8")
        args.readme.write_text(baselines.embed_in_readme(readme, report), encoding="utf-8", newline="\n")
    print(baselines.results_table(results))
    print(f"wrote {args.report} and predictions under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
