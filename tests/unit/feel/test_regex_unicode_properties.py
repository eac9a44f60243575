"""XPath's ``\\p{IsBlock}`` and ``\\p{Category}`` escapes in matches(), replace(), split()."""

from __future__ import annotations

import contextlib
import itertools
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpmn.expressions import compile_feel
from bpmn.expressions.feel.unicode_blocks import BLOCKS, UNICODE_VERSION
from bpmn.expressions.feel.unicode_properties import expand_properties, property_ranges
from steadyflow.errors import ExpressionEvaluationError


def feel(text: str) -> object:
    return compile_feel(text).evaluate({})


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        (r'matches("hello world", "^\\p{IsBasicLatin}+$")', True),
        (r'matches("héllo", "^\\p{IsBasicLatin}+$")', False),
        (r'matches("héllo", "^\\p{IsBasicLatin}+\\p{IsLatin-1Supplement}")', True),
        (r'matches("hello world", "\\p{ I s B a s i c L a t i n }+", "x")', True),
        (r'matches("Ω", "^\\p{IsGreekandCoptic}$")', True),
        (r'matches("Ω", "^\\p{IsGreek}$")', True),
        (r'matches("Ω", "^\\p{is greek and coptic}$")', None),
        (r'matches("ж", "^\\p{Is_Cyrillic}$")', True),
        (r'matches("🐎", "^\\p{IsMiscellaneousSymbolsandPictographs}$")', True),
        (r'matches("🐎", "^\\p{IsTransportandMapSymbols}$")', False),
        (r'matches("🐎", "^\\p{IsSupplementalSymbolsandPictographs}$")', False),
        (r'matches("🐎", "^\\p{IsMiscellaneousSymbolsAndPictographs}$")', True),
        (r'replace("añb", "[^\\p{IsBasicLatin}]", "?")', "a?b"),
        (r'replace("añb", "\\P{IsBasicLatin}", "?")', "a?b"),
        (r'matches("Ab1", "^\\p{Lu}\\p{Ll}\\p{Nd}$")', True),
        (r'matches("Ab1", "^[\\p{L}\\p{N}]+$")', True),
        (r'matches("a-b", "^\\p{L}\\p{Pd}\\p{L}$")', True),
        (r'matches("1", "^\\P{L}$")', True),
        (r'split("a1b22c", "\\p{Nd}+")', ["a", "b", "c"]),
        (r'matches("a", "\\p{IsNoSuchBlock}")', None),
        (r'matches("a", "\\p{Xx}")', None),
        (r'matches("a", "\\p{L")', None),
    ],
)
def test_unicode_property_escape(expression: str, expected: object) -> None:
    assert feel(expression) == expected


def test_the_horse_is_in_its_block() -> None:
    """U+1F40E lies in Miscellaneous Symbols and Pictographs (1F300..1F5FF)."""
    assert feel('matches("\\U01F40E", "^\\\\p{IsMiscellaneousSymbolsandPictographs}$")') is True


def test_blocks_are_the_unicode_version_pythons_categories_come_from() -> None:
    assert unicodedata.unidata_version == UNICODE_VERSION
    starts = [start for start, _, _ in BLOCKS]
    assert starts == sorted(starts)
    assert all(start % 16 == 0 and end % 16 == 15 and start < end for start, end, _ in BLOCKS)
    assert all(prev[1] < nxt[0] for prev, nxt in itertools.pairwise(BLOCKS))


def test_a_category_is_the_union_of_its_subcategories() -> None:
    letters = property_ranges("L")
    assert letters is not None
    covered = {code for start, end in letters for code in range(start, end + 1)}
    expected = {code for code in range(0x3000) if unicodedata.category(chr(code)).startswith("L")}
    assert {code for code in covered if code < 0x3000} == expected


def test_a_long_category_class_is_not_refused_as_a_long_pattern() -> None:
    expanded = expand_properties("\\p{L}")
    assert expanded is not None and len(expanded) > 500
    assert feel('matches("x", "^\\\\p{L}+$")') is True


def test_a_repeated_group_with_a_property_is_still_refused() -> None:
    with pytest.raises(ExpressionEvaluationError, match="repeated group"):
        feel('matches("aaaa", "(\\\\p{L}+)+$")')


pieces = st.sampled_from(
    [
        "a",
        ".",
        "\\\\p{L}",
        "\\\\P{Nd}",
        "\\\\p{IsBasicLatin}",
        "\\\\p{IsGreek}",
        "\\\\p{Is",
        "\\\\p{}",
        "\\\\p{Lu",
        "[\\\\p{L}0-9]",
        "[^\\\\P{IsCyrillic}]",
        "[a-z-[\\\\p{Lu}]]",
        "(",
        ")",
        "*",
        "+",
        "?",
        "{2}",
        "|",
        "$",
        "^",
        "]",
        "[",
        "\\\\",
    ]
)


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(pieces, max_size=8), st.text(max_size=20), st.sampled_from(["", "i", "x", "s", "q"]))
def test_patterns_with_unicode_properties_raise_nothing_but_our_error(parts: list[str], text: str, flags: str) -> None:
    pattern = "".join(parts)
    for call in ("matches(t, p, f)", 'replace(t, p, "x", f)', "split(t, p)"):
        with contextlib.suppress(ExpressionEvaluationError):
            compile_feel(call).evaluate({"t": text, "p": pattern.replace("\\\\", "\\"), "f": flags})
