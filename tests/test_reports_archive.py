"""The report archive: the scheduled task makes each missing report of the city, every county
and every township once, keeps the files under MEDIA_ROOT/reports/, and making a report
again replaces its file."""

import datetime
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from shuanglian.models import ReportArchive
from shuanglian.reports.archive import archive_report, download_name
from shuanglian.reports.periods import Period
from shuanglian.reports.tasks import make_scheduled_reports
from tests.conftest import ScopeWorld

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 2)
CITY = "371700000000"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def expected_periods() -> set[str]:
    return {Period.last_complete(kind, TODAY).code for kind in ("week", "month", "quarter")}


def test_the_scheduled_task_makes_every_missing_report_once(
    scope_world: ScopeWorld, media: Path
) -> None:
    result = make_scheduled_reports.call(TODAY.isoformat())
    # The city, two counties and three townships; three periods; two formats.
    assert result == {"made": 6 * 3 * 2, "failed": []}
    assert expected_periods() == {"2026-W48", "2026-11", "2026-Q3"}
    rows = ReportArchive.objects.all()
    assert {row.period for row in rows} == expected_periods()
    codes = {row.area_code for row in rows}
    places = (scope_world.home, scope_world.next_door, scope_world.far)
    townships = {place.village.township.code for place in places}
    assert codes == {CITY, "371728000000", "371721000000", *townships}
    assert {row.level for row in rows} == {"city", "county", "township"}
    assert all(row.made_by is None for row in rows)
    for row in rows:
        path = Path(row.file.path)
        assert path.is_relative_to(media / "reports")
        content = path.read_bytes()
        assert len(content) == row.size
        assert content.startswith(b"%PDF" if row.format == "pdf" else b"PK")


def test_running_the_task_twice_makes_nothing_new(scope_world: ScopeWorld, media: Path) -> None:
    make_scheduled_reports.call(TODAY.isoformat())
    before = {row.pk: (row.file.name, row.made_at) for row in ReportArchive.objects.all()}
    files = sorted(media.rglob("*.*"))
    assert make_scheduled_reports.call(TODAY.isoformat()) == {"made": 0, "failed": []}
    after = {row.pk: (row.file.name, row.made_at) for row in ReportArchive.objects.all()}
    assert after == before
    assert sorted(media.rglob("*.*")) == files


def test_the_task_makes_only_what_is_missing(scope_world: ScopeWorld) -> None:
    township = scope_world.home.village.township.code
    archive_report(user=None, area_code=township, period="2026-11", fmt="pdf", today=TODAY)
    result = make_scheduled_reports.call(TODAY.isoformat())
    assert result["made"] == 6 * 3 * 2 - 1
    assert ReportArchive.objects.filter(area_code=township, period="2026-11").count() == 2


def test_a_new_week_brings_the_new_week_s_reports_only(scope_world: ScopeWorld) -> None:
    make_scheduled_reports.call(TODAY.isoformat())
    week_later = TODAY + datetime.timedelta(days=7)
    assert make_scheduled_reports.call(week_later.isoformat()) == {"made": 12, "failed": []}
    assert ReportArchive.objects.filter(period="2026-W49").count() == 12


def test_making_a_report_again_replaces_its_file(
    scope_world: ScopeWorld, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    user = scope_world.users["county"]
    first = archive_report(user=None, area_code="371728000000", period="2026-11", fmt="xlsx")
    old_path = Path(first.file.path)
    with django_capture_on_commit_callbacks(execute=True):
        again = archive_report(user=user, area_code="371728000000", period="2026-11", fmt="xlsx")
    assert again.pk == first.pk
    assert again.made_by == user
    assert Path(again.file.path).exists()
    assert ReportArchive.objects.count() == 1
    assert not old_path.exists()
    assert [p.name for p in media.rglob("*.xlsx")] == [Path(again.file.path).name]


def test_an_archived_report_is_downloaded_under_its_chinese_name(scope_world: ScopeWorld) -> None:
    row = archive_report(user=None, area_code="371728000000", period="2026-11", fmt="pdf")
    assert row.area_name == "东明县"
    assert download_name(row) == "东明县_月报_2026-11.pdf"
    assert Path(row.file.name).name.isascii()


def test_the_task_goes_through_the_task_backend(scope_world: ScopeWorld) -> None:
    result = make_scheduled_reports.enqueue(TODAY.isoformat())
    # Tests run tasks at once (the immediate backend); the worker runs them in production.
    assert result.return_value["made"] == 36


def test_the_schedule_command_queues_the_task(scope_world: ScopeWorld, settings: Any) -> None:
    out = io.StringIO()
    call_command("schedule_reports", "--today", TODAY.isoformat(), stdout=out)
    assert "定期报表已排入后台任务" in out.getvalue()
    assert ReportArchive.objects.count() == 36
    with pytest.raises(CommandError, match="不是日期"):
        call_command("schedule_reports", "--today", "2026-13-01")
