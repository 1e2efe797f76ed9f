"""Token lengths of the gold tokenizer (gold/entities._TOKEN) computed over code points with numpy.

Why this hand-written fast path exists: the gold tokenizer's regex (`_TOKEN.findall`) was the single
largest cost of a silver build (about a fifth of all CPU of a 5,000-article `--ner none` build: it
runs once for the `ner` table and once more when the build's checks re-derive it). The regex stays
the one definition of a token (the gold build's `tokenize` uses it); this module only reproduces
`[len(t) for t in _TOKEN.findall(text)]`, for any str, and is held to the regex by a hypothesis test
(tests/silver/test_tokens.py) and by an equality check on the seed texts.

How. Tokens never contain whitespace, and no alternative looks behind its start (the only
look-around, the \\b after a possessive 's, looks at the next character, which is whitespace or
the end at a chunk's end either way), so every maximal run of non-whitespace characters (a
"chunk") is tokenized on its own. In a chunk with no abbreviation pattern (`[A-Za-z]\\.[A-Za-z]\\.`)
and no domain suffix (`.com`, `.org`, `.net`), the abbreviation alternative and the domain part of
the \\w alternative never match, and the regex's tokens follow from local rules over the character
classes \\w, \\d and whitespace (Unicode-aware as in `re`) and a few ASCII characters:
- a character that is not \\w is a token of its own, except that ' or ’, then s, then no \\w is one
  token (the possessive), and that a number takes [.,:] followed by a digit (below);
- a run of \\w characters is one token, except that a run that starts with \\d characters (a number:
  the regex's \\d alternative is tried before its \\w one) ends that number at its first non-digit;
- a number goes on over [.,:] and the digits after it when the whole \\w run before the separator is
  digits (such a run starts a token, after whitespace or a one-character token, or continues a
  number, after a separator that number took; the possessive's s is never a digit).
The few chunks with an abbreviation or a domain (about 1% of the chunks of a synthetic corpus of
news) are tokenized by the regex itself, in one `findall` over those chunks joined by spaces.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

# Character kinds (one uint8 per character; \w kinds are the largest so that "is \w" is one comparison).
_SPACE, _OTHER, _DOT, _SEP, _QUOTE, _S, _WORD, _DIGIT = range(8)
_UNKNOWN = 8  # placeholder for a non-ASCII code point, classified afterwards


def _kind(c: int) -> int:
    """The kind of one code point, by the str predicates `re` uses for str patterns."""
    ch = chr(c)
    # \s is str.isspace(), \d is str.isdecimal(), \w is str.isalnum() or "_".
    if ch.isspace():
        return _SPACE
    if ch.isdecimal():
        return _DIGIT
    if ch == "s":
        return _S
    if ch.isalnum() or ch == "_":
        return _WORD
    return {".": _DOT, ",": _SEP, ":": _SEP, "'": _QUOTE, "\u2019": _QUOTE}.get(ch, _OTHER)


@lru_cache(maxsize=1)
def _ascii_kinds() -> np.ndarray:
    """The kinds of the code points 0..127, then the placeholder for any larger one."""
    import numpy as np

    return np.array([_kind(c) for c in range(128)] + [_UNKNOWN], dtype=np.uint8)


def char_kinds(code: np.ndarray) -> np.ndarray:
    """The kind (_SPACE ... _DIGIT above) of each code point of a UTF-32 code array."""
    import numpy as np

    kinds = np.take(_ascii_kinds(), code, mode="clip")
    other = np.flatnonzero(kinds == _UNKNOWN)
    if len(other):
        values, inverse = np.unique(code[other], return_inverse=True)
        kinds[other] = np.array([_kind(int(c)) for c in values], dtype=np.uint8)[inverse]
    return kinds


def token_lengths(text: str, code: np.ndarray | None = None) -> np.ndarray:
    """The lengths of the gold tokenizer's tokens of `text`, in order: `[len(t) for t in _TOKEN.findall(text)]`.

    `code` may give the text's code points (`np.frombuffer(text.encode("utf-32-le"), np.uint32)`) when
    the caller has them already.
    """
    import numpy as np

    from ..gold.entities import _TOKEN

    if code is None:
        code = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    n = len(code)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    kinds = char_kinds(code)
    space = kinds == _SPACE
    word = kinds >= _S
    # The base rule: every non-whitespace character starts a token unless it and the one before are \w.
    start = ~space
    start[1:] &= ~(word[1:] & word[:-1])
    padded = np.concatenate([kinds, np.full(2, _SPACE, dtype=np.uint8)])  # kinds[p + 1], [p + 2] at the end

    # A number (the regex's \d alternative, tried before \w) is a \w run's leading digits: it ends at the
    # run's first non-digit, and goes on over [.,:] and a digit when the whole \w run before it is digits.
    digits = np.flatnonzero(kinds == _DIGIT)
    if len(digits):
        after, after2 = padded[digits + 1], padded[digits + 2]
        run_first = digits[(digits == 0) | (padded[digits - 1] != _DIGIT)]  # where each digit run starts
        # Digits that end their run and are followed by a non-digit \w, or by [.,:] and a digit.
        ends = digits[((after >= _S) & (after != _DIGIT)) | (((after == _DOT) | (after == _SEP)) & (after2 == _DIGIT))]
        first = run_first[np.searchsorted(run_first, ends, side="right") - 1]
        number = ends[(first == 0) | (padded[first - 1] < _S)] + 1  # after the digits of a run that is all digits
        start[number] = True  # a non-digit \w character after a number's digits starts a token
        is_sep = kinds[number] < _S  # the others are separators followed by a digit: the number goes on
        start[number[is_sep]] = False
        start[number[is_sep] + 1] = False
    # A possessive 's (' or ’, then s, then no \w) is one token.
    quotes = np.flatnonzero(kinds == _QUOTE)
    if len(quotes):
        s_taken = quotes[(padded[quotes + 1] == _S) & (padded[quotes + 2] < _S)] + 1
        start[s_taken] = False

    # Chunks the local rules do not cover (an abbreviation letter-dot-letter-dot, or a domain suffix)
    # are tokenized by the regex.
    dots = np.flatnonzero(kinds == _DOT)
    if len(dots):

        def at(k: int) -> np.ndarray:  # the code point k after each dot (0 outside the text)
            return np.where((dots + k >= 0) & (dots + k < n), code[np.clip(dots + k, 0, n - 1)], 0)

        before, after = at(-1) | 0x20, at(1) | 0x20  # ASCII letters in lower case
        abbreviation = (before >= 0x61) & (before <= 0x7A) & (after >= 0x61) & (after <= 0x7A) & (at(2) == 0x2E)
        a, b, d = at(1), at(2), at(3)
        domain = ((a == 0x63) & (b == 0x6F) & (d == 0x6D)) | ((a == 0x6F) & (b == 0x72) & (d == 0x67)) | ((a == 0x6E) & (b == 0x65) & (d == 0x74))
        hard = dots[abbreviation | domain]
        if len(hard):
            spaces = np.flatnonzero(space)
            where = np.searchsorted(spaces, hard)  # the whitespace after each hard dot, or len(spaces)
            where = np.unique(where)  # one per chunk
            firsts = np.where(where > 0, spaces[np.maximum(where - 1, 0)] + 1, 0) if len(spaces) else np.zeros(len(where), np.int64)
            lasts = np.append(spaces, n)[where]
            found = _TOKEN.findall(" ".join([text[i:j] for i, j in zip(firsts.tolist(), lasts.tolist())]))
            lengths = np.fromiter(map(len, found), dtype=np.int64, count=len(found))
            size = lasts - firsts
            inside = np.repeat(firsts - np.cumsum(size) + size, size) + np.arange(int(size.sum()))  # their characters
            start[inside] = False
            begin = np.zeros(len(lengths), dtype=np.int64)
            np.cumsum(lengths[:-1], out=begin[1:])
            start[inside[begin]] = True
    bounds = np.flatnonzero(start | space)  # a token ends at the next token's start or at whitespace
    return np.diff(bounds, append=n)[start[bounds]]
