"""Start-up: `import ceasefire_news`, the CLI, `build` and `validate` never load the heavy libraries.

Behaviour, not timing (the figures are in docs/performance.md): each case runs in a fresh
interpreter and lists the heavy top-level packages found in sys.modules afterwards.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import ceasefire_news

SRC = Path(ceasefire_news.__file__).resolve().parents[1]
HEAVY = ("datasets", "sklearn", "torch", "pandas", "scipy", "sentence_transformers", "mlcroissant")

PROBE = """
import json, sys
{code}
heavy = sorted({{m.split(".")[0] for m in sys.modules}} & set({heavy!r}))
print(json.dumps(heavy))
"""


def loaded(code: str) -> list[str]:
    """Heavy packages in sys.modules after running code in a fresh interpreter."""
    probe = PROBE.format(code=code, heavy=HEAVY)
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(SRC), "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "code",
    [
        "import ceasefire_news",
        "import ceasefire_news.cli",
        "from ceasefire_news import build, validate, DatasetError, CONFIGS, DATASET_VERSION",
        "from ceasefire_news.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass",
    ],
)
def test_import_and_help_load_nothing_heavy(code: str) -> None:
    assert loaded(code) == []


def test_help_loads_neither_pyarrow_nor_pydantic() -> None:
    """--help needs argparse and the error types only (it once paid for pydantic through the output module)."""
    code = "from ceasefire_news.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    probe = PROBE.format(code=code, heavy=("pyarrow", "pydantic", "numpy", "yaml"))
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"})
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_validate_loads_nothing_heavy(built: Path) -> None:
    code = (
        "import io, contextlib\nfrom ceasefire_news.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['validate', {str(built)!r}]) == 0\n"
    )
    # Not even pandas, which pyarrow imports on its first pa.array / to_numpy / empty_table call:
    # the build and validate paths use dataset.storage.arrow_array and numpy_view instead.
    assert loaded(code) == []


#: What a successful `validate` of a gold build does without (pydantic, PyYAML and pyarrow.compute are
#: about 0.3 CPU-seconds of start-up); they are imported only to word a problem (the next test).
VALIDATE_SKIPS = ("pydantic", "pydantic_core", "yaml", "pyarrow.compute", "importlib.metadata")


def test_validate_success_loads_neither_pydantic_nor_yaml(built: Path) -> None:
    code = (
        "import io, contextlib, json, sys\nfrom ceasefire_news.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['validate', {str(built)!r}]) == 0\n"
        f"print(json.dumps(sorted(set(sys.modules) & set({VALIDATE_SKIPS!r}))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"})
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_benchmark_startup_row_imports_what_validate_loads(built: Path) -> None:
    """The start-up row of docs/performance.md imports every module a successful `validate` loads (no more is hidden)."""
    import ast

    tree = ast.parse((SRC.parent / "scripts" / "benchmark.py").read_text(encoding="utf-8"))
    (line,) = [ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "VALIDATE_IMPORTS"]
    code = (
        f"import io, contextlib, json, sys\n{line}\nimported = set(sys.modules)\nfrom ceasefire_news.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['validate', {str(built)!r}]) == 0\n"
        "print(json.dumps(sorted(set(sys.modules) - imported)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"})
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_validate_failure_still_words_problems_through_pydantic(built: Path, tmp_path: Path) -> None:
    """A broken row: the same located message as before (pydantic's wording), and no traceback."""
    import shutil

    import pyarrow as pa
    import pyarrow.parquet as pq

    from ceasefire_news.dataset.manifest import sha256_file
    from ceasefire_news.schema.tables import data_file

    copy = tmp_path / "ds"
    shutil.copytree(built, copy)
    path = copy / data_file("sentences")
    data = pq.read_table(path)
    roles = data.column("role").to_pylist()
    roles[2] = "paragraph"
    pq.write_table(data.set_column(data.schema.get_field_index("role"), data.schema.field("role"), pa.array(roles, pa.string())), path)
    manifest = json.loads((copy / "manifest.json").read_text())
    rel = data_file("sentences")
    manifest["files"][rel] = {"size": path.stat().st_size, "sha256": sha256_file(path)}
    (copy / "manifest.json").write_text(json.dumps(manifest))
    out = subprocess.run([sys.executable, "-m", "ceasefire_news", "validate", str(copy)], capture_output=True, text=True, env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert f"{path} row 2 doc_id={data.column('doc_id')[2].as_py()} field 'role': invalid record: 1 validation error for Sentence" in out.stderr


FOREIGN_SEEDS = Path(__file__).resolve().parent / "fixtures" / "foreign_seeds"


@pytest.mark.parametrize(
    ("seeds", "allowed"),
    [
        # A corpus without independent alignment annotations: nothing heavy at all, not even pandas
        # (which pyarrow would import on its first pa.array call; see dataset.storage.arrow_array).
        (FOREIGN_SEEDS, set()),
        # The project's seeds hold two alignment annotations, whose agreement (Cohen's kappa) comes
        # from scikit-learn; still no datasets or torch.
        (None, {"pandas", "sklearn", "scipy"}),
    ],
)
def test_build_loads_neither_datasets_nor_torch(tmp_path: Path, seeds: Path | None, allowed: set[str]) -> None:
    args = ["build", "--out", str(tmp_path / "ds")] + (["--seeds", str(seeds)] if seeds else [])
    code = (
        "import io, contextlib\nfrom ceasefire_news.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main({args!r}) == 0\n"
    )
    assert set(loaded(code)) <= allowed


def test_every_public_name_resolves() -> None:
    for name in ceasefire_news.__all__:
        assert getattr(ceasefire_news, name) is not None, name
    assert set(ceasefire_news.__all__) <= set(dir(ceasefire_news))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        ceasefire_news.nope  # noqa: B018

