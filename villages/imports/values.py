"""Reading one roster cell: header names and their variants, and each column's values.

Every parser returns the clean value, or ``None`` for an empty cell, and raises
``RowError`` with a message the village clerk can act on.
"""

import decimal
import re
import unicodedata
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from common.translatable import gettext as _
from villages.models import Household
from villages.validators import (
    clean_text,
    looks_like_formula,
    normalize_phone,
    normalize_resident_id,
)

# Field → header variants, most specific first. Matching ignores spaces, full-width forms,
# "*" required-markers and a trailing note in brackets, e.g. "身份证号码（18位）".
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "head_name": ("户主姓名", "户主名称", "户主", "姓名"),
    "id_number": (
        "户主身份证号码",
        "户主身份证号",
        "身份证号码",
        "身份证号",
        "公民身份号码",
        "公民身份证号码",
        "身份证件号码",
        "户主证件号码",
        "证件号码",
        "身份证",
    ),
    "phone": (
        "联系电话",
        "户主联系电话",
        "户主电话",
        "联系方式",
        "联系手机",
        "手机号码",
        "手机号",
        "移动电话",
        "电话号码",
        "电话",
        "手机",
    ),
    "members": (
        "家庭人口",
        "家庭人口数",
        "家庭总人口",
        "家庭人数",
        "人口数",
        "家庭成员数",
        "家庭成员",
        "人口",
        "人数",
    ),
    "category": ("户类型", "户类别", "农户类型", "户属性", "类别", "类型", "是否贫困户"),
    "address": ("家庭住址", "家庭地址", "现住址", "居住地址", "详细地址", "住址", "地址"),
    "village": (
        "所在村",
        "所属村",
        "村（社区）",
        "村(社区)",
        "村（居）",
        "村(居)",
        "行政村",
        "村委会",
        "村名称",
        "村名",
        "村庄",
        "村居",
        "社区",
        "村",
        # One cell for both: "青堌集镇王庄村".
        "乡镇村",
        "乡镇/村",
        "所在乡镇村",
    ),
    # County and township rosters: tells apart villages of the same name. "乡镇（街道）",
    # "镇（街道）" and "乡(镇)" are matched by what is before the bracket.
    "township": (
        "所属乡镇",
        "所在乡镇",
        "乡镇名称",
        "乡镇街道",
        "乡镇/街道",
        "乡镇办",
        "乡镇",
        "镇街",
        "镇办",
        "街道办事处",
        "街道",
        "乡",
        "镇",
    ),
    # A register of residents has a row per person; the household is the head's row.
    "relation": ("与户主关系", "与户主的关系", "家庭关系", "关系"),
}
REQUIRED_FIELDS = ("head_name", "id_number")
HEAD_RELATIONS = {"户主", "本人", "户主本人"}
COLUMN_LABELS = {
    "head_name": gettext_lazy("head of household"),
    "id_number": gettext_lazy("resident ID number"),
    "phone": gettext_lazy("phone"),
    "members": gettext_lazy("family members"),
    "category": gettext_lazy("household category"),
    "address": gettext_lazy("address"),
    "village": gettext_lazy("village or community"),
    "township": gettext_lazy("township or subdistrict"),
    "relation": gettext_lazy("relation to the head"),
}

_BRACKETED_NOTE = re.compile(r"[（(].*[)）]$")
_PHONE_SEPARATORS = re.compile(r"[、,，/;；|]+")
_EXCEL_NUMBER = re.compile(r"^\d(\.\d+)?E\+?\d+$", re.IGNORECASE)
_CHINESE_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7}
_CHINESE_DIGITS |= {"八": 8, "九": 9}
_YES = {"是", "y", "yes", "1", "√", "✓", "true"}
_NO = {"否", "n", "no", "0", "×", "false"}
# Every way a household category is written in rosters, old and new, in one place. The
# names changed over the years (贫困户 → 建档立卡户 → 脱贫户; 五保户 → 特困供养户; 边缘户 →
# 监测户), and clerks drop the trailing 户 or add a 农村/城市; matching ignores that
# (``category_key``), so each name is listed once.
CATEGORY_SYNONYMS: dict[str, tuple[str, ...]] = {
    Household.Category.GENERAL: ("一般", "一般农", "普通", "普通农", "非贫困", "非建档立卡"),
    Household.Category.LIFTED: (
        "脱贫",
        "已脱贫",
        "脱贫享受政策",
        "脱贫不享受政策",
        "稳定脱贫",
        "贫困",
        "建档立卡",
        "建档立卡贫困",
        "建档立卡脱贫",
    ),
    Household.Category.MONITORED: (
        "监测",
        "监测对象",
        "防返贫监测",
        "防返贫监测对象",
        "返贫监测",
        "返贫监测对象",
        "防止返贫监测",
        "防止返贫监测对象",
        "边缘",
        "边缘易致贫",
        "脱贫不稳定",
        "突发严重困难",
    ),
    Household.Category.SUBSISTENCE: ("低保", "低保对象", "最低生活保障"),
    Household.Category.DESTITUTE: (
        "特困",
        "特困供养",
        "特困供养人员",
        "特困人员",
        "分散供养特困",
        "集中供养特困",
        "五保",
        "五保供养",
        "特困(五保)",
        "五保(特困)",
    ),
}


def category_key(value: object) -> str:
    """A category as written, without what varies: full-width forms, 农村/城市, a final 户."""
    text = unicodedata.normalize("NFKC", clean_text(value))
    text = text.replace("（", "(").replace("）", ")").removeprefix("农村").removeprefix("城市")
    return text.removesuffix("户")


_CATEGORY_WORDS: dict[str, str] = {
    category_key(word): category for category, words in CATEGORY_SYNONYMS.items() for word in words
}
MAX_MEMBERS = 30
# Control characters other than tab and line breaks, and lone surrogates: invisible, never
# typed on purpose, and some (NUL) cannot be stored at all.
_CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


class RowError(Exception):
    """A cell that cannot be imported; ``str()`` says why."""


def header_key(value: object) -> str:
    text = clean_text(value).replace("*", "").replace("＊", "")
    return _BRACKETED_NOTE.sub("", text)


def control_character(row: list[object]) -> tuple[int, str] | None:
    """The first text cell of a row holding a control character, and the character."""
    texts = [cell for cell in row if isinstance(cell, str)]
    # One search over the whole row keeps the usual, clean row cheap.
    if not texts or not _CONTROL_CHARACTER.search("".join(texts)):
        return None
    for index, cell in enumerate(row):
        if isinstance(cell, str) and (found := _CONTROL_CHARACTER.search(cell)):
            return index, found.group()
    return None


def control_character_message(character: str) -> str:
    return _(
        "The cell holds an invisible control character (%(code)s) that cannot be stored. "
        "Delete it, or type the cell's text again."
    ) % {"code": f"U+{ord(character):04X}"}


def without_control_characters(text: str) -> str:
    return _CONTROL_CHARACTER.sub("", text)


def is_blank(value: object) -> bool:
    # str.isspace() covers the full-width and non-breaking spaces clean_text removes.
    return value is None or (isinstance(value, str) and (not value or value.isspace()))


# Besides letters (Chinese characters are letters), the dots between the parts of a
# minority name, as typed on Chinese and Western keyboards; and 〇, a character of names
# that Unicode files as a number.
_NAME_DOTS = frozenset("·•‧・.")
_NAME_NUMBERS = frozenset("〇")
MAX_NAME = 50


def is_person_name(text: str) -> bool:
    """Letters, with dots between parts; no digits, punctuation or symbols."""
    return any(ch.isalpha() for ch in text) and all(
        ch.isalpha()
        or ch in _NAME_DOTS
        or ch in _NAME_NUMBERS
        or unicodedata.category(ch).startswith("M")
        for ch in text
    )


def parse_name(value: object) -> str | None:
    if is_blank(value):
        return None
    text = clean_text(value)
    # Checked before the note is cut off: =WEBSERVICE("…") must not become "=WEBSERVICE".
    if looks_like_formula(text):
        raise RowError(
            _(
                "The name of the head of household “%(name)s” is a spreadsheet formula, not a "
                "name; type the head's name."
            )
            % {"name": shortened(text)}
        )
    # "王建国（户主）": the note is the clerk's, the name is what is before it.
    name = _BRACKETED_NOTE.sub("", text) or text
    if len(name) > MAX_NAME:
        raise RowError(
            _("The name of the head of household is longer than %(max)s characters.")
            % {"max": MAX_NAME}
        )
    if not is_person_name(name):
        raise RowError(
            _(
                "The name of the head of household “%(name)s” is not a name: write it in "
                "Chinese characters or letters, with “·” between the parts of a minority name."
            )
            % {"name": name}
        )
    return name


def shortened(text: str, length: int = MAX_NAME) -> str:
    """Text quoted in a rejection, cut to a readable length."""
    return text if len(text) <= length else f"{text[: length - 1]}…"


def parse_resident_id(value: object) -> str | None:
    if is_blank(value):
        return None
    # Excel stores numbers in 15 significant digits: an 18-digit ID typed as a number is
    # already damaged (3.71721E+17, or trailing zeros) and must be retyped as text.
    if isinstance(value, float) and value.is_integer() and value >= 1e17:
        raise RowError(digits_lost_message(value))
    if isinstance(value, float) or (isinstance(value, int) and len(str(value)) > 15):
        raise RowError(excel_number_message())
    # A leading apostrophe is how clerks force Excel to keep digits as text.
    text = clean_text(value).upper().lstrip("'‘’`")
    if _EXCEL_NUMBER.match(text):
        raise RowError(excel_number_message())
    try:
        return normalize_resident_id(text)
    except ValidationError as error:
        if error.code == "checksum" and len(text) == 18 and text.endswith("000"):
            raise RowError(excel_number_message()) from None
        raise RowError(error.messages[0]) from None


def excel_number_message() -> str:
    return _(
        "The resident ID was turned into a number by Excel; "
        "format the column as text and retype it."
    )


def digits_lost_message(value: float) -> str:
    # A float holds 15–17 significant digits of the 18: the rest are gone for good.
    return _(
        "The resident ID was turned into a number by Excel and its last digits were lost "
        "(%(digits)s); format the column as text and type the ID again."
    ) % {"digits": str(int(decimal.Decimal(repr(value))))}


def parse_phone(value: object) -> str | None:
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    # Clerks often write two numbers ("138…、139…"): the first that is a phone number is kept.
    errors = []
    for part in _PHONE_SEPARATORS.split(str(value)):
        try:
            return normalize_phone(part)
        except ValidationError as error:
            errors.append(error)
    raise RowError(
        _("%(reason)s (%(value)s)") % {"reason": errors[0].messages[0], "value": clean_text(value)}
    )


def parse_members(value: object) -> int | None:
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise RowError(members_message())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        count = value
    else:
        text = clean_text(value).rstrip("人口")
        count = int(text) if text.isdigit() else _chinese_number(text)
    if count is None or not 1 <= count <= MAX_MEMBERS:
        raise RowError(members_message())
    return count


def members_message() -> str:
    return _("Family members must be a number from 1 to %(max)s, such as 3 or “3人”.") % {
        "max": MAX_MEMBERS
    }


def _chinese_number(text: str) -> int | None:
    """一 … 九, 十, 十一 … 二十九: the family sizes people write out."""
    if text in _CHINESE_DIGITS:
        return _CHINESE_DIGITS[text]
    if "十" in text and len(text) <= 3:
        tens, _sep, ones = text.partition("十")
        tens_value = _CHINESE_DIGITS.get(tens, None) if tens else 1
        ones_value = _CHINESE_DIGITS.get(ones, None) if ones else 0
        if tens_value is not None and ones_value is not None:
            return tens_value * 10 + ones_value
    return None


def category_parser(header: object) -> Callable[[object], str | None]:
    """The parser for a category column; "是否贫困户" columns hold yes/no."""
    if "是否" in header_key(header):
        return parse_poverty_flag
    return parse_category


def parse_category(value: object) -> str | None:
    if is_blank(value):
        return None
    category = _CATEGORY_WORDS.get(category_key(value))
    if category is not None:
        return category
    text = clean_text(value)
    raise RowError(
        _("Unknown household category “%(value)s”; use one of: %(labels)s.")
        % {"value": text, "labels": list(Household.Category.labels)}
    )


def parse_poverty_flag(value: object) -> str | None:
    if is_blank(value):
        return None
    text = clean_text(value).lower()
    if text in _YES:
        return Household.Category.LIFTED
    if text in _NO:
        return Household.Category.GENERAL
    # Clerks write the category itself in such columns as often as yes or no.
    category = _CATEGORY_WORDS.get(category_key(value))
    if category is not None:
        return category
    raise RowError(_("Write 是 or 否 in the column for poor households."))


def parse_address(value: object) -> str | None:
    if is_blank(value):
        return None
    address = " ".join(str(value).split())
    if looks_like_formula(address):
        raise RowError(
            _("The address “%(address)s” is a spreadsheet formula; type the address itself.")
            % {"address": shortened(address)}
        )
    if len(address) > 200:
        raise RowError(_("The address is longer than 200 characters."))
    return address


VILLAGE_SUFFIXES = ("村民委员会", "居民委员会", "社区居委会", "村委会", "居委会", "社区", "村")


def village_key(name: object) -> str:
    """A village name without its 村/社区 suffix, for matching what clerks write."""
    text = clean_text(name)
    for suffix in VILLAGE_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


TOWNSHIP_SUFFIXES = ("街道办事处", "办事处", "街道", "镇", "乡")
# What clerks put between a township and a village in one cell: "青堌集镇-王庄村".
_PLACE_SEPARATORS = " -_/\\|·.、,;:()—–"


def township_key(name: object) -> str:
    """A township name without its 镇/乡/街道 suffix, for matching what clerks write."""
    text = clean_text(name)
    for suffix in TOWNSHIP_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


def after_place(text: str, place: str) -> str | None:
    """What follows ``place`` at the start of ``text`` (and a separator), or None."""
    if not place or not text.startswith(place):
        return None
    rest = text[len(place) :].lstrip(_PLACE_SEPARATORS)
    return rest or None


# A roster's title: "2026年东明县沙沃镇蔡寨村农户花名册". The year and the areas above the
# village come first; a word ending in 村 or 社区 is the village.
_TITLE_YEAR = re.compile(r"^\d{2,4}年度?")
_TITLE_AREA = re.compile(r"^[\u3400-\u9fff]{1,8}?(?:省|市|县|区|旗|镇|乡|街道办事处|街道|办事处)")
_TITLE_VILLAGE = re.compile(
    r"^[\u3400-\u9fff]{1,10}?(?:村民委员会|居民委员会|村委会|居委会|社区|村)"
)
# Words ending in 村 that name no village: 农村低保户, 全村, 本村, 行政村.
_NOT_VILLAGES = frozenset(("农", "乡", "全", "各", "本", "该", "行政", "自然", "新农", "美丽乡"))


def village_named_in(text: object) -> str | None:
    """The village a title or a sheet name starts with after its year and areas, if any."""
    rest = _TITLE_YEAR.sub("", clean_text(text))
    while (area := _TITLE_AREA.match(rest)) and _TITLE_VILLAGE.match(rest[area.end() :]):
        rest = rest[area.end() :]
    found = _TITLE_VILLAGE.match(rest)
    if found is None or village_key(found.group()) in _NOT_VILLAGES:
        return None
    return found.group()


def names_village(text: object, name: str) -> bool:
    """Whether ``text`` mentions the village ``name``, with or without its suffix."""
    key = village_key(name)
    return (key if len(key) > 1 else clean_text(name)) in clean_text(text)
