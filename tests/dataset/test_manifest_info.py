"""manifest.json read without pydantic: `manifest_info` accepts only what the Manifest model accepts, with the same values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from ceasefire_news.dataset.manifest import MANIFEST_FILE, ManifestInfo, _model_info, manifest_info, read_manifest
from ceasefire_news.errors import ProblemLog


def _model(raw: bytes) -> ManifestInfo | None:
    try:
        return _model_info(raw)
    except ValidationError:
        return None


def _agrees(raw: bytes) -> None:
    """What the fast reader accepts, the model accepts with the same values; what the model rejects, it rejects."""
    fast, model = manifest_info(raw), _model(raw)
    if fast is not None:
        assert model == fast
    if model is None:
        assert fast is None


def test_seed_manifest_is_read_without_the_model(built: Path) -> None:
    raw = (built / MANIFEST_FILE).read_bytes()
    info = manifest_info(raw)
    assert info is not None and info == _model_info(raw)
    assert info.tables["documents"].num_rows == 5 and info.provenance is None
    assert info.files["README.md"].sha256 == json.loads(raw)["files"]["README.md"]["sha256"]


def _seed(built: Path) -> dict:
    return json.loads((built / MANIFEST_FILE).read_bytes())


def _set(data: dict, path: tuple, value: object) -> dict:
    out = json.loads(json.dumps(data))
    node = out
    for key in path[:-1]:
        node = node[key]
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return out


_DELETE = object()
SHA = "0" * 64
PROVENANCE = {"sentences": {"source": "silver", "method": "pysbd", "version": "1"}}

CASES = [
    (("name",), 3),
    (("name",), None),
    (("dataset_version",), _DELETE),
    (("extra",), "x"),
    (("files", "README.md", "size"), -1),
    (("files", "README.md", "size"), 1.0),
    (("files", "README.md", "size"), True),
    (("files", "README.md", "size"), 10**30),
    (("files", "README.md", "sha256"), SHA.upper()),
    (("files", "README.md", "sha256"), SHA + "\n"),
    (("files", "README.md", "extra"), 1),
    (("files", "README.md"), [1, SHA]),
    (("files", "README.md", "size"), _DELETE),
    (("tables", "documents", "num_rows"), -5),
    (("tables", "documents", "file"), None),
    (("tables",), []),
    (("inputs", "articles/x.txt"), 1),
    (("provenance",), None),
    (("provenance",), PROVENANCE),
    (("provenance",), {"sentences": {**PROVENANCE["sentences"], "source": "bronze"}}),
    (("provenance",), {"sentences": {**PROVENANCE["sentences"], "method": ""}}),
    (("provenance",), {"sentences": {**PROVENANCE["sentences"], "version": 1}}),
]


@pytest.mark.parametrize(("path", "value"), CASES)
def test_mutations_agree_with_the_model(built: Path, path: tuple, value: object) -> None:
    _agrees(json.dumps(_set(_seed(built), path, value)).encode())


@pytest.mark.parametrize(
    "raw",
    [
        b"\xef\xbb\xbf{}",
        b"[]",
        b"not json",
        b'{"name": "\\ud800"}',
        b"\xff",
        b"{" * 100_000,
        b"NaN",
    ],
)
def test_odd_bytes_are_left_to_the_model(raw: bytes) -> None:
    assert manifest_info(raw) is None
    _agrees(raw)


def test_bom_and_surrogates_of_a_valid_manifest_are_left_to_the_model(built: Path) -> None:
    raw = (built / MANIFEST_FILE).read_bytes()
    assert manifest_info(b"\xef\xbb\xbf" + raw) is None and _model(b"\xef\xbb\xbf" + raw) is None
    odd = raw.replace(b'"name": "', b'"name": "\\ud83d\\ude00', 1)
    _agrees(odd)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-3, max_value=2**70) | st.floats(allow_nan=False) | st.text(max_size=5)
    | st.sampled_from(["gold", "silver", "absent", "0" * 64]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(["size", "sha256", "file", "num_rows", "source", "method", "version", "x"]), children, max_size=4),
    max_leaves=6,
)


def _paths(node: object, prefix: tuple = ()) -> list[tuple]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out.extend(_paths(value, prefix + (key,)))
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_mutations_agree_with_the_model(built: Path, data: st.DataObject) -> None:
    seed = _seed(built)
    if data.draw(st.booleans()):
        seed["provenance"] = dict(PROVENANCE)
    paths = _paths(seed)
    path = data.draw(st.sampled_from(paths))
    value = data.draw(st.one_of(st.just(_DELETE), _JSON))
    _agrees(json.dumps(_set(seed, path, value)).encode())


def test_read_manifest_words_problems_through_the_model(built: Path, tmp_path: Path) -> None:
    (tmp_path / MANIFEST_FILE).write_text(json.dumps(_set(_seed(built), ("files", "README.md", "size"), -1)))
    log = ProblemLog()
    assert read_manifest(tmp_path, log) is None
    (problem,) = log.problems
    assert problem.field == "files.README.md.size" and "greater than or equal to 0" in problem.message
