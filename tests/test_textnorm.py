"""Whitespace rules shared by the parser and the pipelines, against their plain-regex definitions.

The fast forms (str.split/join in textnorm, a one-scan "already normal" check in the normalize pipeline)
must give exactly what the rules say, or content hashes would change between versions of newsspider.
"""

from __future__ import annotations

import re
import sys
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from newsspider.textnorm import KNOWN_NFKC_RANGES, clean_whitespace, nfkc, normalize_for_hash
from pipelines.normalize import normalize_string, normalize_text

# The rule: every Unicode space (what str.isspace() accepts, ideographic and no-break spaces included)
# and U+FEFF is whitespace; zero-width characters are dropped; runs collapse to one space; ends stripped.
_SPACES = re.compile(r"[\s\ufeff]+")
_ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060]")
_WIDE = {c: c - 0xFEE0 for c in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))}

# The characters where the rules differ, mixed with ordinary text.
tricky = st.text(
    alphabet=st.sampled_from(
        [
            *"ab 中文，。1\n\t\r\x0b\x0c\x1c\x1f\x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000",
            *"\ufeff\u200b\u200c\u200d\u2060\uff10\uff21\uff41\uff5a\uff0c",
        ]
    ),
    max_size=12,
)


def reference_clean(text: str) -> str:
    return _SPACES.sub(" ", _ZERO_WIDTH.sub("", text)).strip()


@given(tricky)
def test_clean_whitespace_follows_the_rule(text: str) -> None:
    assert clean_whitespace(text) == reference_clean(text)


@given(tricky)
def test_the_hash_form_has_no_whitespace_and_ignores_width(text: str) -> None:
    expected = _SPACES.sub("", _ZERO_WIDTH.sub("", unicodedata.normalize("NFKC", text)))
    assert normalize_for_hash(text) == expected


@given(tricky)
def test_the_pipeline_keeps_normal_strings_and_mends_the_rest(text: str) -> None:
    assert normalize_string(text) == reference_clean(text.translate(_WIDE))
    lines = (reference_clean(line.translate(_WIDE)) for line in text.split("\n"))
    assert normalize_text(text) == "\n".join(line for line in lines if line)


def test_no_space_character_lies_beyond_the_ideographic_space() -> None:
    """The normalize pipeline lists the space characters below U+3001 only."""
    assert max(code for code in range(sys.maxunicode + 1) if chr(code).isspace()) == 0x3000


def test_a_normal_string_comes_back_as_the_same_object() -> None:
    text = "山西省人民政府 2020年2月18日"
    assert normalize_string(text) is text


# ---- the fast NFKC: unicodedata's answer, on every text ------------------------------------------------------

_KNOWN = [chr(c) for a, b in KNOWN_NFKC_RANGES for c in range(a, b + 1)]


def test_every_known_character_normalizes_as_unicodedata_says() -> None:
    wrong = [c for c in _KNOWN if nfkc(c) != unicodedata.normalize("NFKC", c)]
    assert not wrong


def test_no_known_character_can_combine_with_its_neighbour() -> None:
    """What makes NFKC character by character on these characters: neither they nor what they decompose
    to is a combining mark (which would be reordered) or the second half of any canonical composition
    (which would merge with the character before), in the whole Unicode database of this Python."""
    seconds = set()
    for code in range(sys.maxunicode + 1):
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            seconds.add(chr(int(parts[1], 16)))
    seconds.update(chr(c) for c in (*range(0x1161, 0x1176), *range(0x11A8, 0x11C3)))  # Hangul V and T jamo
    risky = [
        c
        for c in _KNOWN
        for part in unicodedata.normalize("NFKD", c)
        if unicodedata.combining(part) or part in seconds
    ]
    assert not risky


def test_what_a_character_becomes_is_not_replaced_again() -> None:
    """nfkc replaces one character after another across the text: what one becomes must stay as it is, or
    the order of the replacements would decide the result."""
    changing = [c for c in _KNOWN if nfkc(c) != c]
    assert len(changing) > 100  # the full-width forms, CJK punctuation, spaces, dashes and quotes
    assert not [c for c in changing for part in nfkc(c) if nfkc(part) != part]
    every = "".join(changing) + "山西" + "".join(reversed(changing))
    assert nfkc(every) == unicodedata.normalize("NFKC", every)


chinese_text = st.text(
    alphabet=st.sampled_from(
        [*"山西省政府会议强调一要二要，。、“”‘’《》（）：；！？…—·１２ＡＢａ　\n 12ab.", "\xa0"]
    ),
    max_size=40,
)


@given(chinese_text, st.sampled_from(["", "é", "e\u0301", "\u1100\u1161", "①", "℃", "\u0308", "가"]))
def test_nfkc_is_unicodedatas_on_mixed_text(text: str, other: str) -> None:
    for mixed in (text, other + text, text + other, text[: len(text) // 2] + other + text[len(text) // 2 :]):
        assert nfkc(mixed) == unicodedata.normalize("NFKC", mixed)
