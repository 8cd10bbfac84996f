"""Table-driven tests for villages/validators.py: resident IDs, phone numbers, masking."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from villages.validators import (
    check_character,
    clean_text,
    looks_like_formula,
    mask_phone,
    mask_resident_id,
    normalize_phone,
    normalize_resident_id,
    validate_phone,
    validate_resident_id,
)

# --- An independent GB 11643-1999 check character, so expected values do not come from the
# --- code under test.

_GB_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]  # 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, ...
_GB_CHECK = "10X98765432"


def gb_check(first17: str) -> str:
    assert len(first17) == 17 and first17.isascii() and first17.isdigit()
    return _GB_CHECK[sum(int(d) * w for d, w in zip(first17, _GB_WEIGHTS, strict=True)) % 11]


def resident_id(first17: str) -> str:
    """The full 18-character ID for 17 digits (region, birth date, sequence)."""
    return first17 + gb_check(first17)


def legacy_to_18(legacy15: str) -> str:
    return resident_id(f"{legacy15[:6]}19{legacy15[6:]}")


def with_wrong_check(valid: str) -> str:
    wrong = "0" if valid[-1] != "0" else "1"
    return valid[:17] + wrong


def to_full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


# Heze (菏泽) region prefixes: 371702 牡丹区, 371721 曹县, 371728 东明县, ...
MUDAN = resident_id("37170219850615002")
CAOXIAN_LEAP_DAY = resident_id("37172120000229301")
DONGMING_X = resident_id("37172819900101101")
CAOXIAN_X = resident_id("37172119881231105")
JUYE = resident_id("37172419561103047")
LEGACY_15 = "371702650315123"


def test_independent_helper_agrees_with_the_published_gb_example() -> None:
    assert _GB_WEIGHTS == [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    assert resident_id("11010519491231002") == "11010519491231002X"


def test_table_includes_ids_whose_check_character_is_x() -> None:
    assert DONGMING_X.endswith("X")
    assert CAOXIAN_X.endswith("X")


@pytest.mark.parametrize(
    "first17",
    [MUDAN[:17], CAOXIAN_LEAP_DAY[:17], DONGMING_X[:17], CAOXIAN_X[:17], JUYE[:17]],
    ids=["mudan", "caoxian-leap-day", "dongming-x", "caoxian-x", "juye"],
)
def test_check_character_matches_the_independent_computation(first17: str) -> None:
    assert check_character(first17) == gb_check(first17)


# --- Resident IDs: accepted inputs ----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (MUDAN, MUDAN),
        (CAOXIAN_LEAP_DAY, CAOXIAN_LEAP_DAY),
        (DONGMING_X, DONGMING_X),
        (CAOXIAN_X, CAOXIAN_X),
        (DONGMING_X.lower(), DONGMING_X),
        (to_full_width(JUYE), JUYE),
        (to_full_width(CAOXIAN_X.lower()), CAOXIAN_X),
        (f"  {MUDAN}  ", MUDAN),
        (f"\u00a0{MUDAN}\u00a0", MUDAN),
        (f"\u3000{MUDAN}\t", MUDAN),
        (f"{MUDAN[:6]} {MUDAN[6:14]} {MUDAN[14:]}", MUDAN),
        (f"{MUDAN[:9]}\n{MUDAN[9:]}", MUDAN),
        (f"{DONGMING_X[:6]}\r\n{DONGMING_X[6:]}\n", DONGMING_X),
        (LEGACY_15, "371702196503151234"),
        (f" {LEGACY_15}\n", legacy_to_18(LEGACY_15)),
        (to_full_width(LEGACY_15), legacy_to_18(LEGACY_15)),
    ],
    ids=[
        "mudan-plain",
        "caoxian-born-on-leap-day",
        "dongming-check-x",
        "caoxian-check-x",
        "lower-case-x",
        "full-width-digits",
        "full-width-lower-case-x",
        "surrounding-spaces",
        "non-breaking-spaces",
        "ideographic-space-and-tab",
        "spaces-inside",
        "newline-inside",
        "crlf-inside-and-trailing-newline",
        "legacy-15-digit-exact-value",
        "legacy-15-digit-with-spaces",
        "legacy-15-digit-full-width",
    ],
)
def test_valid_ids_normalize_to_18_characters(raw: str, expected: str) -> None:
    normalized = normalize_resident_id(raw)
    assert normalized == expected
    assert len(normalized) == 18


def test_legacy_helper_matches_the_literal_expected_value() -> None:
    assert legacy_to_18(LEGACY_15) == "371702196503151234"


# --- Resident IDs: rejections ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "empty"),
        ("   \u00a0\n", "empty"),
        (MUDAN[:17], "format"),
        (MUDAN + "1", "format"),
        (MUDAN[:10] + "A" + MUDAN[11:], "format"),
        (MUDAN[:10] + "X" + MUDAN[11:], "format"),
        (LEGACY_15 + "X", "format"),
        ("3.71721E+17", "format"),
        (with_wrong_check(MUDAN), "checksum"),
        (with_wrong_check(DONGMING_X), "checksum"),
        (DONGMING_X[:17] + "0", "checksum"),
        (MUDAN[:17] + "X", "checksum"),
        (resident_id("37172119900230101"), "birth_date"),
        (resident_id("37172119900431101"), "birth_date"),
        (resident_id("37172119901301101"), "birth_date"),
        (resident_id("37172119010229101"), "birth_date"),
        (resident_id("37172120990101101"), "birth_date"),
        (resident_id("37172118991231101"), "birth_date"),
        ("371721650230123", "birth_date"),
    ],
    ids=[
        "empty-string",
        "only-white-space",
        "17-digits",
        "19-digits",
        "letter-in-the-middle",
        "x-not-in-last-position",
        "x-after-15-digits",
        "excel-scientific-notation",
        "wrong-checksum-last-digit-changed",
        "wrong-checksum-x-replaced",
        "wrong-checksum-x-replaced-by-zero",
        "wrong-checksum-digit-replaced-by-x",
        "feb-30",
        "april-31",
        "month-13",
        "feb-29-in-non-leap-year-1901",
        "born-in-2099-with-correct-checksum",
        "born-in-1899-with-correct-checksum",
        "legacy-15-digit-feb-30",
    ],
)
def test_invalid_ids_are_rejected_with_a_specific_code(raw: str, code: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        normalize_resident_id(raw)
    assert excinfo.value.code == code


def test_checksum_error_message_is_the_english_msgid_under_english() -> None:
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        normalize_resident_id(with_wrong_check(MUDAN))
    assert excinfo.value.code == "checksum"
    assert excinfo.value.messages == [
        "The check digit of the resident ID number is wrong; please check each digit."
    ]


# --- validate_resident_id (model field validator) -------------------------------------------


@pytest.mark.parametrize(
    "value",
    [MUDAN, DONGMING_X, CAOXIAN_X, legacy_to_18(LEGACY_15)],
    ids=["mudan", "dongming-x", "caoxian-x", "converted-legacy"],
)
def test_validate_resident_id_accepts_normalized_values(value: str) -> None:
    assert validate_resident_id(value) is None


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (DONGMING_X.lower(), "not_normalized"),
        (f" {MUDAN}", "not_normalized"),
        (to_full_width(MUDAN), "not_normalized"),
        (LEGACY_15, "not_normalized"),
        (with_wrong_check(MUDAN), "checksum"),
        ("", "empty"),
    ],
    ids=[
        "lower-case-x",
        "leading-space",
        "full-width-digits",
        "legacy-15-digit",
        "wrong-checksum",
        "empty",
    ],
)
def test_validate_resident_id_rejects_unnormalized_or_invalid_values(value: str, code: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_resident_id(value)
    assert excinfo.value.code == code


# --- mask_resident_id -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("37172819900101123X", "3717**********123X"),
        (MUDAN, f"{MUDAN[:4]}**********{MUDAN[-4:]}"),
        ("123456789", "*********"),
        ("", ""),
    ],
    ids=["spec-example-with-x", "mudan", "too-short-is-fully-hidden", "empty"],
)
def test_mask_resident_id_hides_region_detail_birth_date_and_sequence(
    value: str, masked: str
) -> None:
    assert mask_resident_id(value) == masked


# --- Phones -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("0086 13800138000", "13800138000"),
        ("+8619912345678", "19912345678"),
        ("０５３０－５６２１２３４", "05305621234"),
        ("(0530)5621234", "05305621234"),
        ("0530-5621234", "05305621234"),
        ("010-12345678", "01012345678"),
        ("\u00a0138 0013 8000\n", "13800138000"),
    ],
    ids=[
        "plain-mobile",
        "plus-86-with-dashes",
        "0086-prefix",
        "plus-86-no-space",
        "full-width-landline",
        "landline-area-code-in-brackets",
        "landline-with-dash",
        "beijing-8-digit-landline",
        "spaces-and-newline",
    ],
)
def test_valid_phones_normalize_to_plain_digits(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["12345", "23800138000", "1380013800", "abc", "", "12800138000", "138001380001"],
    ids=[
        "five-digits",
        "mobile-starting-with-2",
        "ten-digit-mobile",
        "letters",
        "empty",
        "mobile-second-digit-2",
        "twelve-digit-mobile",
    ],
)
def test_invalid_phones_are_rejected(raw: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        normalize_phone(raw)
    assert excinfo.value.code == "phone"


@pytest.mark.parametrize(
    "value",
    ["", "13800138000", "05305621234"],
    ids=["blank-is-allowed", "mobile", "landline"],
)
def test_validate_phone_accepts_blank_and_normalized_numbers(value: str) -> None:
    assert validate_phone(value) is None


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("138-0013-8000", "phone_not_normalized"),
        ("+86 13800138000", "phone_not_normalized"),
        ("12345", "phone"),
    ],
    ids=["dashes", "country-code", "invalid"],
)
def test_validate_phone_rejects_unnormalized_or_invalid_numbers(value: str, code: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        validate_phone(value)
    assert excinfo.value.code == code


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13800138000", "138****8000"),
        ("01012345678", "010****5678"),
        ("1234567", "1234567"),
        ("", ""),
    ],
    ids=["mobile", "landline", "seven-digits-unchanged", "empty"],
)
def test_mask_phone_keeps_first_three_and_last_four_digits(value: str, masked: str) -> None:
    assert mask_phone(value) == masked


# --- clean_text -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("３７１７", "3717"),
        (" a b\tc\n", "abc"),
        ("\u00a0x\u3000y\r\n", "xy"),
        ("（０５３０）", "(0530)"),
        (371702, "371702"),
        ("", ""),
    ],
    ids=[
        "full-width-digits",
        "spaces-tabs-newlines",
        "non-breaking-and-ideographic-spaces",
        "full-width-brackets",
        "non-string-value",
        "empty",
    ],
)
def test_clean_text_folds_full_width_and_drops_white_space(raw: object, expected: str) -> None:
    assert clean_text(raw) == expected


# --- Digits of other scripts are not resident-ID or phone digits -----------------------------


def _arabic_indic(text: str) -> str:
    return "".join(chr(0x0660 + int(c)) if c.isdigit() else c for c in text)


@pytest.mark.parametrize(
    "raw",
    [_arabic_indic(DONGMING_X), _arabic_indic(MUDAN[:17]) + MUDAN[17]],
    ids=["arabic-indic-digits-check-x", "arabic-indic-digits-ascii-check-digit"],
)
def test_ids_written_in_non_ascii_digits_are_rejected_as_badly_formed(raw: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_resident_id(raw)
    assert caught.value.code == "format"


@pytest.mark.parametrize(
    "raw",
    ["13" + _arabic_indic("800138000"), "0" + _arabic_indic("5305621234")],
    ids=["mobile-arabic-indic-tail", "landline-arabic-indic-tail"],
)
def test_phones_written_in_non_ascii_digits_are_rejected(raw: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_phone(raw)
    assert caught.value.code == "phone"


def test_a_missing_id_is_reported_as_empty() -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_resident_id(None)
    assert caught.value.code == "empty"


@pytest.mark.parametrize(
    ("text", "formula"),
    [
        ("=1+1", True),
        ("@SUM(A1)", True),
        ("+cmd", True),
        ("-1", True),
        ("--1", True),
        ('-"a"', True),
        ("-", False),
        ("--", False),
        ("+", False),
        ("王五", False),
        ("1+1", False),
        ("", False),
    ],
)
def test_formula_text_is_told_from_values(text: str, formula: bool) -> None:
    assert looks_like_formula(text) is formula
