"""Whitespace rules shared by the parser and the pipelines, against their plain-regex definitions.

The fast forms (str.split/join in textnorm, a one-scan "already normal" check in the normalize pipeline)
must give exactly what the rules say, or content hashes would change between versions of newsspider.
"""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from newsspider.textnorm import clean_whitespace, normalize_for_hash
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
    import unicodedata

    expected = _SPACES.sub("", _ZERO_WIDTH.sub("", unicodedata.normalize("NFKC", text)))
    assert normalize_for_hash(text) == expected


@given(tricky)
def test_the_pipeline_keeps_normal_strings_and_mends_the_rest(text: str) -> None:
    assert normalize_string(text) == reference_clean(text.translate(_WIDE))
    lines = (reference_clean(line.translate(_WIDE)) for line in text.split("\n"))
    assert normalize_text(text) == "\n".join(line for line in lines if line)


def test_a_normal_string_comes_back_as_the_same_object() -> None:
    text = "山西省人民政府 2020年2月18日"
    assert normalize_string(text) is text
