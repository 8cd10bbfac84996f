"""Who takes which area's periodic reports from the dashboard and from the archive, what the
audit trail keeps of it, and what a malformed request is answered with."""

import datetime
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shuanglian.models import AuditEvent, ReportArchive
from shuanglian.reports.archive import archive_report
from shuanglian.reports.periods import Period
from tests.conftest import SCOPE_ROLES, ScopeWorld
from tests.factories import make_township, make_village

pytestmark = pytest.mark.django_db

CITY = "371700000000"
COUNTY = "371728000000"
FAR_COUNTY = "371721000000"
MONTH = Period.last_complete("month", timezone.localdate())
ROLES = SCOPE_ROLES


def areas(world: ScopeWorld) -> dict[str, str]:
    """The report areas of the scope world by name: the city, the home and the far county,
    and the home, next-door and far townships."""
    return {
        "city": CITY,
        "county": COUNTY,
        "far_county": FAR_COUNTY,
        "home": world.home.village.township.code,
        "next_door": world.next_door.village.township.code,
        "far": world.far.village.township.code,
    }


# The areas each role may take the reports of; every other role none.
ALLOWED = {
    "city": {"city", "county", "far_county", "home", "next_door", "far"},
    "county": {"county", "home", "next_door"},
    "township": {"home"},
    "other_township": {"next_door"},
}


def client_of(world: ScopeWorld, role: str) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def ask(client: Client, area: str, fmt: str = "xlsx", period: str = MONTH.code) -> Any:
    return client.get(reverse("report"), {"area": area, "period": period, "format": fmt})


@pytest.mark.parametrize("role", ROLES)
def test_each_role_takes_the_reports_of_its_own_areas_only(
    scope_world: ScopeWorld, role: str
) -> None:
    client = client_of(scope_world, role)
    allowed = ALLOWED.get(role, set())
    for name, code in areas(scope_world).items():
        response = ask(client, code)
        if name in allowed:
            assert response.status_code == 200, (role, name)
            assert response.content[:2] == b"PK"
        else:
            assert response.status_code == 403, (role, name, response.status_code)
    taken = AuditEvent.objects.filter(action="report_export")
    assert sorted(event.details["area"] for event in taken) == sorted(
        areas(scope_world)[name] for name in allowed
    )


def test_a_report_is_recorded_with_its_area_period_format_and_source(
    scope_world: ScopeWorld,
) -> None:
    township = scope_world.home.village.township
    response = ask(client_of(scope_world, "township"), township.code, "pdf")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert response["Content-Type"] == "application/pdf"
    event = AuditEvent.objects.get(action="report_export")
    assert event.username == "township"
    assert event.action_label == "导出统计报表"
    details = {key: event.details[key] for key in ("area", "area_name", "period", "format")}
    assert details == {
        "area": township.code,
        "area_name": "甲镇",
        "period": MONTH.code,
        "format": "pdf",
    }
    assert event.details["source"] == "dashboard"


def test_the_download_names_the_file_in_chinese_with_an_ascii_fallback(
    scope_world: ScopeWorld,
) -> None:
    response = ask(client_of(scope_world, "county"), COUNTY)
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="')
    assert "filename*=UTF-8''" in disposition
    fallback = disposition.split('filename="', 1)[1].split('"', 1)[0]
    assert fallback.isascii() and fallback.endswith(".xlsx")
    assert "%E4%B8%9C%E6%98%8E%E5%8E%BF" in disposition  # 东明县, percent-encoded


def test_without_an_area_the_report_is_of_the_user_s_own_area(scope_world: ScopeWorld) -> None:
    client = client_of(scope_world, "county")
    response = client.get(reverse("report"), {"period": MONTH.code, "format": "xlsx"})
    assert response.status_code == 200
    assert AuditEvent.objects.get(action="report_export").details["area"] == COUNTY


def test_a_village_has_no_report(scope_world: ScopeWorld) -> None:
    response = ask(client_of(scope_world, "township"), scope_world.home.village.code)
    assert response.status_code == 404
    assert "报表按市、县区或乡镇（街道）生成，不按村（社区）生成。" in response.text
    assert not AuditEvent.objects.filter(action="report_export").exists()


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"area": "371799000000"}, 404, "没有区划代码为371799000000的市、县区或乡镇（街道）。"),
        ({"area": "abc"}, 404, "没有区划代码为abc的市、县区或乡镇（街道）。"),
        ({"format": "docx"}, 400, "报表格式为 xlsx 或 pdf。"),
        ({"format": ""}, 400, "报表格式为 xlsx 或 pdf。"),
    ],
)
def test_a_bad_area_or_format_is_answered_with_the_reason(
    scope_world: ScopeWorld, params: dict[str, str], status: int, message: str
) -> None:
    query = {"area": CITY, "period": MONTH.code, "format": "xlsx", **params}
    response = client_of(scope_world, "city").get(reverse("report"), query)
    assert response.status_code == status
    assert message in response.text
    assert not AuditEvent.objects.filter(action="report_export").exists()


@pytest.mark.parametrize("period", ["", "2026-13", "2026-W60", "abc", "1\x00", "9" * 10_000])
def test_a_bad_period_is_a_bad_request_with_the_reason(
    scope_world: ScopeWorld, period: str
) -> None:
    response = ask(client_of(scope_world, "city"), CITY, period=period)
    assert response.status_code == 400
    assert 'id="report-refused"' in response.text
    try:
        Period.parse(period)
    except ValueError as error:
        assert str(error) in response.text
    assert not AuditEvent.objects.filter(action="report_export").exists()


def test_a_period_not_yet_begun_is_a_bad_request(scope_world: ScopeWorld) -> None:
    next_year = timezone.localdate().year + 1
    response = ask(client_of(scope_world, "city"), CITY, period=f"{next_year}-06")
    assert response.status_code == 400
    assert 'id="report-refused"' in response.text


def test_someone_signed_out_is_sent_to_sign_in(scope_world: ScopeWorld) -> None:
    response = Client().get(reverse("report"), {"area": CITY, "period": MONTH.code})
    assert response.status_code == 302
    assert "/login/" in response["Location"]


# --- the dashboard's box -----------------------------------------------------------------------


def test_the_dashboard_offers_the_report_box_with_the_last_complete_month_first(
    scope_world: ScopeWorld,
) -> None:
    text = client_of(scope_world, "township").get(reverse("dashboard")).text
    assert "统计报表" in text and "生成报表" in text
    box = text[text.index('id="report-form"') :]
    month_select = box[box.index('id="report-period-month"') :]
    first = month_select[month_select.index("<option") :].split("</option>", 1)[0]
    assert f'value="{MONTH.code}"' in first
    assert f'name="area" value="{scope_world.home.village.township.code}"' in box
    for label in ("周报", "月报", "季报"):
        assert label in box
    archive = reverse("report_archive")
    assert f'href="{archive}?area={scope_world.home.village.township.code}"' in box


def test_a_village_s_dashboard_has_no_report_box(scope_world: ScopeWorld) -> None:
    client = client_of(scope_world, "township")
    text = client.get(reverse("dashboard"), {"area": scope_world.home.village.code}).text
    assert 'id="report-form"' not in text


def test_the_city_s_dashboard_offers_the_city_s_report(scope_world: ScopeWorld) -> None:
    text = client_of(scope_world, "city").get(reverse("dashboard")).text
    assert f'name="area" value="{CITY}"' in text


# --- the archive -------------------------------------------------------------------------------


@pytest.fixture
def archived(scope_world: ScopeWorld, settings: Any, tmp_path: Any) -> dict[str, ReportArchive]:
    """This month's .xlsx report of each area, archived."""
    settings.MEDIA_ROOT = str(tmp_path)
    return {
        name: archive_report(user=None, area_code=code, period=MONTH, fmt="xlsx")
        for name, code in areas(scope_world).items()
    }


@pytest.mark.parametrize("role", ROLES)
def test_each_role_downloads_from_the_archive_its_own_areas_reports_only(
    archived: dict[str, ReportArchive], scope_world: ScopeWorld, role: str
) -> None:
    client = client_of(scope_world, role)
    allowed = ALLOWED.get(role, set())
    for name, row in archived.items():
        response = client.get(reverse("report_archive_download", args=[row.pk]))
        if name in allowed:
            assert response.status_code == 200, (role, name)
            content = b"".join(response.streaming_content)
            assert content[:2] == b"PK"
            assert "filename*=UTF-8''" in response["Content-Disposition"]
        else:
            assert response.status_code == 404, (role, name, response.status_code)
    events = AuditEvent.objects.filter(action="report_export")
    assert sorted(event.object_id for event in events) == sorted(
        str(archived[name].pk) for name in allowed
    )
    assert all(event.details["source"] == "archive" for event in events)


def test_a_download_of_an_archived_report_that_does_not_exist_is_not_found(
    archived: dict[str, ReportArchive], scope_world: ScopeWorld
) -> None:
    client = client_of(scope_world, "city")
    assert client.get(reverse("report_archive_download", args=[999_999])).status_code == 404


def test_the_archive_lists_the_area_s_reports_and_those_of_the_areas_within_it(
    archived: dict[str, ReportArchive], scope_world: ScopeWorld
) -> None:
    client = client_of(scope_world, "county")
    text = client.get(reverse("report_archive"), {"area": COUNTY}).text
    assert "东明县" in text and "甲镇" in text and "乙镇" in text
    assert "丙镇" not in text and "曹县" not in text and "菏泽市" not in text
    assert "共3份报表。" in text
    township = client_of(scope_world, "township")
    text = township.get(reverse("report_archive")).text
    assert "甲镇" in text and "乙镇" not in text
    assert township.get(reverse("report_archive"), {"area": COUNTY}).status_code == 403


def test_the_archive_is_refused_to_liaisons_and_cadres(
    archived: dict[str, ReportArchive], scope_world: ScopeWorld
) -> None:
    for role in ("liaison", "cadre", "auditor", "no_role"):
        response = client_of(scope_world, role).get(reverse("report_archive"))
        assert response.status_code == 403, role


def test_the_archive_lists_a_kind_of_report_alone(
    archived: dict[str, ReportArchive], scope_world: ScopeWorld
) -> None:
    client = client_of(scope_world, "city")
    monthly = client.get(reverse("report_archive"), {"area": CITY, "kind": "month"}).text
    weekly = client.get(reverse("report_archive"), {"area": CITY, "kind": "week"}).text
    assert "共6份报表。" in monthly
    assert "这里还没有存档的报表。" in weekly


def test_the_archive_page_costs_the_same_queries_for_more_reports(
    archived: dict[str, ReportArchive],
    scope_world: ScopeWorld,
    django_assert_max_num_queries: Any,
    settings: Any,
) -> None:
    client = client_of(scope_world, "city")
    client.get(reverse("report_archive"))
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("report_archive"))
    few = len(captured)
    for number in range(40):
        ReportArchive.objects.create(
            area_code=COUNTY,
            area_name="东明县",
            level="county",
            period=f"{2000 + number}-01",
            format="pdf",
            file=ContentFile(b"%PDF-1.7", name=f"r{number}.pdf"),
            size=8,
            made_at=timezone.now() - datetime.timedelta(days=number),
        )
    with django_assert_max_num_queries(few):
        response = client.get(reverse("report_archive"))
    assert response.status_code == 200


@pytest.mark.parametrize("role", ["city", "county", "township"])
def test_the_report_box_costs_the_dashboard_no_query_per_area_or_report(
    scope_world: ScopeWorld, role: str, django_assert_max_num_queries: Any
) -> None:
    client = client_of(scope_world, role)
    client.get(reverse("dashboard"))  # the first reader recounts
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("dashboard"))
    # Counted now: the next request empties the log the capture reads from.
    few = len(captured)
    county = scope_world.home.village.township.county
    for number in range(5):
        township = make_township(county=county, name=f"新{number}镇")
        make_village(township=township, name=f"新{number}村")
        ReportArchive.objects.create(
            area_code=township.code,
            area_name=township.name,
            level="township",
            period=MONTH.code,
            format="pdf",
            file=ContentFile(b"%PDF-1.7", name=f"n{number}.pdf"),
            size=8,
            made_at=timezone.now(),
        )
    client.get(reverse("dashboard"))
    with django_assert_max_num_queries(few):
        response = client.get(reverse("dashboard"))
    assert 'id="report-form"' in response.text
