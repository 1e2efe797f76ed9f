"""The card's front matter read without PyYAML (dataset/card_yaml.py) gives what PyYAML gives, or gives up.

On the seed card and on cards mutated line by line: whatever `read_block_yaml` returns, PyYAML
(the loader `validate` uses) reads as the same mapping; whatever PyYAML rejects, it rejects too;
and `check_card` reports the same problems with or without it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ceasefire_news.dataset import card_yaml, integrity
from ceasefire_news.dataset.card_yaml import Opaque, read_block_yaml
from ceasefire_news.dataset.manifest import read_manifest
from ceasefire_news.errors import ProblemLog

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _front_matter(built: Path) -> str:
    return (built / "README.md").read_text(encoding="utf-8").split("---\n", 2)[1]


def _same(ours: object, theirs: object) -> bool:
    """Equal, an Opaque scalar standing for any scalar PyYAML gives (same type too: True is not 1)."""
    if isinstance(ours, Opaque):
        return not isinstance(theirs, (list, dict))
    if isinstance(ours, dict):
        return isinstance(theirs, dict) and ours.keys() == theirs.keys() and all(_same(v, theirs[k]) for k, v in ours.items())
    if isinstance(ours, list):
        return isinstance(theirs, list) and len(ours) == len(theirs) and all(map(_same, ours, theirs))
    return type(ours) is type(theirs) and ours == theirs


def _agrees(text: str) -> None:
    ours = read_block_yaml(text)
    try:
        theirs = yaml.load(text, Loader=LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        assert ours is None, text
        return
    if ours is not None:
        assert _same(ours, theirs), text


def test_seed_front_matter_is_read_as_pyyaml_reads_it(built: Path) -> None:
    text = _front_matter(built)
    ours = read_block_yaml(text)
    assert ours is not None and not card_yaml.has_opaque(ours)
    assert ours == yaml.load(text, Loader=LOADER)  # noqa: S506
    assert [c["config_name"] for c in ours["configs"]][:2] == ["documents", "sentences"]


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\n",
        "a: yes\nb: No\nc: null\nd: ~\ne: 1.5\nf: 2024-01-02\ng: 0x1F\nh: 1.10.0\ni: '1.0'\nj: n<1K\n",
        "a:\n- x\n- 'y''s'\nb:\n  c: d\n",
        "a: 'unclosed\n",
        "a: 'two\n  lines'\n",
        "a: plain\n  continued\n",
        "a: x\n b: y\n",
        "a: x\n- y\n",
        "- a\n",
        "a: x # comment\n",
        "a: b: c\n",
        "a:  two spaces\n",
        "a: 'x' y\n",
        "a:\n  - b\n  - c\n",
        "a: [1, 2]\n",
        "a: []\nb: {}\n",
        "a: \"quoted\"\n",
        "a: |\n  block\n",
        "a: &x 1\nb: *x\n",
        "a: 1\na: 2\n",
        "yes: 1\n",
        "'0': a\n'1': b\n",
        "a: -1\n",
        "a: 1\n\nb: 2\n",
        "a: 1\n\tb: 2\n",
        "",
        "---\n",
        "a: x\n  - y\n",
        "- - a\n  - b\n",
        "a:\n- b: 1\n  c:\n  - d\n  e: 2\n",
        "a:\n- b: 1\n   c: 2\n",
        "a: b\n  c: d\n",
        "a: http://x.y/z\n",
        "a: it's\n",
        "a: x:\n",
    ],
)
def test_small_documents_agree_with_pyyaml(text: str) -> None:
    _agrees(text)


_SNIPPETS = [
    "", " ", "'", "''", ":", ": ", " #", "#", "-", "- ", "\t", "[a]", "{}", "1.5", "yes", "~", "null", "'a''b'", "x: y",
    '"q"', "|", ">", "&a", "*a", "!t", "%", "@", "`", "0", "07", "1.2.3", "é", "\u00a0", "?",
]


@st.composite
def _mutated(draw: st.DrawFn, lines: list[str]) -> str:
    out = list(lines)
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(out) - 1))
        kind = draw(st.sampled_from(["delete", "duplicate", "indent", "dedent", "insert", "replace_value", "swap", "join"]))
        line = out[i]
        if kind == "delete" and len(out) > 1:
            del out[i]
        elif kind == "duplicate":
            out.insert(i, line)
        elif kind == "indent":
            out[i] = " " * draw(st.integers(1, 3)) + line
        elif kind == "dedent":
            out[i] = line[draw(st.integers(1, 3)) :] if line.startswith(" ") else line
        elif kind == "insert":
            at = draw(st.integers(0, len(line)))
            out[i] = line[:at] + draw(st.sampled_from(_SNIPPETS)) + line[at:]
        elif kind == "replace_value" and ": " in line:
            out[i] = line.split(": ", 1)[0] + ": " + draw(st.sampled_from(_SNIPPETS))
        elif kind == "swap" and i + 1 < len(out):
            out[i], out[i + 1] = out[i + 1], out[i]
        elif kind == "join" and i + 1 < len(out):
            out[i : i + 2] = [line + out[i + 1].lstrip(" ")]
    return "\n".join(out) + "\n"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_front_matter_agrees_with_pyyaml(built: Path, data: st.DataObject) -> None:
    lines = _front_matter(built).rstrip("\n").split("\n")
    _agrees(data.draw(_mutated(lines)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_check_card_reports_the_same_with_or_without_pyyaml(built: Path, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    root = tmp_path_factory.mktemp("card")
    shutil.copy(built / "manifest.json", root / "manifest.json")
    manifest = read_manifest(root, ProblemLog())
    assert manifest is not None
    head, _, body = (built / "README.md").read_text(encoding="utf-8").partition("---\n")
    front, _, rest = body.partition("---\n")
    # the configs block is what check_card reads: mutate near it more often than not
    lines = front.rstrip("\n").split("\n")
    start = lines.index("configs:") if data.draw(st.booleans()) else 0
    mutated = _mutated(lines[start : start + 40])
    text = "\n".join(lines[:start]) + ("\n" if start else "") + data.draw(mutated) + "\n".join(lines[start + 40 :]) + ("\n" if lines[start + 40 :] else "")
    (root / "README.md").write_text(f"{head}---\n{text}---\n{rest}", encoding="utf-8")
    fast = ProblemLog()
    integrity.check_card(root, manifest, fast)
    slow = ProblemLog()
    original = integrity.read_block_yaml
    try:
        integrity.read_block_yaml = lambda _text: None  # type: ignore[assignment]
        integrity.check_card(root, manifest, slow)
    finally:
        integrity.read_block_yaml = original
    assert [str(p) for p in fast.problems] == [str(p) for p in slow.problems]
