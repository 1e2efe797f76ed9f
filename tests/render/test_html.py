"""The HTML viewer in a real browser: headless Chromium renders the page, the DOM matches the tables,
the page makes no network request, and aligned segments are linked across the two columns."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ceasefire_news.schema.tables import data_file

CHROMIUM = Path("/usr/bin/chromium")
#: Flags for a quiet, isolated headless Chromium (the user-data-dir is a fresh temp dir per test module).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DOC_A = "000_a604801cb8896bbe"
DOC_B = "002_1326406fc45ba7b4"
DOC_LINKED = "003_dbbfab3a559acc3c"

try:
    from playwright import sync_api
except ImportError:  # the test extra installs it
    sync_api = None
# Outside CI a machine without the browser skips; in CI (.ci/run installs both) a missing one fails.
if (sync_api is None or not CHROMIUM.exists()) and not os.environ.get("CI"):
    pytest.skip(
        "needs playwright (test extra) and Debian's chromium (apt-get install chromium chromium-driver, as .ci/run does)",
        allow_module_level=True,
    )


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A headless Chromium context from the Debian package, with a fresh profile and no network."""
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_FLAGS,
        )
        yield context
        context.close()


class Page:
    """A loaded page and every URL it asked for (anything but file:// is refused)."""

    def __init__(self, context: object, path: Path) -> None:
        self.requests: list[str] = []
        self.page = context.new_page()
        self.page.route("**/*", self._route)
        self.page.goto(path.as_uri())

    def _route(self, route: object) -> None:
        self.requests.append(route.request.url)
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            route.abort()

    def count(self, selector: str) -> int:
        return self.page.locator(selector).count()

    def texts(self, selector: str) -> list[str]:
        return self.page.eval_on_selector_all(selector, "els => els.map(e => e.textContent)")


def show_html(built: Path, out: Path, *doc_ids: str) -> Path:
    """Run `ceasefire-news show ... --html > out` and return out."""
    with out.open("wb") as f:
        subprocess.run(
            [sys.executable, "-m", "ceasefire_news", "show", *doc_ids, "--html", "--data", str(built)],
            stdout=f,
            check=True,
        )
    return out


def table_rows(built: Path, config: str, doc_id: str) -> list[dict]:
    rows = pq.ParquetFile(built / data_file(config)).read().to_pylist()
    return [r for r in rows if r["doc_id"] == doc_id]


def test_one_document_dom_matches_the_tables(built: Path, browser: object, tmp_path: Path) -> None:
    page = Page(browser, show_html(built, tmp_path / "doc.html", DOC_LINKED))
    sentences = sorted(table_rows(built, "sentences", DOC_LINKED), key=lambda r: r["index"])
    mentions = sorted(table_rows(built, "entities", DOC_LINKED), key=lambda r: r["start"])
    assert page.count("li.seg") == len(sentences) == 52
    assert page.count("mark.ent") == len(mentions) == 142
    assert page.texts("li.seg .text") == [s["text"] for s in sentences]
    assert page.texts("li.seg .role") == [s["role"] for s in sentences]
    assert page.texts("mark.ent") == [m["text"] for m in mentions]
    labels = page.page.eval_on_selector_all("mark.ent", "els => els.map(e => e.dataset.label)")
    assert labels == [m["label"] for m in mentions]
    hrefs = page.page.eval_on_selector_all("mark.ent a", "els => els.map(e => e.href)")
    assert hrefs == [f"https://www.wikidata.org/wiki/{m['kb_id']}" for m in mentions if m["kb_id"]]
    # highlighted by type: a PERSON and a GPE mention get different background colours
    colours = page.page.evaluate(
        "['PERSON', 'GPE'].map(l => getComputedStyle(document.querySelector('mark.l-' + l)).backgroundColor)"
    )
    assert colours[0] != colours[1] and "rgba(0, 0, 0, 0)" not in colours
    page.page.screenshot(path=str(tmp_path / "doc.png"), full_page=False)
    assert (tmp_path / "doc.png").stat().st_size > 10_000
    assert page.requests == [(tmp_path / "doc.html").as_uri()]


def test_page_makes_no_network_request(built: Path, browser: object, tmp_path: Path) -> None:
    page = Page(browser, show_html(built, tmp_path / "doc.html", DOC_LINKED))
    assert page.page.evaluate("performance.getEntriesByType('resource').length") == 0
    assert page.requests == [(tmp_path / "doc.html").as_uri()]
    csp = page.page.get_attribute('meta[http-equiv="Content-Security-Policy"]', "content")
    assert csp.startswith("default-src 'none';") and "connect-src" not in csp and "img-src" not in csp
    # The policy is in force: a fetch the page might try is refused by the browser itself.
    refused = page.page.evaluate(
        """() => new Promise(resolve => {
            document.addEventListener('securitypolicyviolation', e => resolve(e.violatedDirective));
            const img = document.createElement('img'); img.src = 'https://example.invalid/x.png';
            document.body.appendChild(img);
        })"""
    )
    assert refused.startswith("img-src") or refused.startswith("default-src")


def with_alignments(built: Path, tmp_path: Path, rows: list[dict]) -> Path:
    """A copy of the build with an alignments table (the columns the alignment layer declares)."""
    root = Path(shutil.copytree(built, tmp_path / "ds"))  # replaces the build's own alignments table
    columns = {k: [r[k] for r in rows] for k in ("doc_a", "index_a", "doc_b", "index_b", "relation", "text_a", "text_b")}
    schema = pa.schema([("doc_a", pa.string()), ("index_a", pa.int32()), ("doc_b", pa.string()), ("index_b", pa.int32()),
                        ("relation", pa.string()), ("text_a", pa.string()), ("text_b", pa.string())])
    path = root / "data" / "alignments" / "test-00000-of-00001.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pydict(columns, schema=schema), path)
    return root


def alignment(built: Path, index_a: int, index_b: int, relation: str, doc_a: str = DOC_A, doc_b: str = DOC_B) -> dict:
    text = {(r["doc_id"], r["index"]): r["text"] for d in (doc_a, doc_b) for r in table_rows(built, "sentences", d)}
    return {"doc_a": doc_a, "index_a": index_a, "doc_b": doc_b, "index_b": index_b, "relation": relation,
            "text_a": text[(doc_a, index_a)], "text_b": text[(doc_b, index_b)]}


def test_pair_links_aligned_segments(built: Path, browser: object, tmp_path: Path) -> None:
    rows = [
        alignment(built, 0, 0, "equivalent"),
        alignment(built, 1, 1, "equivalent"),
        alignment(built, 1, 2, "partial"),
        alignment(built, 3, 5, "equivalent"),
        alignment(built, 2, 7, "partial", doc_a="001_962f232c241942aa"),  # another pair: not shown
    ]
    root = with_alignments(built, tmp_path, rows)
    page = Page(browser, show_html(root, tmp_path / "pair.html", DOC_A, DOC_B))
    for col, doc in (("a", DOC_A), ("b", DOC_B)):
        assert page.count(f"#doc-{col} li.seg") == len(table_rows(built, "sentences", doc))
        assert page.count(f"#doc-{col} mark.ent") == len(table_rows(built, "entities", doc))
    left = page.page.eval_on_selector_all("#doc-a a.al", "els => els.map(e => e.getAttribute('href'))")
    right = page.page.eval_on_selector_all("#doc-b a.al", "els => els.map(e => e.getAttribute('href'))")
    assert left == ["#b-s0", "#b-s1", "#b-s2", "#b-s5"]
    assert right == ["#a-s0", "#a-s1", "#a-s1", "#a-s3"]
    assert all(page.count(href) == 1 for href in left + right)
    assert "4 aligned segment pairs (3 equivalent, 1 partial)" in page.page.inner_text("header.page")
    page.page.hover("#a-s1")
    highlighted = page.page.eval_on_selector_all("li.seg.hl", "els => els.map(e => e.id)")
    assert highlighted == ["b-s1", "b-s2"]
    page.page.screenshot(path=str(tmp_path / "pair.png"), full_page=False)
    assert page.requests == [(tmp_path / "pair.html").as_uri()]


def test_pair_shows_the_gold_alignments(built: Path, browser: object, tmp_path: Path) -> None:
    rows = pq.ParquetFile(built / data_file("alignments")).read().to_pylist()
    gold = [r for r in rows if (r["doc_a"], r["doc_b"]) == (DOC_A, DOC_B)]
    assert gold, "the seeds' gold alignment layer links these two documents"
    page = Page(browser, show_html(built, tmp_path / "pair.html", DOC_A, DOC_B))
    assert page.count("#doc-a a.al") == len(gold) == page.count("#doc-b a.al")
    assert f"{len(gold)} aligned segment pairs" in page.page.inner_text("header.page")


@pytest.mark.parametrize("rows", [None, []])
def test_pair_without_alignments(built: Path, browser: object, tmp_path: Path, rows: list | None) -> None:
    if rows is None:  # a build whose alignments table is missing altogether
        root = Path(shutil.copytree(built, tmp_path / "ds"))
        shutil.rmtree(root / "data" / "alignments")
    else:
        root = with_alignments(built, tmp_path, rows)
    page = Page(browser, show_html(root, tmp_path / "pair.html", DOC_A, DOC_B))
    assert page.count("a.al") == 0 and page.count("li.seg[data-aligned]") == 0
    header = page.page.inner_text("header.page")
    if rows is None:
        assert "No alignment layer in this build." in header
    else:
        assert "The alignment layer has no segment pairs for these two documents." in header
    assert page.count("#doc-a li.seg") == 26 and page.count("#doc-b li.seg") == 27


def test_show_html_errors(built: Path) -> None:
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "ceasefire_news", "show", *args, "--html", "--data", str(built)], capture_output=True, text=True
    )
    unknown = run("nope")
    assert unknown.returncode == 1 and "unknown doc_id 'nope'" in unknown.stderr and unknown.stdout == ""
    three = run(DOC_A, DOC_B, DOC_LINKED)
    assert three.returncode == 2 and "one or two doc_ids" in three.stderr

