import datetime

import pytest
from django.utils import translation

from shuanglian.reports.periods import Period

D = datetime.date


@pytest.fixture(autouse=True)
def chinese() -> None:
    with translation.override("zh-hans"):
        yield


def test_a_month_runs_from_its_first_to_its_last_day() -> None:
    period = Period.parse("2026-11")
    assert (period.kind, period.start, period.end) == ("month", D(2026, 11, 1), D(2026, 11, 30))
    assert Period.parse("2028-02").end == D(2028, 2, 29)
    assert Period.parse("2026-12").end == D(2026, 12, 31)


def test_an_iso_week_runs_from_monday_to_sunday() -> None:
    period = Period.parse("2026-W47")
    assert (period.kind, period.start, period.end) == ("week", D(2026, 11, 16), D(2026, 11, 22))


def test_2026_has_a_53rd_week_that_ends_in_january() -> None:
    # 1 January 2026 is a Thursday, so ISO 2026 has 53 weeks; its last, W53, holds 1 January
    # 2027, and week 1 of 2027 starts on the Monday after, 4 January.
    assert Period.parse("2026-W53").start == D(2026, 12, 28)
    assert Period.parse("2026-W53").end == D(2027, 1, 3)
    assert Period.parse("2027-W01").start == D(2027, 1, 4)
    assert Period.parse("2026-W01").start == D(2025, 12, 29)


def test_a_quarter_covers_three_months() -> None:
    period = Period.parse("2026-Q4")
    assert (period.kind, period.start, period.end) == ("quarter", D(2026, 10, 1), D(2026, 12, 31))
    assert Period.parse("2026-Q1").end == D(2026, 3, 31)


@pytest.mark.parametrize(
    "code", ["2026-11", "2026-01", "2026-W47", "2026-W53", "2027-W01", "2026-Q4"]
)
def test_the_code_reads_back_as_the_same_period(code: str) -> None:
    period = Period.parse(code)
    assert period.code == code
    assert Period.parse(period.code) == period


def test_lower_case_and_spaces_around_are_read() -> None:
    assert Period.parse(" 2026-w47 ") == Period.parse("2026-W47")
    assert Period.parse("2026-q4") == Period.parse("2026-Q4")


@pytest.mark.parametrize(
    "text", ["", "2026", "2026-1", "26-11", "2026/11", "2026-W4", "2026-Q", "2026-11-01", "x"]
)
def test_anything_else_is_refused_in_chinese(text: str) -> None:
    with pytest.raises(ValueError) as refused:
        Period.parse(text)
    assert str(refused.value) == "报表期间应写作 2026-11、2026-W47 或 2026-Q4。"


def test_a_period_that_cannot_exist_is_refused_with_the_reason() -> None:
    with pytest.raises(ValueError) as refused:
        Period.parse("2025-W53")
    assert str(refused.value) == "2025年没有第53周：该年共52周。"
    with pytest.raises(ValueError) as refused:
        Period.parse("2026-W00")
    assert str(refused.value) == "2026年没有第0周：该年共53周。"
    with pytest.raises(ValueError) as refused:
        Period.parse("2026-13")
    assert str(refused.value) == "月份应为 01 至 12，不能是 13。"
    with pytest.raises(ValueError) as refused:
        Period.parse("2026-Q5")
    assert str(refused.value) == "季度应为 Q1 至 Q4，不能是 Q5。"


def test_labels_are_written_as_the_forms_write_them() -> None:
    assert Period.parse("2026-11").label == "2026年11月"
    assert Period.parse("2026-W47").label == "2026年第47周（11月16日—11月22日）"
    assert Period.parse("2026-Q4").label == "2026年第四季度"
    assert Period.parse("2026-W53").label == "2026年第53周（12月28日—1月3日）"
    assert Period.parse("2026-11").kind_label == "月报"


def test_labels_are_english_for_an_english_reader() -> None:
    with translation.override("en"):
        assert Period.parse("2026-W47").label == "Week 47 of 2026 (11/16-11/22)"
        assert Period.parse("2026-Q4").label == "fourth quarter of 2026"


def test_the_previous_week_crosses_the_year_end() -> None:
    assert Period.parse("2026-W53").previous() == Period.parse("2026-W52")
    assert Period.parse("2027-W01").previous() == Period.parse("2026-W53")
    assert Period.parse("2026-W53").next() == Period.parse("2027-W01")
    assert Period.parse("2026-W01").previous() == Period.parse("2025-W52")


def test_the_previous_month_and_quarter_cross_the_year_end() -> None:
    assert Period.parse("2027-01").previous() == Period.parse("2026-12")
    assert Period.parse("2026-11").previous() == Period.parse("2026-10")
    assert Period.parse("2027-Q1").previous() == Period.parse("2026-Q4")
    assert Period.parse("2026-Q3").previous() == Period.parse("2026-Q2")


def test_containing_finds_the_period_a_day_falls_in() -> None:
    assert Period.containing("week", D(2027, 1, 1)) == Period.parse("2026-W53")
    assert Period.containing("week", D(2026, 12, 28)) == Period.parse("2026-W53")
    assert Period.containing("week", D(2027, 1, 4)) == Period.parse("2027-W01")
    assert Period.containing("month", D(2026, 11, 30)) == Period.parse("2026-11")
    assert Period.containing("quarter", D(2026, 11, 30)) == Period.parse("2026-Q4")


def test_the_last_complete_period_ended_before_today() -> None:
    assert Period.last_complete("month", D(2026, 12, 5)) == Period.parse("2026-11")
    assert Period.last_complete("month", D(2027, 1, 1)) == Period.parse("2026-12")
    assert Period.last_complete("week", D(2027, 1, 4)) == Period.parse("2026-W53")
    assert Period.last_complete("week", D(2027, 1, 3)) == Period.parse("2026-W52")
    assert Period.last_complete("quarter", D(2027, 2, 1)) == Period.parse("2026-Q4")


def test_a_period_is_future_until_its_first_day() -> None:
    period = Period.parse("2026-12")
    assert period.is_future(D(2026, 11, 30))
    assert not period.is_future(D(2026, 12, 1))
    assert not period.is_complete(D(2026, 12, 31))
    assert period.is_complete(D(2027, 1, 1))
