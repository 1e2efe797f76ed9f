"""The silver tokenizer's fast path gives exactly the gold tokenizer regex's token lengths, for any str."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ceasefire_news.gold.entities import _TOKEN
from ceasefire_news.silver.tokens import token_lengths

from .conftest import seed_texts


def regex_lengths(text: str) -> list[int]:
    """The definition: the lengths of the regex's tokens."""
    return [len(t) for t in _TOKEN.findall(text)]


# Characters of every kind the regex tells apart: ASCII letters (of the abbreviation and the
# possessive), digits and the number separators, quotes, "_", Unicode whitespace, non-ASCII \w
# letters, Unicode decimal digits (\d) and digits that are \w but not \d ('²', '¹'), numerals that are
# \w ('Ⅻ'), combining marks (not \w), other punctuation, emoji and a lone surrogate.
CHARS = list("aAbSsUzZcomrgnetpd019.,:;'’_-\"“”()/@%$é") + [
    " ", "\n", "\t", "\r", "\x0b", "\x0c", "\x1c", "\x85", "\xa0", "\u2009", "\u3000",
    "ß", "İ", "ı", "ﬁ", "Ж", "中", "٣", "٠", "۵", "߁", "𝟘", "²", "¹", "½", "Ⅻ",
    "\u0301", "\u200d", "…", "–", "©", "😀", "\U0001f1fa", "\ud800",
]  # fmt: skip
# Fragments that make the special cases likely: abbreviations, possessives, numbers, domains.
FRAGMENTS = [
    "U.S.", "U.S", "p.m.", "a.m", "J.D.", "e.g.", "i.e", "A.", ".B", "'s", "’s", "'S", "s", "'",
    "1,000", "10:00", "3.5", "1.", ".5", ",", ":", "2020s", "٣.٣", "²", ".com", ".org", ".net",
    "com", "org", "net", "RT", ".co", "x.", "_", "é", " ", "\n", "\xa0",
]  # fmt: skip

texts = st.one_of(
    st.text(alphabet=st.sampled_from(CHARS), max_size=60),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.sampled_from(CHARS)), max_size=25).map("".join),
    st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=40),
)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
@example("")
@example("U.S.")
@example("U.S.’s")
@example("\ud83d\ude00 a\udfff.com")
@example("x.comb.c.")
@example("1,000.5a2")
@example("'s.com")
def test_token_lengths_are_the_regex_ones(text: str) -> None:
    assert token_lengths(text).tolist() == regex_lengths(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("U.S. and the U.K.'s p.m.", ["U.S.", "and", "the", "U.K.", "'s", "p.m."]),
        ("a.b.c U.S.A. xa.b.c.", ["a.b.", "c", "U.S.A.", "xa", ".", "b.c."]),
        ("Trump's ’sake 's_x", ["Trump", "'s", "’", "sake", "'", "s_x"]),
        ("1,000.5, 10:00. 12abc a1.5 ٣,٣ 1²", ["1,000.5", ",", "10:00", ".", "12", "abc", "a1", ".", "5", "٣,٣", "1", "²"]),
        ("RT.com x.comb 9.net é.org", ["RT.com", "x.com", "b", "9", ".", "net", "é.org"]),
    ],
)
def test_golden_tokens(text: str, expected: list[str]) -> None:
    """A few hand-checked tokenizations, so that both the regex and the fast path are pinned."""
    assert _TOKEN.findall(text) == expected
    assert token_lengths(text).tolist() == [len(t) for t in expected]


def test_seed_texts() -> None:
    """Every seed article, alone and all joined by newlines as the `ner` rows join segments."""
    texts = list(seed_texts().values())
    assert len(texts) == 5
    for text in [*texts, "\n".join(texts)]:
        lengths = token_lengths(text)
        assert lengths.dtype == np.int64
        assert lengths.tolist() == regex_lengths(text)


def test_given_code_points() -> None:
    """The code points a caller already has give the same lengths."""
    text = "\n".join(seed_texts().values())
    code = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    assert token_lengths(text, code).tolist() == regex_lengths(text)
