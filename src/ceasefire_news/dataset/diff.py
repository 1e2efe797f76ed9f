"""Differences between two built dataset directories, per table by key, and their release-notes rendering."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa

from ..errors import ProblemLog
from .manifest import Manifest, read_manifest
from ..schema.tables import CONFIGS, OPTIONAL_TABLES, TABLES, declared_table

Key = tuple[Any, ...]

_VERSION_FIELDS = ("dataset_version", "schema_version", "format_version")


@dataclass(frozen=True)
class RowChange:
    """One row present in both datasets under the same key whose other columns differ."""

    key: Key
    columns: tuple[str, ...]
    old: dict[str, Any]
    new: dict[str, Any]


@dataclass(frozen=True)
class TableDiff:
    """Rows added, removed and changed in one table, matched by the table's key."""

    name: str
    key: tuple[str, ...]
    old_rows: int | None
    new_rows: int | None
    added: tuple[Key, ...]
    removed: tuple[Key, ...]
    changed: tuple[RowChange, ...]
    columns_added: tuple[str, ...] = ()
    columns_removed: tuple[str, ...] = ()

    @property
    def status(self) -> Literal["added", "removed", "common"]:
        """'added' or 'removed' for a table in only one dataset, else 'common'."""
        if self.old_rows is None:
            return "added"
        if self.new_rows is None:
            return "removed"
        return "common"

    @property
    def is_empty(self) -> bool:
        """True if the table is in both datasets with identical rows and columns."""
        return (
            self.status == "common"
            and not (self.added or self.removed or self.changed)
            and not (self.columns_added or self.columns_removed)
        )

    def changed_columns(self) -> dict[str, int]:
        """How many changed rows touch each column (columns in order of first appearance)."""
        counts: dict[str, int] = {}
        for change in self.changed:
            for column in change.columns:
                counts[column] = counts.get(column, 0) + 1
        return counts


@dataclass(frozen=True)
class DatasetDiff:
    """Differences between an old and a new built dataset directory."""

    old_dir: str
    new_dir: str
    versions: dict[str, tuple[str, str]]
    tables: dict[str, TableDiff]
    names: tuple[str, str]  # dataset names (manifest.json `name`) of old and new

    @property
    def old_version(self) -> str:
        """Dataset version of the old directory."""
        return self.versions["dataset_version"][0]

    @property
    def new_version(self) -> str:
        """Dataset version of the new directory."""
        return self.versions["dataset_version"][1]

    @property
    def tables_added(self) -> tuple[str, ...]:
        """Tables only in the new dataset."""
        return tuple(n for n, t in self.tables.items() if t.status == "added")

    @property
    def tables_removed(self) -> tuple[str, ...]:
        """Tables only in the old dataset."""
        return tuple(n for n, t in self.tables.items() if t.status == "removed")

    @property
    def is_empty(self) -> bool:
        """True if no table differs (versions are not considered)."""
        return all(t.is_empty for t in self.tables.values())


def read_rows(root: Path, name: str, file: str, log: ProblemLog) -> tuple[dict[Key, dict[str, Any]], tuple[str, ...]]:
    """A table's rows by key (ClassLabel values as names) and its column names; problems go to log."""
    table = declared_table(name)
    path = root / file
    try:
        from .shards import read_shards  # a sharded (silver) table: its manifest entry is a glob
        from .storage import read_file

        data = pa.concat_tables(read_file(p) for p in read_shards(root, file))
    except (OSError, pa.ArrowException) as err:
        log.add(str(path), f"cannot read Parquet file: {err}")
        return {}, ()
    columns = tuple(data.column_names)
    missing = [k for k in table.key if k not in columns]
    if missing:
        log.add(str(path), f"key column(s) {', '.join(missing)} missing; expected key {table.key}")
        return {}, columns
    labels = {c: lab for c, lab in table.class_labels.items() if c in columns}
    rows: dict[Key, dict[str, Any]] = {}
    for row_no, row in enumerate(data.to_pylist()):
        for column, label in labels.items():
            row[column] = _label_names(label, row[column])
        key = tuple(row[k] for k in table.key)
        if key in rows:
            log.add(str(path), f"duplicate key {dict(zip(table.key, key))}", row=row_no, field=",".join(table.key))
            continue
        rows[key] = row
    return rows, columns


def diff_tables(
    name: str,
    old: dict[Key, dict[str, Any]] | None,
    new: dict[Key, dict[str, Any]] | None,
    old_columns: tuple[str, ...] = (),
    new_columns: tuple[str, ...] = (),
) -> TableDiff:
    """Compare one table's keyed rows (None: the table is absent from that side)."""
    key = declared_table(name).key
    before = old or {}
    after = new or {}
    common_columns = [c for c in new_columns if c in old_columns and c not in key]
    changed = []
    for k in sorted(before.keys() & after.keys()):
        columns = tuple(c for c in common_columns if before[k][c] != after[k][c])
        if columns:
            changed.append(
                RowChange(k, columns, {c: before[k][c] for c in columns}, {c: after[k][c] for c in columns})
            )
    both = old is not None and new is not None
    return TableDiff(
        name=name,
        key=key,
        old_rows=None if old is None else len(old),
        new_rows=None if new is None else len(new),
        added=tuple(sorted(after.keys() - before.keys())),
        removed=tuple(sorted(before.keys() - after.keys())),
        changed=tuple(changed),
        columns_added=tuple(c for c in new_columns if c not in old_columns) if both else (),
        columns_removed=tuple(c for c in old_columns if c not in new_columns) if both else (),
    )


def diff_datasets(old_dir: Path | str, new_dir: Path | str) -> DatasetDiff:
    """Compare two built dataset directories table by table (keyed rows) and by version."""
    old_root, new_root = Path(old_dir), Path(new_dir)
    log = ProblemLog()
    manifests: list[Manifest] = []
    for root in (old_root, new_root):
        if not root.is_dir():
            log.add(str(root), "dataset directory does not exist")
            continue
        manifest = read_manifest(root, log)
        if manifest is not None:
            manifests.append(manifest)
    log.raise_if_any()
    old_m, new_m = manifests
    names = [n for n in (*CONFIGS, *OPTIONAL_TABLES) if n in old_m.tables or n in new_m.tables]
    for m, root in ((old_m, old_root), (new_m, new_root)):
        for name in sorted(set(m.tables) - set(TABLES) - set(OPTIONAL_TABLES)):
            log.add(str(root / "manifest.json"), f"unknown table {name!r}; no key to match rows by", field="tables")
    log.raise_if_any()
    tables: dict[str, TableDiff] = {}
    for name in names:
        old_rows, old_cols = (
            read_rows(old_root, name, old_m.tables[name].file, log) if name in old_m.tables else (None, ())
        )
        new_rows, new_cols = (
            read_rows(new_root, name, new_m.tables[name].file, log) if name in new_m.tables else (None, ())
        )
        tables[name] = diff_tables(name, old_rows, new_rows, old_cols, new_cols)
    log.raise_if_any()
    versions = {f: (getattr(old_m, f), getattr(new_m, f)) for f in _VERSION_FIELDS}
    return DatasetDiff(str(old_root), str(new_root), versions, tables, (old_m.name, new_m.name))


def format_diff(diff: DatasetDiff, max_examples: int = 5) -> str:
    """Render a diff as a Markdown summary for release notes, with up to max_examples rows per kind."""
    old_v, new_v = diff.old_version, diff.new_version
    old_name, new_name = diff.names
    if old_name != new_name:  # two different datasets: name both
        title = f"{old_name} {old_v} → {new_name} {new_v}"
    else:
        title = f"{new_name} {old_v} → {new_v}" if old_v != new_v else f"{new_name} {new_v} (version unchanged)"
    lines = [f"## Changes: {title}", ""]
    other = [f"{f.replace('_', ' ')} {a} → {b}" for f, (a, b) in diff.versions.items() if a != b and f != "dataset_version"]
    if other:
        lines += ["Also changed: " + "; ".join(other) + ".", ""]
    if diff.is_empty:
        lines += ["No data changes.", ""]
        return "\n".join(lines)
    lines += [
        "| table | old rows | new rows | added | removed | changed |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for t in diff.tables.values():
        old_n = "—" if t.old_rows is None else str(t.old_rows)
        new_n = "—" if t.new_rows is None else str(t.new_rows)
        lines.append(f"| `{t.name}` | {old_n} | {new_n} | {len(t.added)} | {len(t.removed)} | {len(t.changed)} |")
    lines.append("")
    for t in diff.tables.values():
        if t.is_empty:
            continue
        lines += [f"### `{t.name}`", ""]
        if t.status != "common":
            rows = t.new_rows if t.status == "added" else t.old_rows
            lines += [f"Table {t.status} ({rows} rows).", ""]
            continue
        if t.columns_added or t.columns_removed:
            parts = [f"{kind} {_codes(cols)}" for kind, cols in (("added", t.columns_added), ("removed", t.columns_removed)) if cols]
            lines += ["Columns " + "; ".join(parts) + ".", ""]
        if t.changed:
            per_column = ", ".join(f"`{c}` {n}" for c, n in t.changed_columns().items())
            lines += [f"Changed rows: {len(t.changed)} ({per_column}).", ""]
            for change in t.changed[:max_examples]:
                edits = "; ".join(f"`{c}`: {_edit(change.old[c], change.new[c])}" for c in change.columns)
                lines.append(f"- {_key(t.key, change.key)}: {edits}")
            lines += _more(len(t.changed), max_examples)
        for kind, keys in (("Added", t.added), ("Removed", t.removed)):
            if keys:
                lines += [f"{kind} rows: {len(keys)}.", ""]
                lines += [f"- {_key(t.key, k)}" for k in keys[:max_examples]]
                lines += _more(len(keys), max_examples)
    return "\n".join(lines)


def _label_names(label: Any, value: Any) -> Any:
    """Label names of a ClassLabel value: format 2 stores names, format 1 stored integer indices."""
    if isinstance(value, list):
        return [_label_names(label, v) for v in value]
    return label.int2str(value) if isinstance(value, int) else value


def _key(names: tuple[str, ...], key: Key) -> str:
    return ", ".join(f"{n}=`{v}`" for n, v in zip(names, key))


def _codes(columns: tuple[str, ...]) -> str:
    return ", ".join(f"`{c}`" for c in columns)


def _edit(old: Any, new: Any, width: int = 60) -> str:
    """old → new as JSON; long values are cut to a window around their first difference."""
    a, b = json.dumps(old, ensure_ascii=False), json.dumps(new, ensure_ascii=False)
    if len(a) <= width and len(b) <= width:
        return f"{_code(a)} → {_code(b)}"
    first = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    start = max(0, first - width // 3)
    return f"{_code(_window(a, start, width))} → {_code(_window(b, start, width))}"


def _window(text: str, start: int, width: int) -> str:
    head = "…" if start > 0 else ""
    tail = "…" if start + width < len(text) else ""
    return head + text[start : start + width] + tail


def _code(text: str) -> str:
    if "`" not in text:
        return f"`{text}`"
    return f"`` {text} ``"


def _more(total: int, shown: int) -> list[str]:
    return ([f"- … and {total - shown} more"] if total > shown else []) + [""]
