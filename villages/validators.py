"""Resident ID numbers and phone numbers: normalizing, validating and masking.

Resident IDs follow GB 11643-1999: 17 digits and an ISO 7064 MOD 11-2 check character,
which may be ``X``. Legacy 15-digit IDs (two-digit year, no check character) are converted.
"""

import datetime
import operator
import re
import time
import unicodedata

from django.core.exceptions import ValidationError
from django.utils import timezone

from common.translatable import gettext as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_ID_18 = re.compile(r"^[0-9]{17}[0-9X]$")
_ID_15 = re.compile(r"^[0-9]{15}$")
_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
# Area code 0 + 2-3 digits, then a 7-8 digit local number.
_LANDLINE = re.compile(r"^0[0-9]{2,3}[0-9]{7,8}$")


def clean_text(value: object) -> str:
    """Fold full-width characters to ASCII and drop every kind of white space."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    # Rosters are read cell by cell, so the common, already clean case is kept cheap.
    if not text.isascii() and not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return "".join(text.split())


# What a spreadsheet evaluates when typed into a cell: "=…", "@…", and "+…" or "-…" before
# a letter, digit or bracket ("-" or "--" alone is a clerk's "nothing here").
_FORMULA = re.compile(r"^(?:[=@]|[+-]+[A-Za-z0-9(=@\"'.])")


def looks_like_formula(text: str) -> bool:
    """Whether ``text`` (already cleaned) is formula text rather than a value."""
    return bool(_FORMULA.match(text))


_today_cache: tuple[float, datetime.date] = (0.0, datetime.date.min)


def _today() -> datetime.date:
    """Today's local date, looked up at most once a minute (rosters check it per row)."""
    global _today_cache
    checked_at, today = _today_cache
    now = time.monotonic()
    if now - checked_at > 60:
        today = timezone.localdate()
        _today_cache = (now, today)
    return today


def check_character(first17: str) -> str:
    """The GB 11643-1999 check character for the first 17 digits."""
    if len(first17) != 17:
        raise ValueError("the check character is computed from 17 digits")
    return _CHECK_CHARS[sum(map(operator.mul, map(int, first17), _WEIGHTS)) % 11]


def _birth_date(digits: str) -> datetime.date | None:
    try:
        return datetime.date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def normalize_resident_id(value: object) -> str:
    """Return the 18-character resident ID, or raise ValidationError saying what is wrong."""
    text = clean_text(value).upper()
    if not text:
        raise ValidationError(_("Resident ID number is empty."), code="empty")
    if _ID_15.match(text):
        text = f"{text[:6]}19{text[6:]}"
        text += check_character(text)
    if not _ID_18.match(text):
        raise ValidationError(
            _("A resident ID number has 18 characters: 17 digits and a digit or X."),
            code="format",
        )
    born = _birth_date(text[6:14])
    if born is None or born.year < 1900 or born > _today():
        raise ValidationError(
            _("The birth date in the resident ID number is not a real date."),
            code="birth_date",
        )
    if check_character(text[:17]) != text[17]:
        raise ValidationError(
            _("The check digit of the resident ID number is wrong; please check each digit."),
            code="checksum",
        )
    return text


def validate_resident_id(value: str) -> None:
    """Model field validator: the stored value must already be the normalized 18 characters."""
    if normalize_resident_id(value) != value:
        raise ValidationError(
            _("Store the resident ID number as 18 characters with an upper-case X."),
            code="not_normalized",
        )


def mask_resident_id(value: str) -> str:
    """Keep the first and last four, hiding region detail and birth date: ``3717**********123X``."""
    if len(value) < 10:
        return "*" * len(value)
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"


def normalize_phone(value: object) -> str:
    """Return a mobile number or an area-coded landline as plain digits, or raise."""
    text = clean_text(value)
    text = text.replace("-", "").replace("(", "").replace(")", "")
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    if _MOBILE.match(text) or _LANDLINE.match(text):
        return text
    raise ValidationError(
        _("Enter an 11-digit mobile number or a landline number with its area code."),
        code="phone",
    )


def validate_phone(value: str) -> None:
    """Model field validator for an already normalized phone number."""
    if value and normalize_phone(value) != value:
        raise ValidationError(
            _("Store the phone number as digits only."), code="phone_not_normalized"
        )


def mask_phone(value: str) -> str:
    """Keep the first three and last four digits: ``138****5678``."""
    if len(value) <= 7:
        return value
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"


# An 18-character resident ID or an 11-digit mobile number standing on its own in free text.
_PERSONAL_NUMBER = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9Xx]|1[3-9][0-9]{9})(?![0-9])")


def mask_personal_numbers(text: str) -> str:
    """Mask every resident ID and mobile number in ``text`` (log lines, error reports)."""

    def masked(match: re.Match[str]) -> str:
        number = match.group()
        return mask_phone(number) if len(number) == 11 else mask_resident_id(number.upper())

    return _PERSONAL_NUMBER.sub(masked, text)
