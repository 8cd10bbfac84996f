"""``manage.py make_report``: a report written to a file as a named user (--by) or as the
system, refused with the reason, always audited with the operating-system user."""

import io
import os
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from shuanglian.models import AuditEvent
from shuanglian.reports.periods import Period
from tests.conftest import ScopeWorld
from villages.imports.audit import SYSTEM_ACTOR
from villages.management.commands.import_roster import os_user

pytestmark = pytest.mark.django_db

CITY = "371700000000"
COUNTY = "371728000000"
MONTH = Period.last_complete("month", timezone.localdate())


def make(path: Path, *arguments: str) -> str:
    out = io.StringIO()
    call_command("make_report", str(path), *arguments, stdout=out)
    return out.getvalue()


def test_the_system_writes_the_city_s_monthly_workbook(
    scope_world: ScopeWorld, tmp_path: Path
) -> None:
    path = tmp_path / "月报.xlsx"
    said = make(path, "--area", CITY, "--period", MONTH.code, "--format", "xlsx")
    assert str(path) in said
    openpyxl.load_workbook(path)
    event = AuditEvent.objects.get(action="report_export")
    assert (event.username, event.user_id) == (SYSTEM_ACTOR, None)
    assert event.details["area"] == CITY
    assert event.details["period"] == MONTH.code
    assert event.details["format"] == "xlsx"
    assert event.details["source"] == "command"
    assert event.details["os_user"] == os_user()


@pytest.mark.parametrize("period", ["2026-W47", "2026-Q3"])
def test_a_named_user_writes_a_pdf_of_their_area_and_is_named_in_the_audit_trail(
    scope_world: ScopeWorld, tmp_path: Path, period: str
) -> None:
    township = scope_world.home.village.township
    path = tmp_path / "周报.pdf"
    make(path, "--area", township.code, "--period", period, "--format", "pdf", "--by", "township")
    assert path.read_bytes().startswith(b"%PDF")
    event = AuditEvent.objects.get(action="report_export")
    assert (event.username, event.user_id) == ("township", scope_world.users["township"].pk)
    assert (event.details["area"], event.details["period"]) == (township.code, period)
    assert event.details["os_user"] == os_user()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--area", CITY, "--period", "2026-13"], None),
        (["--area", CITY, "--period", "abc"], None),
        (["--area", "371799000000", "--period", "2026-11"], "没有区划代码为371799000000的"),
        (["--area", "12", "--period", "2026-11"], "没有区划代码为12的"),
        (["--area", CITY, "--period", "2026-11", "--by", "nobody"], "没有名为nobody的有效用户"),
        (
            ["--area", CITY, "--period", "2026-11", "--by", "township"],
            "township无权获取菏泽市的统计报表。",
        ),
        (
            ["--area", COUNTY, "--period", "2026-11", "--by", "liaison"],
            "liaison无权获取东明县的统计报表。",
        ),
    ],
)
def test_a_report_that_cannot_be_made_exits_with_the_reason_and_writes_nothing(
    scope_world: ScopeWorld, tmp_path: Path, arguments: list[str], message: str | None
) -> None:
    path = tmp_path / "报表.xlsx"
    if message is None:
        # The reason is the period's own.
        try:
            Period.parse(arguments[3])
        except ValueError as error:
            message = str(error)
    with pytest.raises(CommandError) as refused:
        make(path, *arguments, "--format", "xlsx")
    assert message in str(refused.value)
    assert not path.exists()
    assert not AuditEvent.objects.filter(action="report_export").exists()


def test_a_village_has_no_report(scope_world: ScopeWorld, tmp_path: Path) -> None:
    code = scope_world.home.village.code
    with pytest.raises(CommandError, match="不按村（社区）生成"):
        make(tmp_path / "村.xlsx", "--area", code, "--period", MONTH.code, "--format", "xlsx")


def test_a_period_not_yet_begun_is_refused(scope_world: ScopeWorld, tmp_path: Path) -> None:
    later = f"{timezone.localdate().year + 1}-06"
    with pytest.raises(CommandError):
        make(tmp_path / "r.xlsx", "--area", CITY, "--period", later, "--format", "xlsx")
    assert not AuditEvent.objects.filter(action="report_export").exists()


def test_a_file_that_cannot_be_written_is_refused_before_the_report_is_made(
    scope_world: ScopeWorld, tmp_path: Path
) -> None:
    arguments = ["--area", CITY, "--period", MONTH.code, "--format", "xlsx"]
    with pytest.raises(CommandError, match="没有这个文件夹"):
        make(tmp_path / "无" / "r.xlsx", *arguments)
    with pytest.raises(CommandError, match="是文件夹，请指定文件"):
        make(tmp_path, *arguments)
    if os.geteuid() != 0:
        locked = tmp_path / "只读"
        locked.mkdir()
        locked.chmod(0o500)
        with pytest.raises(CommandError, match="无法写入"):
            make(locked / "r.xlsx", *arguments)
    assert not AuditEvent.objects.filter(action="report_export").exists()


def test_an_unknown_format_is_refused_by_the_command_line(
    scope_world: ScopeWorld, tmp_path: Path
) -> None:
    with pytest.raises(CommandError):
        make(tmp_path / "r.doc", "--area", CITY, "--period", MONTH.code, "--format", "doc")
