"""Silver segments: golden outputs on small general texts, the gold checker on any text, and pinned seeds."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from ceasefire_news.errors import Located, ProblemLog
from ceasefire_news.gold.segments import check_sentences
from ceasefire_news.schema.models import Sentence
from ceasefire_news.silver.evaluation import rewrap
from ceasefire_news.silver.segmenting import blingfire_ends, segment_batch, segment_text, wrap_width, split_lines, load_cues

from .conftest import seed_texts


def segments(text: str) -> list[tuple[str, str]]:
    return [(role, text[a:b]) for a, b, role in segment_text(text)]


def test_title_heading_body_list_and_boilerplate() -> None:
    text = (
        "Storm Hits Coast as Towns Brace for Floods\n"
        "Heavy rain fell on Monday. Officials urged calm.\n"
        "What Comes Next\n"
        "- Schools will close. Buses stop.\n"
        "- Roads stay open\n"
        "The mayor said:\n"
        "\u201cWe are ready.\u201d\n"
        "Watch the video below about the storm.\n"
        "Sources:\n"
        "Example News\n"
        "Another Wire\n"
    )
    assert segments(text) == [
        ("title", "Storm Hits Coast as Towns Brace for Floods"),
        ("body", "Heavy rain fell on Monday."),
        ("body", "Officials urged calm."),
        ("heading", "What Comes Next"),
        ("list_item", "Schools will close."),
        ("list_item", "Buses stop."),
        ("list_item", "Roads stay open"),
        ("body", "The mayor said:"),
        ("body", "\u201cWe are ready.\u201d"),
        ("boilerplate", "Watch the video below about the storm."),
        ("boilerplate", "Sources:"),
        ("boilerplate", "Example News"),
        ("boilerplate", "Another Wire"),
    ]


def test_first_line_with_a_full_stop_is_not_a_title() -> None:
    assert segments("The council met on Tuesday.\nIt voted twice.") == [("body", "The council met on Tuesday."), ("body", "It voted twice.")]


def test_abbreviations_initials_and_times() -> None:
    text = "U.S. President Joe Smith met Mr. Lee at 5 p.m. on Friday. Talks went well with the U.S. In a call, J. R. Doe agreed."
    assert [t for _, t in segments(text)] == [
        "U.S. President Joe Smith met Mr. Lee at 5 p.m. on Friday.",
        "Talks went well with the U.S.",
        "In a call, J. R. Doe agreed.",
    ]


def test_quotations_and_attribution() -> None:
    text = '"We will hold the line," the general said. "Then we rest." She added: it was late.'
    assert [t for _, t in segments(text)] == ['"We will hold the line," the general said.', '"Then we rest."', "She added: it was late."]


def test_hard_wraps_inside_sentences_are_joined() -> None:
    text = (
        "Officials said the talks would resume in the\n"
        "coming weeks. The envoy met with\n"
        "Senate leaders on Monday (Related:\n"
        "Envoy says progress is slow.) and flew home.\n"
    )
    assert segments(text) == [
        ("body", "Officials said the talks would resume in the\ncoming weeks."),
        ("body", "The envoy met with\nSenate leaders on Monday"),
        ("boilerplate", "(Related:\nEnvoy says progress is slow.)"),
        ("body", "and flew home."),
    ]


def test_fixed_width_wrapping_is_detected() -> None:
    text = (
        "Markets Slide After Rate Decision\n\n"
        "Stocks fell sharply on Wednesday after the central bank\n"
        "raised rates again, surprising traders who had expected\n"
        "a pause. Bond yields climbed to their highest level since\n"
        "October, and the currency gained against the dollar.\n\n"
        "Analysts Expect More Volatility\n\n"
        "Several analysts said further increases were likely.\n"
    )
    lines = split_lines(text)
    assert wrap_width(text, lines, load_cues()) == 57
    assert segments(text) == [
        ("title", "Markets Slide After Rate Decision"),
        ("body", "Stocks fell sharply on Wednesday after the central bank\nraised rates again, surprising traders who had expected\na pause."),
        ("body", "Bond yields climbed to their highest level since\nOctober, and the currency gained against the dollar."),
        ("heading", "Analysts Expect More Volatility"),
        ("body", "Several analysts said further increases were likely."),
    ]


def test_blingfire_offsets_are_string_offsets() -> None:
    import blingfire

    for text in ["Zelenskyy\u2019s \u201cplan\u201d \u2014 ok. \u041f\u0440\u0438\u0432\u0435\u0442 \u043c\u0438\u0440. \U0001f600 Emoji. Done.", "Plain ascii. Two sentences.", *seed_texts().values()]:
        expected = [end for _, end in blingfire.text_to_sentences_and_offsets(text)[1]]
        assert blingfire_ends(text) == expected


def _gold_check(doc_id: str, text: str) -> list[str]:
    spans = segment_text(text)
    items = [
        Located(Sentence(doc_id=doc_id, index=i, start=a, end=b, text=text[a:b], role=role), "<silver>", row=i)
        for i, (a, b, role) in enumerate(spans)
    ]
    log = ProblemLog()
    check_sentences({doc_id: text}, items, log)
    return [str(p) for p in log.problems]


_TEXT = st.lists(
    st.one_of(
        st.sampled_from(["- ", "\n", "\n\n", " ", ". ", "? ", "U.S. ", "Mr. ", '"', "\u201c", "\u201d", "(Related: ", ")", ":", "\u2026", "\t", "\r\n"]),
        st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12),
    ),
    min_size=1,
    max_size=40,
).map("".join).filter(lambda t: t.strip() != "")


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_any_text_satisfies_the_gold_segment_checks(text: str) -> None:
    assert _gold_check("doc", text) == []


def test_seed_and_rewrapped_seed_texts_satisfy_the_gold_checks() -> None:
    for doc_id, text in seed_texts().items():
        for width in (None, 40, 60, 80):
            assert _gold_check(doc_id, rewrap(text, width) if width else text) == [], (doc_id, width)


def test_rewrap_keeps_offsets_and_width() -> None:
    for text in seed_texts().values():
        for width in (60, 80):
            wrapped = rewrap(text, width)
            assert len(wrapped) == len(text)
            assert wrapped.replace("\n", " ") == text.replace("\n", " ")
            assert max(len(line) for line in wrapped.split("\n")) <= width


def test_silver_segments_of_the_seeds_are_pinned(data_regression) -> None:
    texts = seed_texts()
    table = segment_batch(pa.table({"doc_id": list(texts), "text": list(texts.values())}))
    data_regression.check([{k: v for k, v in row.items() if k != "text"} for row in table.to_pylist()])


#: Texts that reach the rarer branches of the rules (indented and tab-indented lines, bare "- ",
#: CRLF and Unicode whitespace, inline boilerplate across wraps, abbreviations at a line's end or a
#: block's start, open quotations and brackets across lines, headers and long boilerplate lines).
_EDGE_TEXTS = [
    "  Indented Title Line\n\tTabbed line about the U.S.\n\tArmy and Gen.\nSmith met. Then left.",
    "- \n-\n- item one. Two.\n-  spaced item\n -not a list\n- \u00a0\n",
    "Title\r\nFirst line.\r\nsecond line continues.\r\n\r\nNew paragraph (Related: a\r\nstory.) ends here.",
    "He said \u201cwe will\nnot stop\u201d and \u201cthey\nwill.\u201d Then: \"open\nquote\" closed.\n\u201cA\nB\u201d",
    "Sources:\nOne Wire\n" + "x" * 210 + "\nAfter the long line.\nRelated stories:\nA Story\n\nBack to body.",
    "Mr.\nSmith arrived. The U.N.\nThe vote was held at 5 p.m. Officials left. e.g. this. (See also: more) Next.",
    "Line ending in a comma,\nNext Line Upper\nLine ending in the\nNext -\nDash line \u2014\nEm dash\u2026 and\u2026 More.",
    "Watch the video below.\nClick here to subscribe.\n\u00a9 2024 Example. All rights reserved.\nAdvertisement\nReporting by A. B.; editing by C.",
    "A [bracketed\nclause] continues. (Open paren\nCloses here) Done. Read more: x. (Related: y) z.",
    "J. R. R. Tolkien wrote. U.S.A. and Ph.D. holders. Dr. Who? Yes! No\u2026 \u201cQuoted.\u201d \u2019Single.\u2019",
    "\u2028Odd separators\u2029 here.\x0bVertical tab.\x0cForm feed. Next\u3000sentence.",
    "Zelenskyy\u2019s \u201cplan\u201d \u2014 ok. \u041f\u0440\u0438\u0432\u0435\u0442 \u043c\u0438\u0440. \U0001f600 Emoji. Done.",
]


def test_silver_segments_of_rewrapped_seeds_and_edge_texts_are_pinned(data_regression) -> None:
    texts = {f"edge{i:02d}": t for i, t in enumerate(_EDGE_TEXTS)}
    for doc_id, text in seed_texts().items():
        for width in (40, 60, 80):
            texts[f"{doc_id}@{width}"] = rewrap(text, width)
    table = segment_batch(pa.table({"doc_id": list(texts), "text": list(texts.values())}))
    pinned: dict[str, list[str]] = {}
    for row in table.to_pylist():
        pinned.setdefault(row["doc_id"], []).append(f"{row['index']} {row['start']}-{row['end']} {row['role']}")
    data_regression.check(pinned)
