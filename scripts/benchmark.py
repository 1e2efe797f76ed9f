"""Benchmark the build, validate, load and evaluate steps; write the numbers to docs/performance.md.

Numbers are measured here and documented, never asserted by a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from importlib.metadata import version
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

import datasets  # noqa: E402

import ceasefire_news  # noqa: E402


def timed(step: Callable[[], object], repeats: int) -> list[float]:
    """Wall-clock seconds of each of `repeats` runs of step."""
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        out.append(time.perf_counter() - start)
    return out


#: Every module a successful `validate` of a gold build loads: the package's (no pydantic, PyYAML or
#: pyarrow.compute on that path) and what argparse loads when it parses (locale, shutil);
#: tests/test_imports.py checks that nothing else is loaded.
VALIDATE_IMPORTS = "import ceasefire_news.cli, ceasefire_news.gold.checks, locale, shutil"


def startup(data_dir: Path, repeats: int) -> list[str]:
    """Start-up of the command line, each in a fresh interpreter, against `python -c "import pyarrow"`.

    Runs are interleaved (one of each per round) so that load on a shared machine hits every row alike;
    CPU is the child's user+sys time, steadier than wall time when other processes compete.
    """
    src = str(Path(ceasefire_news.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    py = sys.executable
    commands = {
        'python -c "import pyarrow" (reference)': [py, "-c", "import pyarrow"],
        "ceasefire-news --help": [py, "-m", "ceasefire_news", "--help"],
        "validate start-up (every import `validate` needs)": [py, "-c", VALIDATE_IMPORTS],
        "ceasefire-news validate DIR (whole command)": [py, "-m", "ceasefire_news", "validate", str(data_dir)],
        'python -c "import ceasefire_news"': [py, "-c", "import ceasefire_news"],
        'python -c "import datasets" (what every command paid before)': [py, "-c", "import datasets"],
    }
    wall: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeats):
        for name, command in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)
            wall[name].append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[name].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    ref = next(iter(commands))
    ref_wall, ref_cpu = statistics.median(wall[ref]), statistics.median(cpu[ref])
    rows = ["| command | wall median (s) | CPU median (s) | wall / pyarrow | CPU / pyarrow |", "| --- | ---: | ---: | ---: | ---: |"]
    for name in commands:
        w, c = statistics.median(wall[name]), statistics.median(cpu[name])
        rows.append(f"| {name} | {w:.3f} | {c:.3f} | {w / ref_wall:.2f} | {c / ref_cpu:.2f} |")
        print(rows[-1])
    return rows
#: Run in a fresh interpreter per measurement. Memory is the peak of Python allocations during the
#: step (tracemalloc, in its own run because tracing slows everything down); time is untraced.
_PREDICTIONS_PROBE = """
import json, sys, time, tracemalloc
from ceasefire_news import DatasetError, evaluate
mode, traced, path, warm, data = sys.argv[1], sys.argv[2] == "1", *sys.argv[3:6]
evaluate("ner", warm, data)  # imports, dataset load, caches: not part of the measurement
if traced:
    tracemalloc.start()
start = time.perf_counter()
if mode == "json.loads":
    with open(path, "rb") as stream:
        rows = [json.loads(line) for line in stream]
else:
    try:
        evaluate("ner", path, data)
    except DatasetError as err:
        assert mode == "reject", err
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "peak_bytes": tracemalloc.get_traced_memory()[1] if traced else None}))
"""


def span_lines(texts: dict[str, str]) -> Iterator[bytes]:
    """Distinct valid NER prediction lines, round-robin over the documents (narrow spans first)."""

    def spans(doc_id: str, size: int) -> Iterator[bytes]:
        for width in range(1, size + 1):
            for start in range(size - width + 1):
                yield json.dumps({"doc_id": doc_id, "start": start, "end": start + width, "label": "ORG"}).encode()

    for group in zip(*(spans(d, len(t)) for d, t in sorted(texts.items()))):
        yield from group


def measure_predictions(work: Path, data: Path, sizes: tuple[int, ...]) -> list[str]:
    """Evaluate on large prediction files: time and peak memory per line, next to plain json.loads; blank files."""
    texts = {r["doc_id"]: r["text"] for r in ceasefire_news.load("documents", data)}
    warm = work / "warm.jsonl"
    warm.write_bytes(next(span_lines(texts)) + b"\n")

    def probe(mode: str, path: Path) -> dict[str, float]:
        """Seconds (untraced run) and peak traced bytes (traced run) of one step on one file."""
        result = {}
        for traced in ("0", "1"):
            out = subprocess.run(
                [sys.executable, "-c", _PREDICTIONS_PROBE, mode, traced, str(path), str(warm), str(data)],
                check=True, capture_output=True, text=True,
            )
            found = json.loads(out.stdout.strip().splitlines()[-1])
            result["seconds" if traced == "0" else "peak_bytes"] = found["seconds" if traced == "0" else "peak_bytes"]
        return result

    rows = []
    for n in sizes:
        path = work / f"ner-{n}.jsonl"
        path.write_bytes(b"\n".join(itertools.islice(span_lines(texts), n)) + b"\n")
        ours, plain = probe("evaluate", path), probe("json.loads", path)
        rows.append(
            f"| evaluate ner, {n:,} valid lines ({path.stat().st_size / 1e6:.0f} MB) | {ours['seconds']:.2f} "
            f"| {ours['seconds'] / n * 1e6:.1f} | {ours['peak_bytes'] / n:.0f} | {plain['seconds']:.2f} "
            f"| {plain['peak_bytes'] / n:.0f} | {ours['seconds'] / plain['seconds']:.1f}x / "
            f"{ours['peak_bytes'] / max(plain['peak_bytes'], 1):.1f}x |"
        )
        print(rows[-1])
    for n in (100_000, 200_000, 400_000):
        path = work / f"blank-{n}.jsonl"
        path.write_bytes(b"\n" * n)
        ours = probe("reject", path)
        rows.append(
            f"| reject {n:,} blank lines (located, counted) | {ours['seconds']:.2f} | {ours['seconds'] / n * 1e6:.1f} "
            f"| {ours['peak_bytes'] / n:.0f} | – | – | {ours['seconds'] / n * 1e5:.3f} s per 100k lines |"
        )
        print(rows[-1])
    return [
        "## Prediction files",
        "",
        "`evaluate` streams a prediction file line by line (one reader for seeds and predictions,",
        "`ceasefire_news/jsonl.py`) and keeps only the validated records; rejected files keep the",
        "first 1000 problems and count the rest. Each figure comes from a fresh process that first loaded",
        "the dataset once; seconds are wall-clock, memory is the peak of Python allocations during the",
        "step (tracemalloc, measured in a second run), divided by the number of lines.",
        "The comparison is what a user would otherwise write: `[json.loads(line) for line in file]`",
        "(parsing only, no validation, no scoring), in the same run; the ratio is ours / theirs.",
        "",
        "| step | seconds | µs per line | peak bytes per line | json.loads seconds | json.loads bytes per line | ratio time / memory |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
        *rows,
        "",
    ]


# --- the gold build at scale, against a plain pyarrow write --------------------------------------

#: Run in a child: `ceasefire_news.<argv[1]>` (build or validate) once on the small warm-up
#: arguments (the second half of the rest of argv), so that every lazy import and first-use cost
#: is paid outside the measurement, then on the measured ones (the first half); print the second
#: call's CPU and wall seconds and the child's peak RSS.
_TIMED_CALL_CHILD = """
import json, resource, sys, time
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
import ceasefire_news
call, args = getattr(ceasefire_news, sys.argv[1]), sys.argv[2:]
half = len(args) // 2
call(*args[half:])
c0, w0 = cpu(), time.perf_counter()
call(*args[:half])
c1, w1 = cpu(), time.perf_counter()
print(json.dumps({"cpu": c1 - c0, "wall": w1 - w0, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

#: Run in a child: the built tables read back as Arrow, then written by plain `pq.write_table` with the
#: same Parquet options (the irreducible cost of writing them, no reading, checking or deriving).
_PLAIN_WRITE_CHILD = """
import json, pathlib, resource, sys, time
import pyarrow.parquet as pq
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
src, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
tables = {p.parent.name: pq.ParquetFile(p).read() for p in sorted((src / "data").glob("*/*.parquet"))}
c0, w0 = cpu(), time.perf_counter()
for name, table in tables.items():
    pq.write_table(table, out / f"{name}.parquet", row_group_size=1_000_000, compression="zstd",
                   compression_level=9, write_statistics=True, use_dictionary=True)
print(json.dumps({"cpu": cpu() - c0, "wall": time.perf_counter() - w0}))
"""


#: Run in a child: the build's phases one after another (`dataset.build.build` taken apart), CPU seconds of each.
_GOLD_PHASES_CHILD = """
import json, pathlib, resource, sys
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
from ceasefire_news.dataset.build import PROVENANCE, base_records, write_dataset
from ceasefire_news.errors import ProblemLog
from ceasefire_news.gold.alignments import empty_sentence_pairs
from ceasefire_news.gold.checks import derive_tables, validate
from ceasefire_news.gold.entities import check_registry
from ceasefire_news.gold.seeds import read_seeds
from ceasefire_news.release.metadata import read_dataset_info
out, times, log = pathlib.Path(sys.argv[2]), {}, ProblemLog()
c = cpu(); seeds = read_seeds(sys.argv[1]); times["read the seeds, validate every record (pydantic)"] = cpu() - c
c = cpu(); info = read_dataset_info(seeds.root, log); tables = derive_tables(base_records(seeds), log)
check_registry(seeds.layers["entities"], seeds.registry, log); log.raise_if_any()
times["check the invariants, derive the tables as Arrow"] = cpu() - c
del seeds
tables["sentence_pairs"] = empty_sentence_pairs()
out.mkdir()
c = cpu(); write_dataset(out, tables, {}, {"provenance": PROVENANCE}, info)
times["write Parquet (pairs streamed), card, Croissant, manifest"] = cpu() - c
c = cpu(); validate(out, rederive=False); times["check the written files (footers, checksums, card)"] = cpu() - c
print(json.dumps(times))
"""


def _child(code: str, *args: object) -> dict:
    """Run a measurement in a fresh interpreter (this package first on PYTHONPATH); its JSON line and its CPU.

    `child_cpu` is user+system seconds of the whole child, from getrusage(RUSAGE_CHILDREN) here.
    """
    package = Path(ceasefire_news.__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(package), os.environ.get("PYTHONPATH")]))}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-c", code, *map(str, args)], env=env, check=True, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    child_cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "child_cpu": child_cpu}


def gold_scale(sizes: list[int], work: Path) -> list[str]:
    """The gold build of n annotated documents (replicas of the seeds) at each size, and a plain pyarrow write."""
    import shutil

    from ceasefire_news.gold.groups import pair_count
    from ceasefire_news.synthetic.replicate import replicate_seeds

    load = os.getloadavg()[0]
    rows = []
    first = None
    warm = replicate_seeds(5, work / "warm-seeds")
    for n in sorted(sizes):
        folder = work / f"gold-{n}"
        seeds = replicate_seeds(n, folder / "seeds")
        run = _child(_TIMED_CALL_CHILD, "build", seeds, folder / "ds", warm, folder / "warm-ds")
        check = _child(_TIMED_CALL_CHILD, "validate", folder / "ds", folder / "warm-ds")
        (folder / "plain").mkdir()
        plain = _child(_PLAIN_WRITE_CHILD, folder / "ds", folder / "plain")
        per_doc = 1000 * run["cpu"] / n
        first = first or per_doc
        rows.append(
            f"| {n:,} | {pair_count(n):,} | {run['cpu']:.1f} | {run['child_cpu']:.1f} | {run['wall']:.1f} | {per_doc:.2f} "
            f"| {per_doc / first:.2f} | {run['rss_mb']:,.0f} | {plain['cpu']:.1f} | {run['cpu'] / plain['cpu']:.1f}x "
            f"| {check['cpu']:.1f} | {1000 * check['cpu'] / n:.2f} | {check['rss_mb']:,.0f} |"
        )
        print(rows[-1], flush=True)
        shutil.rmtree(folder)
    largest = max(sizes)
    seeds = replicate_seeds(largest, work / "phases" / "seeds")
    phases = _child(_GOLD_PHASES_CHILD, seeds, work / "phases" / "ds")
    phases.pop("child_cpu")
    shutil.rmtree(work / "phases")
    total = sum(phases.values())
    phase_rows = [f"| {name} | {cpu:.1f} | {1000 * cpu / largest:.2f} | {100 * cpu / total:.0f}% |" for name, cpu in phases.items()]
    return [
        "## Gold build at scale",
        "",
        "Measured by `python scripts/benchmark.py --gold-scale " + ",".join(map(str, sorted(sizes))) + "` (only this",
        "section is rewritten). Not asserted by any test.",
        "",
        f"{machine_line()} Load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end (a shared machine:",
        "CPU seconds are what the build used, wall seconds also include waiting for a core).",
        "",
        "Annotated corpora of n documents made by `synthetic.replicate.replicate_seeds` (copies of the five",
        "seed articles with all their segments and mentions, doc_ids renamed, one set of duplicate groups",
        "per copy; the copies have no alignment layer, so `alignments` and `sentence_pairs` are empty).",
        "Each build runs in a fresh child process: `build CPU` is user+system seconds of the",
        "`ceasefire_news.build` call, measured in the child after a 5-document warm-up build (so fixed",
        "costs such as imports are not in the per-document figures), `child CPU` those of the",
        "whole child, start-up, imports and warm-up included (`getrusage(RUSAGE_CHILDREN)` in the parent);",
        "peak RSS is the child's maximum resident set (its own `ru_maxrss`: Python, pyarrow and the data",
        "together; the parent's RUSAGE_CHILDREN maximum would mix in the plain-write children).",
        "The build reads and validates every seed record (pydantic), checks the invariants, derives",
        "each table once as Arrow, streams `pairs` (n(n-1)/2 rows) one Parquet row group at a time,",
        "writes card, Croissant and manifest, and checks the written files (checksums, footers).",
        "The comparison, from the same run: the same tables read back as Arrow and written by a plain",
        "`pq.write_table` with the same Parquet options in another child (the cost of writing alone).",
        "Targets: CPU per document at the largest size within 1.3x of the smallest, peak RSS under 1.5 GB.",
        "`validate` of each build (every record of the base tables read back and checked, every table",
        "re-derived as the build does and compared, pairs in row-group chunks) runs in a third child, after",
        "a warm-up `validate` of the 5-document build; its CPU seconds and peak RSS are the last columns.",
        "",
        "| documents | pairs rows | build CPU s | child CPU s | build wall s | CPU ms/doc | vs smallest | peak RSS MB | plain write CPU s | build / plain write | validate CPU s | validate ms/doc | validate peak RSS MB |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *rows,
        "",
        f"Where the CPU goes at {largest:,} documents (the build's phases one by one, in another child):",
        "",
        "| phase | CPU s | ms/doc | share |",
        "| --- | ---: | ---: | ---: |",
        *phase_rows,
        "",
        "Everything but `pairs` is linear in the documents. `pairs` holds every unordered pair, n(n-1)/2",
        "rows (about 8 million at 4,000 documents, 50 million at 10,000); it is made with numpy/Arrow one",
        "Parquet row group (1,000,000 rows) at a time and never held whole, so its CPU share grows slowly",
        "and it adds no memory per row. Its counts in the card come from the group sizes, not from its rows.",
        "Peak memory grows with the documents (about 0.25 MB each): the validated seed records, held",
        "while the tables are derived (pydantic objects of about 1 KB, some 120 per document), and the",
        "derived Arrow tables.",
        "`validate` needs more memory than the build (1.6 GB at 4,000 documents): besides the base records it",
        "holds the stored and the re-derived `entities` and `ner` tables as Arrow to compare them; `pairs` is",
        "compared one row group at a time and read whole only to locate a problem.",
        "Before (issue 10): every table as pydantic objects, pairs as `Pair` records, tables derived twice",
        "(again in the build's own `validate`): 6.8 GB peak at 2,000 documents; 5,000 did not finish.",
        "",
    ]


def machine_line() -> str:
    """The machine and the library versions, one line."""
    cpu = "unknown CPU"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    libs = ", ".join(f"{name} {version(name)}" for name in ("pyarrow", "pydantic", "numpy"))
    return f"Machine: {platform.machine()}, {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {libs}."


def replace_section(report: Path, lines: list[str], before: str = "## Prediction files") -> None:
    """Put a `## ` section into the report in place of the one with the same heading (else before `before`, else at the end)."""
    old = report.read_text(encoding="utf-8").split("\n") if report.exists() else ["# Performance", ""]
    heading = lines[0]
    if heading in old:
        start = old.index(heading)
        end = next((i for i in range(start + 1, len(old)) if old[i].startswith("## ")), len(old))
        new = old[:start] + lines + old[end:]
    elif before in old:
        at = old.index(before)
        new = old[:at] + lines + old[at:]
    else:
        new = old + ([""] if old[-1] else []) + lines
    report.write_text("\n".join(new), encoding="utf-8")


def startup_section(data_dir: Path, repeats: int) -> list[str]:
    """The `## Command-line start-up` section: the start-up table and what it means."""
    before = os.getloadavg()[0]
    rows = startup(data_dir, repeats)
    return [
        "## Command-line start-up",
        "",
        f"Each command in a fresh interpreter, {repeats} interleaved rounds; load average {before:.1f} before"
        f" and {os.getloadavg()[0]:.1f} after (the machine is shared). Target (issue 11): `--help` and",
        "`validate` start-up within 1.5x of importing pyarrow.",
        "",
        *rows,
        "",
        "`--help` and the validate start-up meet the target; the whole `validate` of the seed build does",
        "not quite (in three runs of this table on 2026-11-26, load average 4 to 5: start-up 1.26x to 1.40x,",
        "whole command 1.56x to 1.72x). `--help` imports argparse and the package's error type only.",
        "A successful `validate` of a gold build imports pyarrow, pyarrow.parquet and the package's own",
        "modules (with the standard-library modules they use: hashlib, json, pathlib, argparse, ...) and",
        "nothing else; the start-up row imports",
        "exactly that (`VALIDATE_IMPORTS` in this script; tests/test_imports.py checks it against what",
        "`validate` loads). The base tables are read as Arrow and checked column by column against the",
        "field rules of the record models (schema/rules.py, held to the pydantic models by",
        "tests/schema/test_rules.py on the seed rows and on mutated ones), manifest.json is read with plain",
        "json (tests/dataset/test_manifest_info.py), the card's front matter with a reader of the block YAML",
        "the build writes (tests/dataset/test_card_yaml.py), and the rows re-derived for comparison are",
        "gathered without Arrow's take kernel up to 8 MiB of strings. pydantic is imported only to word a",
        "problem once one is found and PyYAML only for a card in another style: neither is loaded when the",
        "directory is valid, nor is pyarrow.compute or importlib.metadata (tests/test_imports.py). Before",
        "(issue 11), on the same machine: pyarrow 0.370 CPU-s, validate start-up 0.814 s (2.20x), the whole",
        "command 1.021 s (2.76x); pydantic with its models and importlib.metadata (about 0.2 s), PyYAML and",
        "pyarrow.compute made the difference. Measured with `python -X importtime` (median of 11 runs, under",
        "load), what the start-up row adds above pyarrow is now about: pyarrow.parquet 31 ms (with the",
        "filesystem modules and ssl it loads), this package's modules 36 ms, and the standard-library modules",
        "they load that pyarrow does not (hashlib with OpenSSL, pathlib, json, argparse and gettext, urllib,",
        "shutil and its compression modules) most of the rest. The whole command's time above its start-up",
        "is the validation of the seed build itself (about 0.12 CPU-s, measured in-process): re-deriving",
        "entities, ner, pairs and sentence_pairs to compare them with the stored tables (about 0.05 s; ner",
        "re-tokenizes every segment), reading the eight Parquet files with the reader's first-use set-up",
        "(about 0.05 s) and checking the rows, checksums, card and Croissant file.",
        "",
    ]


def replace_header(report: Path, lines: list[str]) -> None:
    """Put the report's title and introduction (everything before its first `## ` section) in place."""
    old = report.read_text(encoding="utf-8").split("\n") if report.exists() else []
    first = next((i for i, line in enumerate(old) if line.startswith("## ")), len(old))
    report.write_text("\n".join(lines + old[first:]), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Run every measurement and write the Markdown report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--report", type=Path, default=Path("docs") / "performance.md")
    parser.add_argument("--prediction-sizes", type=int, nargs="*", default=[100_000, 300_000, 1_000_000])
    parser.add_argument(
        "--gold-scale", metavar="N,N,...", help="only measure the gold build of N annotated documents (e.g. 500,1000,2000,4000) into its section"
    )
    parser.add_argument("--startup", action="store_true", help="only measure the command line's start-up into its section")
    args = parser.parse_args(argv)
    if args.startup:
        work = Path(tempfile.mkdtemp(prefix="ceasefire-news-bench-"))
        try:
            section = startup_section(ceasefire_news.build(out_dir=work / "ds"), max(args.repeats, 9))
        finally:
            import shutil

            shutil.rmtree(work, ignore_errors=True)
        replace_section(args.report, section)
        print(f"wrote the start-up section of {args.report}")
        return 0
    if args.gold_scale:
        work = Path(tempfile.mkdtemp(prefix="ceasefire-news-bench-"))
        try:
            section = gold_scale([int(x) for x in args.gold_scale.split(",") if x.strip()], work)
        finally:
            import shutil

            shutil.rmtree(work, ignore_errors=True)
        replace_section(args.report, section)
        print(f"wrote the gold-scale section of {args.report}")
        return 0
    load = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="ceasefire-news-bench-"))
    out = work / "ds"
    cache = work / "hf-cache"
    gold_segments = [
        {"doc_id": r["doc_id"], "start": r["start"], "end": r["end"]}
        for r in ceasefire_news.load("sentences", ceasefire_news.build(out_dir=out))
    ]
    # `datasets` cannot load a split without rows (the alignment tables of seeds without alignments).
    configs = [c for c, t in ceasefire_news.validate(out).tables.items() if t.num_rows]
    entities = ceasefire_news.load("entities", out)
    labels = entities.features["label"].names
    gold_mentions = [{"doc_id": r["doc_id"], "start": r["start"], "end": r["end"], "label": labels[r["label"]]} for r in entities]
    counter = iter(range(10**6))
    steps: dict[str, Callable[[], object]] = {
        "build (seeds -> validated Parquet, card, Croissant, manifest)": lambda: ceasefire_news.build(out_dir=out),
        "validate (checksums + every invariant, re-derived tables)": lambda: ceasefire_news.validate(out),
        f"load_dataset, all {len(configs)} non-empty configs, cold cache": lambda: [
            datasets.load_dataset(str(out), c, split="test", cache_dir=str(cache / str(next(counter))))
            for c in configs
        ],
        f"load_dataset, all {len(configs)} non-empty configs, warm cache": lambda: [
            datasets.load_dataset(str(out), c, split="test", cache_dir=str(cache / "warm")) for c in configs
        ],
        "evaluate segmentation (perfect prediction, 1000-resample intervals)": lambda: ceasefire_news.evaluate("segmentation", gold_segments, out),
        "evaluate ner (perfect prediction, 1000-resample intervals)": lambda: ceasefire_news.evaluate("ner", gold_mentions, out),
    }
    rows = []
    for name, step in steps.items():
        seconds = timed(step, args.repeats)
        rows.append(f"| {name} | {statistics.median(seconds):.3f} | {min(seconds):.3f} | {max(seconds):.3f} |")
        print(rows[-1])
    header = [
        "# Performance",
        "",
        "Every figure on this page comes from `python scripts/benchmark.py` (the sections on the seed",
        "corpus, start-up and prediction files), `python scripts/benchmark.py --gold-scale 500,1000,2000,4000`",
        "(gold build at scale) and `python scripts/benchmark_silver.py --scale ...` (silver pipeline at",
        "scale); each run rewrites only its own sections. None is asserted by a test. Each section names",
        "its machine and load: the machine is shared, so CPU seconds are the steadier figure.",
        "",
    ]
    seed = [
        "## Seed corpus: build, validate, load, evaluate",
        "",
        f"Wall-clock seconds over {args.repeats} runs in one process. {machine_line()} datasets "
        f"{version('datasets')}. Load average {load:.1f} at the start: other jobs slow every figure when it",
        "exceeds the cores.",
        "",
        "| step | median | min | max |",
        "| --- | ---: | ---: | ---: |",
        *rows,
        "",
    ]
    start_section = startup_section(out, max(args.repeats, 9))
    args.report.parent.mkdir(parents=True, exist_ok=True)
    replace_header(args.report, header)
    replace_section(args.report, seed, before="## Command-line start-up")
    replace_section(args.report, start_section, before="## Prediction files")
    replace_section(args.report, measure_predictions(work, out, tuple(args.prediction_sizes)), before="## Gold build at scale")
    print(f"wrote {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
