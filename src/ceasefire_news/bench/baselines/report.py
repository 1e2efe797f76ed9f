"""The baselines report: results tables with intervals, trivial-outcome labels, findings, and the README block."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from string import Template
from typing import Any

from . import alignment as A
from . import documents as D
from .registry import (
    ALIGNMENT_TASK,
    BASELINES,
    BASELINES_BY_NAME,
    COREFERENCE_TASK,
    GROUP_TASKS,
    PAIR_TASKS,
    SPAN_TASKS,
    Baseline,
    Predictions,
)
from .spacy_ner import ModelCheck
from .text import Rows, doc_pairs

#: Results of a run: method -> task -> metric -> value (the evaluator's dicts, plus LINKS_TASK).
Results = Mapping[str, Mapping[str, Mapping[str, float]]]

#: Pseudo-task under which a method's own alignment decision (links at its fixed threshold) is scored.
LINKS_TASK = "sentence_alignment_links"

#: The key metrics shown per task (names as the evaluator returns them), with their column labels.
#: Clustering: pairwise and B-cubed F1 (ARI is unstable on five documents); pairs: average
#: precision (threshold-free); alignment: AP with `equivalent` and with `equivalent` or `partial`
#: (`linked`) as positive, best F1 (linked), the method's own links at its fixed threshold, and
#: segment-as-query retrieval; coreference: MUC, B-cubed, CEAF-e and their mean (CoNLL F1); NER:
#: strict span F1; linking: accuracy; segmentation: exact-span F1 and boundary F1.
KEY_METRICS: dict[str, tuple[tuple[str, str], ...]] = {
    **{t: (("pairwise_f1", "pair F1"), ("bcubed_f1", "B³ F1")) for t in GROUP_TASKS},
    **{t: (("average_precision", "AP"),) for t in PAIR_TASKS},
    ALIGNMENT_TASK: (
        ("average_precision_equivalent", "AP equivalent"),
        ("average_precision_linked", "AP linked"),
        ("best_f1_linked", "best F1 linked"),
        ("mrr_at_10", "MRR@10"),
        ("ndcg_at_10", "nDCG@10"),
        ("recall_at_1", "R@1"),
    ),
    LINKS_TASK: (("f1", "F1 at own threshold"),),
    COREFERENCE_TASK: (("muc_f1", "MUC F1"), ("bcubed_f1", "B³ F1"), ("ceafe_f1", "CEAF-e F1"), ("conll_f1", "CoNLL F1")),
    "ner": (("f1", "F1"),),
    "linking": (("accuracy", "accuracy"),),
    "segmentation": (("f1", "F1"), ("boundary_f1", "boundary F1")),
}

#: Tasks whose gold is degenerate on any build (the evaluator also flags a task `degenerate` with a
#: reason, e.g. sentence_alignment without gold links): kept as smoke tests, marked with a dagger.
DEGENERATE = {
    "topic": "one gold cluster, so putting everything in one cluster scores 1.0",
    "topic_pairs": "every pair is positive, so any ranking scores 1.0",
}


@dataclass(frozen=True)
class Family:
    """One results table: caption, the tasks in it, and whether rows say which trivial partition they equal."""

    caption: str
    tasks: tuple[str, ...]
    partition_task: str | None = None


FAMILIES: tuple[Family, ...] = (
    Family("Document clustering (one clustering per method, scored at each level)", GROUP_TASKS, "near_duplicate"),
    Family("Document pair ranking", PAIR_TASKS),
    Family("Cross-document sentence alignment", (ALIGNMENT_TASK, LINKS_TASK)),
    Family("Cross-document entity coreference (gold mentions)", (COREFERENCE_TASK,), COREFERENCE_TASK),
    Family("Span tasks", SPAN_TASKS),
)


@dataclass
class Run:
    """Everything a report is made from: scores, predictions, the gold it needs, what was skipped."""

    results: dict[str, dict[str, dict[str, float]]]
    predictions: dict[str, Predictions]
    duplicate_groups: list[dict[str, Any]]
    entities: list[dict[str, Any]] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    unscored: tuple[str, ...] = ()
    model_checks: dict[str, ModelCheck] = field(default_factory=dict)
    baselines: tuple[Baseline, ...] = BASELINES


# --- cells -------------------------------------------------------------------------------------


def has_interval(metrics: Mapping[str, Any], key: str) -> bool:
    """True when the metric comes with both bounds of its interval (the evaluator gives null bounds for < 2 units)."""
    return metrics.get(f"{key}_ci_low") is not None and metrics.get(f"{key}_ci_high") is not None


def format_cell(metrics: Mapping[str, Any] | None, key: str) -> str:
    """`0.812 [0.70, 0.90]` with an interval, `0.812` without one, `–` when the metric is absent."""
    if not metrics or metrics.get(key) is None:
        return "–"
    value = float(metrics[key])
    if not has_interval(metrics, key):
        return f"{value:.3f}"
    return f"{value:.3f} [{float(metrics[f'{key}_ci_low']):.2f}, {float(metrics[f'{key}_ci_high']):.2f}]"


def _method_order(names: Iterable[str], baselines: Sequence[Baseline] = BASELINES) -> list[str]:
    """Methods in registry order, then any others by name."""
    names = set(names)
    known = [b.name for b in baselines]
    return [n for n in known if n in names] + sorted(names - set(known))


# --- trivial partitions ---------------------------------------------------------------------------


def partition(records: Iterable[Mapping[str, Any]], item: Sequence[str], cluster: str) -> frozenset[frozenset[Any]]:
    """The set partition a clustering prediction describes (items keyed by the `item` fields)."""
    groups: dict[Any, set[Any]] = {}
    for r in records:
        groups.setdefault((type(r[cluster]), r[cluster]), set()).add(tuple(r[f] for f in item))
    return frozenset(frozenset(g) for g in groups.values())


def trivial_outcome(records: Sequence[Mapping[str, Any]], task: str, labels: Mapping[Any, str] | None = None) -> str:
    """Which trivial partition a clustering equals: `all-in-one`, `singletons`, `one per type`, or `–`."""
    if task == COREFERENCE_TASK:
        item, cluster = ("doc_id", "start", "end"), "cluster"
    else:
        item, cluster = ("doc_id",), "group"
    parts = partition(records, item, cluster)
    items = [tuple(r[f] for f in item) for r in records]
    matches = []
    if len(parts) == 1:
        matches.append("all-in-one")
    if all(len(p) == 1 for p in parts):
        matches.append("singletons")
    if labels is not None and task == COREFERENCE_TASK:
        by_type: dict[str, set[Any]] = {}
        for k in items:
            by_type.setdefault(labels[k], set()).add(k)
        if parts == frozenset(frozenset(g) for g in by_type.values()):
            matches.append("one per type")
    return " = ".join(matches) if matches else "–"


# --- tables -------------------------------------------------------------------------------------


def results_table(run: Run) -> str:
    """Markdown results: one table per task family, rows = methods with any of its tasks, cells with intervals."""
    results = run.results
    labels = {(e["doc_id"], e["start"], e["end"]): str(e["label"]) for e in run.entities}
    blocks = []
    no_interval: set[str] = set()
    null_bounds: set[str] = set()
    degenerate = _degenerate_tasks(results)
    for fam in FAMILIES:
        rows = [m for m in _method_order(results, run.baselines) if any(t in results[m] for t in fam.tasks)]
        if not rows:
            continue
        cols = [(t, metric, label) for t in fam.tasks for metric, label in KEY_METRICS[t]]
        head = ["method"] + (["equals"] if fam.partition_task else [])
        head += [_column(t, label, degenerate) for t, _, label in cols]
        lines = [f"**{fam.caption}**", "", "| " + " | ".join(head) + " |", "| --- |" + (" --- |" if fam.partition_task else "") + " ---: |" * len(cols)]
        for name in rows:
            cells = [_method_label(name, run)]
            if fam.partition_task:
                preds = run.predictions.get(name, {}).get(fam.partition_task)
                cells.append(trivial_outcome(preds, fam.partition_task, labels or None) if preds else "–")
            for task, metric, _ in cols:
                metrics = results[name].get(task)
                cells.append(format_cell(metrics, metric))
                if metrics and metrics.get(metric) is not None and not has_interval(metrics, metric):
                    (null_bounds if f"{metric}_ci_low" in metrics else no_interval).add(task)
            lines.append("| " + " | ".join(cells) + " |")
        support = _support_line(fam, results, rows)
        if support:
            lines += ["", support]
        blocks.append("\n".join(lines))
    notes = []
    shown = {t for fam in FAMILIES for t in fam.tasks if any(t in results[m] for m in results)}
    if degenerate & shown:
        reasons = {t: _degenerate_reason(results, t) for t in sorted(degenerate & shown)}
        notes.append(
            "† Degenerate gold, kept only as a smoke test (it cannot tell methods apart): "
            + "; ".join(f"{t}: {r}" for t, r in reasons.items())
            + "."
        )
    if no_interval:
        notes.append(
            "No interval is shown where the evaluator that produced the scores reports none ("
            + ", ".join(sorted(no_interval))
            + "): point values only."
        )
    else:
        notes.append(
            "Intervals: 95% bootstrap intervals as reported by the evaluator, over the units it names "
            "(links F1 at a method's own threshold: over segment pairs)."
        )
    if null_bounds:
        notes.append("No interval where the evaluator gives null bounds (fewer than two units): " + ", ".join(sorted(null_bounds)) + ".")
    return "\n\n".join(blocks + notes) + "\n"


def _degenerate_tasks(results: Results) -> set[str]:
    """Tasks degenerate on every build (DEGENERATE) or flagged `degenerate` by the evaluator."""
    flagged = {t for r in results.values() for t, m in r.items() if isinstance(m, Mapping) and m.get("degenerate")}
    return set(DEGENERATE) | flagged


def _degenerate_reason(results: Results, task: str) -> str:
    """The evaluator's degenerate_reason for a task, else the reason known for every build."""
    for r in results.values():
        reason = r.get(task, {}).get("degenerate_reason") if isinstance(r.get(task), Mapping) else None
        if reason:
            return str(reason)
    return DEGENERATE.get(task, "degenerate gold")


def _column(task: str, label: str, degenerate: set[str]) -> str:
    """Column header: task and metric label, a dagger on degenerate tasks (alignment columns: label only)."""
    dagger = "†" if task in degenerate else ""
    if task == LINKS_TASK:
        return f"links {label}"
    if task == ALIGNMENT_TASK:
        return f"{label}{dagger}"
    return f"{task}{dagger} {label}"


def _method_label(name: str, run: Run) -> str:
    b = {x.name: x for x in run.baselines}.get(name)
    if b is None:
        return name
    tags = (["trivial"] if b.trivial else []) + (["oracle input"] if b.oracle else [])
    return f"{name} ({', '.join(tags)})" if tags else name


def _support_line(fam: Family, results: Results, rows: Sequence[str]) -> str:
    """`Support n: task n unit, ...` from the evaluator's `n` (and `n_queries`) keys, where present."""
    parts = []
    for task in fam.tasks:
        for key, unit_key in (("n", "unit"), ("n_queries", "query_unit")):
            found = {(results[m][task][key], results[m][task].get(unit_key)) for m in rows if task in results[m] and key in results[m][task]}
            if found:
                ns = "/".join(str(int(n)) for n in sorted({n for n, _ in found}))
                units = sorted({str(u) for _, u in found if u})
                parts.append(f"{task} {ns}" + (f" {units[0]}s" if len(units) == 1 else ""))
    return ("Support n: " + ", ".join(parts) + ".") if parts else ""


# --- findings ------------------------------------------------------------------------------------


def gold_pairs(duplicate_groups: Rows, level: str = "near_duplicate") -> list[tuple[str, str]]:
    """The unordered document pairs that share a group at `level` in the duplicate_groups table."""
    group = {row["doc_id"]: row[level] for row in duplicate_groups}
    return [(a, b) for a, b in doc_pairs(group) if group[a] == group[b]]


def predicted_pairs(group_predictions: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """The unordered document pairs that a {"doc_id","group"} prediction puts in one group."""
    group = {r["doc_id"]: r["group"] for r in group_predictions}
    return [(a, b) for a, b in doc_pairs(group) if group[a] == group[b]]


def recovered_pairs(predictions: Mapping[str, Predictions], duplicate_groups: Rows) -> dict[str, int]:
    """Per method with near_duplicate predictions: how many gold near-duplicate pairs it clusters together."""
    gold = set(gold_pairs(duplicate_groups, "near_duplicate"))
    return {
        name: len(gold & set(predicted_pairs(predictions[name]["near_duplicate"])))
        for name in _method_order(predictions)
        if "near_duplicate" in predictions[name]
    }


def findings(results: Results, predictions: Mapping[str, Predictions], duplicate_groups: Rows) -> str:
    """A short paragraph generated from the numbers: gold rewrite pairs recovered by the MinHash LSH
    detectors and the other non-trivial methods, and the best threshold-free pair ranking."""
    trivial = {b.name for b in BASELINES if b.trivial}
    total = len(gold_pairs(duplicate_groups, "near_duplicate"))
    found = {n: k for n, k in recovered_pairs(predictions, duplicate_groups).items() if n not in trivial}
    lsh = {n: k for n, k in found.items() if n.startswith("minhash_lsh_")}
    others = {n: k for n, k in found.items() if n not in lsh}
    text = (
        f"Of the {total} gold near-duplicate (rewrite) pairs, word {D.MINHASH_NGRAM}-gram MinHash LSH "
        f"({D.MINHASH_NUM_PERM} permutations) detects "
        + " and ".join(f"{k} of {total} at threshold {n.removeprefix('minhash_lsh_')}" for n, k in lsh.items())
    )
    if total and lsh and max(lsh.values()) == 0:
        text += (
            ": the rewrites keep the facts and quotes but share too few exact 5-word sequences for "
            "shingle-based deduplication at the settings dedup pipelines ship"
        )
    text += ". Gold rewrite pairs put in one cluster by the other methods: " + ", ".join(
        f"{n} {k}/{total}" for n, k in others.items()
    )
    text += " (all_in_one recovers all of them, at the cost of precision)."
    ap = {
        n: r["near_duplicate_pairs"]["average_precision"]
        for n, r in results.items()
        if "near_duplicate_pairs" in r and n not in trivial
    }
    if ap:
        top = max(round(v, 3) for v in ap.values())
        best = [n for n in _method_order(ap) if round(ap[n], 3) == top]
        text += (
            f" Ranked rather than thresholded, the best near_duplicate_pairs average precision is "
            f"{top:.3f} ({', '.join(best)}); with {len(doc_pairs(r['doc_id'] for r in duplicate_groups))} "
            "document pairs, several methods tie there."
        )
    return text


# --- the report ----------------------------------------------------------------------------------

TEMPLATE_FILE = "report_template.md"


def _template() -> Template:
    return Template((resources.files(__package__) / "data" / TEMPLATE_FILE).read_text(encoding="utf-8"))


def methods_table(run: Run) -> str:
    """Markdown table: every method that ran or was skipped, what it does, and how it is marked."""
    lines = ["| method | kind | what it does |", "| --- | --- | --- |"]
    for b in run.baselines:
        if b.name not in run.results and b.name not in run.skipped and b.name not in run.predictions:
            continue
        kind = "trivial" if b.trivial else "oracle input" if b.oracle else "method"
        note = f" Not run here: {run.skipped[b.name]}." if b.name in run.skipped else ""
        lines.append(f"| {b.name} | {kind} | {b.description}.{note} |")
    return "\n".join(lines)


def spacy_check_text(run: Run) -> str:
    """What the check of the spaCy model found, in a few lines (or why it did not run)."""
    check = run.model_checks.get("spacy_ner")
    if check is None:
        reason = run.skipped.get("spacy_ner", "not run")
        return f"The spaCy baseline did not run here ({reason}), so no model was checked."
    edits = ", ".join(sorted(check.meta_edits)) or "none"
    return (
        f"Checked before running: {len(check.verified_files)} files match the official sha256 and size "
        f"({', '.join(check.verified_files)}); meta.json fields match the official values, with the "
        f"copy's known edits in: {edits}. Not verifiable (no published hash): {', '.join(check.unverified_files)}."
    )


def limits_text(run: Run) -> str:
    """The paragraph on what the benchmark can and cannot show, with this build's counts."""
    s = run.stats
    docs = s.get("documents", 0)
    widths = [
        float(m[f"{k}_ci_high"]) - float(m[f"{k}_ci_low"])
        for res in run.results.values()
        for task in GROUP_TASKS + PAIR_TASKS
        if task not in DEGENERATE and task in res
        for k, _ in KEY_METRICS[task]
        if has_interval(m := res[task], k)
    ]
    spread = (
        f"their 95% intervals are {sum(widths) / len(widths):.2f} wide on average"
        if widths
        else "the evaluator used here reports no intervals for them"
    )
    parts = [
        f"This is a small benchmark: {docs} documents, so {docs * (docs - 1) // 2} document pairs and "
        f"{len(gold_pairs(run.duplicate_groups))} gold near-duplicate pairs. Document-level rows cannot tell "
        f"methods apart: most equal a trivial outcome, and {spread}. "
        "The topic level has a single gold cluster and is a smoke test only."
    ]
    units = [f"{s.get('segments', 0)} gold segments"]
    if s.get("segment_pairs"):
        units.append(f"{s['segment_pairs']} cross-document segment pairs with {s.get('gold_links', 0)} gold links")
    units.append(f"{s.get('coreference_mentions', 0)} gold mentions to cluster across documents")
    parts.append(
        "The segment- and mention-level tasks carry what power there is (" + ", ".join(units) + "); even there "
        "the texts retell one story, so the scores say how methods rank on paraphrased news about one event, "
        "not how they do on news in general."
    )
    if not s.get("segment_pairs"):
        parts.append("This build has no gold alignment links, so the sentence-alignment scores are not measurements yet.")
    return " ".join(parts)


def render_report(run: Run) -> str:
    """The Markdown of docs/baselines.md (methods, thresholds, model check, results, findings, limits)."""
    unscored = (
        "Not scored by the evaluator of this build (predictions are written; the tasks come with the "
        "alignment gold): " + ", ".join(run.unscored) + "."
        if run.unscored
        else ""
    )
    body = _template().substitute(
        methods_table=methods_table(run),
        spacy_check=spacy_check_text(run),
        results=results_table(run).rstrip("\n"),
        unscored=unscored,
        findings=findings(run.results, run.predictions, run.duplicate_groups),
        limits=limits_text(run),
        tfidf_threshold=A.TFIDF_THRESHOLD,
        bm25_threshold=A.BM25_THRESHOLD,
        embedding_threshold=A.EMBEDDING_THRESHOLD,
        jaccard_threshold=A.JACCARD_THRESHOLD,
        trivial_threshold=A.TRIVIAL_THRESHOLD,
        random_seed=A.RANDOM_SEED,
    )
    # collapse the blank lines an empty placeholder leaves behind
    while "\n\n\n" in body:
        body = body.replace("\n\n\n", "\n\n")
    return body


README_START = "<!-- baselines:start (generated by scripts/run_baselines.py) -->"
README_END = "<!-- baselines:end -->"


def report_results(report: str) -> str:
    """The results part of a baselines report (from its '## Results' heading on)."""
    return report[report.index("## Results") :].strip()


def embed_in_readme(readme: str, report: str) -> str:
    """The README text with the report's results placed between the baselines markers."""
    head, rest = readme.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    body = report_results(report).replace("## Results", "### Results", 1)
    return f"{head}{README_START}\n{body}\n{README_END}{tail}"

