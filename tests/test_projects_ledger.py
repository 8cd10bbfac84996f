"""The ledger (台账): a year's pools, allocations, payments and projects, totals that reconcile,
kept to the taker's area, from the command line and from admin."""

import io
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pypdf import PdfWriter

from projects import allocations, ledger
from projects import projects as project_steps
from projects.models import Allocation, Disbursement, FundPool, Project
from shuanglian.models import AuditEvent
from tests.conftest import ScopeWorld
from tests.factories import client_for, make_work_group
from units.models import WorkGroup

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year
CENT = Decimal("0.01")


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def png(name: str = "凭证.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def pdf(name: str = "拨付凭证.pdf") -> SimpleUploadedFile:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


def make_project(group: WorkGroup, title: str, pooled: str, *, year: int = YEAR, **kw: Any) -> Any:
    project = Project(
        work_group=group,
        kind=kw.pop("kind", Project.Kind.INDUSTRY),
        title=title,
        year=year,
        budget_pooled=Decimal(pooled),
        **kw,
    )
    return project_steps.save_project(project=project, by=None)


def allocate(project: Project, pool: FundPool, amount: str, step: str) -> Allocation:
    """An allocation taken by the system up to ``step``: applied, reviewed, approved,
    disbursed (paid in two payments), accepted or returned."""
    allocation = allocations.apply_for(project=project, pool=pool, amount=amount, by=None)
    if step == "returned":
        return allocations.give_back(allocation=allocation, by=None, reason="材料不全")
    if step == "applied":
        return allocation
    allocations.review(allocation=allocation, by=None)
    if step == "reviewed":
        return allocation
    allocations.approve(allocation=allocation, by=None)
    if step in ("disbursed", "accepted"):
        first = (Decimal(amount) / 3).quantize(CENT)
        allocations.disburse(allocation=allocation, amount=first, voucher=pdf(), by=None)
        rest = Decimal(amount) - first if step == "accepted" else first
        allocations.disburse(allocation=allocation, amount=rest, voucher=png(), by=None)
    if step == "accepted":
        today = timezone.localdate()
        project_steps.start(project=project, by=None, on=today)
        project_steps.complete(project=project, by=None, on=today)
        project_steps.accept(project=project, by=None, note="验收合格")
    allocation.refresh_from_db()
    return allocation


@dataclass
class Ledger:
    pools: dict[str, FundPool]
    projects: dict[str, Project]


@pytest.fixture
def funds(scope_world: ScopeWorld) -> Ledger:
    """Two pools of the year and one of last year; projects in the three places, allocations
    at every step, amounts with fen that binary floats cannot hold."""
    finance = FundPool.objects.create(
        source=FundPool.Source.FINANCE,
        name="衔接推进乡村振兴补助资金",
        amount=Decimal("1000000.10"),
    )
    water = FundPool.objects.create(
        source=FundPool.Source.WATER, name="=小型水利工程", amount=Decimal("300000.20")
    )
    old = FundPool.objects.create(
        source=FundPool.Source.FINANCE, name="往年资金", year=YEAR - 1, amount=Decimal("5000")
    )
    home = scope_world.home.work_group
    second_unit = make_work_group(unit=scope_world.next_door.unit, village=scope_world.home.village)
    projects = {
        "road": make_project(home, "甲村生产路", "200000.30", kind=Project.Kind.INFRASTRUCTURE),
        "market": make_project(home, "甲村农贸市场", "100000.00", beneficiary_count=40),
        "class": make_project(second_unit, "甲村技能培训班", "30000.10", budget_unit="5000.05"),
        "next": make_project(scope_world.next_door.work_group, "乙村合作社", "80000.00"),
        "far": make_project(scope_world.far.work_group, "丙村文体器材", "20000.00"),
        "old": make_project(home, "甲村往年项目", "5000", year=YEAR - 1),
    }
    allocate(projects["road"], finance, "100000.10", "accepted")
    allocate(projects["market"], finance, "0.10", "disbursed")
    allocate(projects["market"], water, "0.20", "approved")
    allocate(projects["market"], water, "30000.00", "reviewed")
    allocate(projects["market"], finance, "12345.67", "returned")
    allocate(projects["class"], finance, "30000.10", "applied")
    allocate(projects["next"], water, "80000.00", "disbursed")
    allocate(projects["far"], finance, "20000.00", "disbursed")
    allocate(projects["old"], old, "5000", "disbursed")
    return Ledger({"finance": finance, "water": water, "old": old}, projects)


# --- reading the workbook back --------------------------------------------------------------


def workbook(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def money(value: Any) -> Decimal:
    """A cell's amount exactly as written (openpyxl reads it as a float)."""
    return Decimal("0.00") if value is None else Decimal(str(value)).quantize(CENT)


def rows(sheet: Any) -> list[tuple]:
    """The rows under the title, the subtitle and the header."""
    return list(sheet.iter_rows(min_row=ledger.HEADER_ROW + 1, values_only=True))


def text(book: openpyxl.Workbook) -> str:
    return "\n".join(
        "\t".join("" if v is None else str(v) for v in row)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
    )


def check_pool_sheet(sheet: Any, pool: FundPool) -> dict[str, Decimal]:
    """Every total of a pool's sheet against its rows; the sheet's figures."""
    p = {"applied": 6, "allocated": 7, "disbursed": 8, "payment": 16}
    sums = dict.fromkeys(p, Decimal("0.00"))
    payments_of_allocation: Decimal | None = None
    allocation_paid = Decimal("0.00")
    figures: dict[str, Decimal] = {}
    total_seen = False
    for row in rows(sheet):
        label = row[0] if row else None
        if not total_seen and label == "拨付":
            payments_of_allocation += money(row[p["payment"]])
            sums["payment"] += money(row[p["payment"]])
            assert row[15] is not None and row[17], "a payment has its date and voucher"
        elif not total_seen and label == "合计":
            if payments_of_allocation is not None:
                assert payments_of_allocation == allocation_paid
            for name, index in p.items():
                assert money(row[index]) == sums[name], (sheet.title, name)
            total_seen = True
            figures["rows_allocated"] = sums["allocated"]
            figures["rows_disbursed"] = sums["disbursed"]
            assert sums["payment"] == sums["disbursed"]
        elif not total_seen:
            # An allocation: its payments, listed under it, add up to what it paid.
            if payments_of_allocation is not None:
                assert payments_of_allocation == allocation_paid, (sheet.title, row)
            for name in ("applied", "allocated", "disbursed"):
                sums[name] += money(row[p[name]])
            allocation_paid = money(row[p["disbursed"]])
            payments_of_allocation = Decimal("0.00")
        elif label:
            figures[label] = money(row[1])
    assert total_seen, sheet.title
    assert figures["资金池金额"] == pool.amount
    assert figures["已从资金池分配"] == pool.allocated
    assert figures["资金池剩余"] == pool.amount - pool.allocated
    assert figures["本台账已分配"] == figures["rows_allocated"]
    assert figures["本台账已拨付"] == figures["rows_disbursed"]
    assert figures["已分配未拨付"] == figures["rows_allocated"] - figures["rows_disbursed"]
    return figures


SUMMED = range(7, 15)


def check_projects_sheet(sheet: Any) -> list[tuple]:
    """Every subtotal and the grand total of the projects sheet against its rows; the data rows."""
    data = []
    township_sum = [Decimal(0)] * 15
    county_sum = [Decimal(0)] * 15
    grand = [Decimal(0)] * 15
    current: tuple[str, str] | None = None
    closed_township = False
    checked = 0
    for row in rows(sheet):
        label = row[0] or ""
        if label.endswith(" 小计"):
            area = label.removesuffix(" 小计")
            if not closed_township:
                assert area == current[1], label
                expected, township_sum = township_sum, [Decimal(0)] * 15
                closed_township = True
            else:
                assert area == current[0], label
                expected, county_sum = county_sum, [Decimal(0)] * 15
            for index in SUMMED:
                assert money(row[index]) == expected[index].quantize(CENT), (label, index)
            checked += 1
        elif label == "总计":
            for index in SUMMED:
                assert money(row[index]) == grand[index].quantize(CENT), (label, index)
            checked += 1
        else:
            if current is not None and (row[0], row[1]) != current:
                assert closed_township, f"{current} has no subtotal before {row}"
            current = (row[0], row[1])
            closed_township = False
            data.append(row)
            budget = [money(row[i]) for i in range(7, 11)]
            assert money(row[11]) == sum(budget)
            for index in SUMMED:
                value = Decimal(row[index] or 0) if index == 12 else money(row[index])
                for sums in (township_sum, county_sum, grand):
                    sums[index] += value
    assert checked >= 1
    return data


def check_summary_sheet(sheet: Any, pool_figures: dict[str, list[dict[str, Decimal]]]) -> None:
    grand = [Decimal(0)] * 8
    for row in rows(sheet):
        if row[0] == "合计":
            for index in range(1, 8):
                assert Decimal(str(row[index])).quantize(CENT) == grand[index].quantize(CENT)
            return
        figures = pool_figures[row[0]]
        assert row[1] == len(figures)
        expected = [
            sum(f["资金池金额"] for f in figures),
            sum(f["已从资金池分配"] for f in figures),
            sum(f["资金池剩余"] for f in figures),
            sum(f["本台账已分配"] for f in figures),
            sum(f["本台账已拨付"] for f in figures),
            sum(f["已分配未拨付"] for f in figures),
        ]
        assert [money(v) for v in row[2:8]] == expected
        grand[1] += row[1]
        for index in range(2, 8):
            grand[index] += money(row[index])
    raise AssertionError("the summary has no total row")


def check_every_total(data: bytes, pools: list[FundPool]) -> openpyxl.Workbook:
    book = workbook(data)
    assert book.sheetnames[:2] == ["汇总", "项目"]
    assert len(book.sheetnames) == 2 + len(pools)
    by_source: dict[str, list] = defaultdict(list)
    for sheet_name, pool in zip(book.sheetnames[2:], pools, strict=True):
        figures = check_pool_sheet(book[sheet_name], pool)
        by_source[pool.get_source_display()].append(figures)
    check_projects_sheet(book["项目"])
    check_summary_sheet(book["汇总"], by_source)
    return book


# --- the whole city ---------------------------------------------------------------------------


def test_every_total_of_the_city_ledger_is_the_sum_of_its_rows(funds: Ledger) -> None:
    data, counts = ledger.ledger_bytes(year=YEAR, area=None, by=None)
    pools = [funds.pools["finance"], funds.pools["water"]]
    for pool in pools:
        pool.refresh_from_db()
    book = check_every_total(data, pools)
    assert counts.pools == 2
    assert counts.projects == 5
    assert counts.allocations == 8
    assert counts.disbursements == Disbursement.objects.filter(allocation__pool__year=YEAR).count()
    # The whole city's ledger allocates all that the pools say they allocated.
    figures = check_pool_sheet(book[book.sheetnames[2]], pools[0])
    assert figures["本台账已分配"] == figures["已从资金池分配"] == Decimal("120000.20")
    # Paid: the accepted road in full, two thirds of the market's 0.10 and of the far 20,000.
    assert figures["本台账已拨付"] == Decimal("100000.10") + Decimal("0.06") + Decimal("13333.34")
    assert figures["本台账已拨付"] == sum(
        Disbursement.objects.filter(allocation__pool=pools[0]).values_list("amount", flat=True)
    )


def test_the_city_ledger_lists_every_allocation_step_with_who_and_when(funds: Ledger) -> None:
    data, _ = ledger.ledger_bytes(year=YEAR, area=None, by=None)
    book = workbook(data)
    finance = rows(book[book.sheetnames[2]])
    statuses = {row[5] for row in finance if row[0] not in (None, "拨付", "合计") and row[6]}
    assert statuses == {"已验收", "已拨付", "已申报", "退回"}
    water = rows(book[book.sheetnames[3]])
    statuses = {row[5] for row in water if row[0] not in (None, "拨付", "合计") and row[6]}
    assert statuses == {"市级已批复", "乡镇已审核", "已拨付"}
    road = next(row for row in finance if row[0] == "甲村生产路")
    assert road[1:5] == ("东明县", "甲镇", "甲村", "甲局")
    assert money(road[6]) == money(road[7]) == money(road[8]) == Decimal("100000.10")
    assert road[9] is not None and road[11] is not None and road[13] is not None
    returned = next(row for row in finance if row[5] == "退回")
    assert money(returned[6]) == Decimal("12345.67")
    assert returned[7] is None, "a returned application allocates nothing"
    applied = next(row for row in finance if row[5] == "已申报")
    assert applied[11] is None and applied[13] is None


def test_amounts_are_exact_numbers_with_two_places_and_text_is_never_a_formula(
    funds: Ledger,
) -> None:
    data, _ = ledger.ledger_bytes(year=YEAR, area=None, by=None)
    book = workbook(data)
    sheet = book[book.sheetnames[2]]
    cells = [row for row in sheet.iter_rows(min_row=4) if row[0].value == "甲村农贸市场"]
    amount = cells[0][6]
    assert amount.data_type == "n" and amount.number_format == "#,##0.00"
    assert Decimal(str(amount.value)) == Decimal("0.10")
    assert sheet.freeze_panes == "A4"
    water = book[book.sheetnames[3]]
    # The pool named "=小型水利工程" is written as text.
    title = water["A1"]
    assert title.data_type == "s" and "=小型水利工程" in title.value
    with zip_member(data, "xl/worksheets/sheet4.xml") as xml:
        assert "<f>" not in xml


class zip_member:
    def __init__(self, data: bytes, name: str) -> None:
        import zipfile

        self.archive = zipfile.ZipFile(io.BytesIO(data))
        self.name = name

    def __enter__(self) -> str:
        return self.archive.read(self.name).decode()

    def __exit__(self, *args: object) -> None:
        self.archive.close()


def test_the_projects_sheet_has_budgets_by_source_and_subtotals_by_area(funds: Ledger) -> None:
    data, _ = ledger.ledger_bytes(year=YEAR, area=None, by=None)
    book = workbook(data)
    data_rows = check_projects_sheet(book["项目"])
    # By county code: 曹县 (371721) before 东明县 (371728).
    assert [row[0] for row in data_rows] == ["曹县", "东明县", "东明县", "东明县", "东明县"]
    titles = {row[4]: row for row in data_rows}
    assert set(titles) == {
        "甲村生产路",
        "甲村农贸市场",
        "甲村技能培训班",
        "乙村合作社",
        "丙村文体器材",
    }
    market = titles["甲村农贸市场"]
    assert market[12] == 40
    # Approved and after: the 0.10 paid and the 0.20 approved, not the 30,000 reviewed.
    assert money(market[13]) == Decimal("0.30")
    # Two payments of a third each: 0.03 and 0.03.
    assert money(market[14]) == Decimal("0.06")
    training = titles["甲村技能培训班"]
    assert money(training[8]) == Decimal("5000.05")
    assert money(training[11]) == Decimal("35000.15")
    labels = [row[0] for row in rows(book["项目"]) if row[0] and "计" in row[0]]
    assert labels[:2] == ["丙镇 小计", "曹县 小计"]
    assert sorted(labels[2:4]) == ["乙镇 小计", "甲镇 小计"]
    assert labels[4:] == ["东明县 小计", "总计"]


# --- areas and scope ----------------------------------------------------------------------


def test_an_area_ledger_holds_only_the_area_s_rows_and_still_reconciles(
    funds: Ledger, scope_world: ScopeWorld
) -> None:
    township = scope_world.home.village.township
    data, counts = ledger.ledger_bytes(year=YEAR, area=township, by=None)
    pools = [FundPool.objects.get(pk=funds.pools[name].pk) for name in ("finance", "water")]
    book = check_every_total(data, pools)
    everything = text(book)
    assert "甲村生产路" in everything
    assert "乙村" not in everything and "丙村" not in everything and "曹县" not in everything
    assert counts.projects == 3
    assert "东明县 甲镇" in book["汇总"]["A2"].value


def test_a_township_coordinator_sees_only_their_township_s_rows(
    funds: Ledger, scope_world: ScopeWorld
) -> None:
    user = scope_world.users["township"]
    data, counts = ledger.ledger_bytes(year=YEAR, area=None, by=user)
    pools = [FundPool.objects.get(pk=funds.pools[name].pk) for name in ("finance", "water")]
    book = check_every_total(data, pools)
    everything = text(book)
    assert "甲村生产路" in everything and "甲村技能培训班" in everything
    for outside in ("乙村", "乙镇", "丙村", "丙镇", "曹县", "乙村合作社"):
        assert outside not in everything
    assert counts.projects == 3
    village = ledger.ledger_bytes(year=YEAR, area=scope_world.home.village, by=user)[1]
    assert village.projects == 3


def test_a_liaison_sees_only_their_unit_s_projects(funds: Ledger, scope_world: ScopeWorld) -> None:
    user = scope_world.users["liaison"]
    data, counts = ledger.ledger_bytes(year=YEAR, area=scope_world.home.village, by=user)
    everything = text(workbook(data))
    assert "甲村生产路" in everything
    # The other unit's project in the same village is not the liaison's.
    assert "甲村技能培训班" not in everything
    assert counts.projects == 2


@pytest.mark.parametrize(
    ("role", "place", "level"),
    [
        ("township", "next_door", "township"),
        ("township", "home", "county"),
        ("county", "far", "county"),
        ("county", "far", "village"),
        ("liaison", "next_door", "village"),
    ],
)
def test_an_area_outside_the_user_s_is_refused(
    funds: Ledger, scope_world: ScopeWorld, role: str, place: str, level: str
) -> None:
    village = getattr(scope_world, place).village
    area = {"village": village, "township": village.township, "county": village.township.county}
    with pytest.raises(PermissionDenied) as refused:
        ledger.ledger_bytes(year=YEAR, area=area[level], by=scope_world.users[role])
    assert str(refused.value).endswith("不在您的管辖范围内。")


@pytest.mark.parametrize("role", ["cadre", "auditor", "no_role"])
def test_a_user_who_is_not_a_coordinator_takes_no_ledger(
    scope_world: ScopeWorld, role: str
) -> None:
    with pytest.raises(PermissionDenied, match="您无权导出台账。"):
        ledger.ledger_bytes(year=YEAR, area=None, by=scope_world.users[role])


def test_a_bad_year_is_refused_with_the_range() -> None:
    with pytest.raises(Exception, match=f"年份须为2000至{YEAR + 1}之间的数字。"):
        ledger.check_year("20x6")
    assert ledger.check_year(" 2025 ") == 2025


# --- queries -------------------------------------------------------------------------------


def _more(scope_world: ScopeWorld, pool: FundPool, count: int) -> None:
    """``count`` more projects, each with an allocation paid in two payments."""
    group = scope_world.home.work_group
    projects = Project.objects.bulk_create(
        Project(
            work_group=group,
            unit_id=group.unit_id,
            village_id=group.village_id,
            kind=Project.Kind.OTHER,
            title=f"批量项目{n}",
            year=YEAR,
            budget_pooled=Decimal("100.00"),
        )
        for n in range(count)
    )
    made = Allocation.objects.bulk_create(
        Allocation(
            pool=pool,
            project=project,
            amount=Decimal("100.00"),
            paid=Decimal("100.00"),
            status=Allocation.Status.DISBURSED,
            approved_at=timezone.now(),
        )
        for project in projects
    )
    Disbursement.objects.bulk_create(
        Disbursement(allocation=allocation, amount=Decimal("50.00"), voucher="vouchers/x.pdf")
        for allocation in made
        for _ in range(2)
    )


@pytest.mark.parametrize("role", ["city", "township", "liaison"])
def test_the_ledger_takes_the_same_few_queries_whatever_its_size(
    funds: Ledger,
    scope_world: ScopeWorld,
    role: str,
    django_assert_max_num_queries: Any,
) -> None:
    user = scope_world.users[role]
    area = scope_world.home.village.township if role != "liaison" else None
    for more in (0, 150):
        _more(scope_world, funds.pools["finance"], more)
        user = type(user).objects.get(pk=user.pk)
        with django_assert_max_num_queries(7):
            data, counts = ledger.ledger_bytes(year=YEAR, area=area, by=user)
    assert counts.allocations >= 150
    # Payments made outside the services: the sheet still reconciles its own rows.
    book = workbook(data)
    check_projects_sheet(book["项目"])


# --- the command -----------------------------------------------------------------------------


def test_the_command_writes_the_city_ledger_and_records_it(funds: Ledger, tmp_path: Path) -> None:
    path = tmp_path / "台账.xlsx"
    out = io.StringIO()
    call_command("export_ledger", str(path), "--year", str(YEAR), stdout=out)
    assert f"{YEAR}年全市台账已写入" in out.getvalue()
    check_every_total(
        path.read_bytes(), list(FundPool.objects.filter(year=YEAR).order_by("source", "name"))
    )
    event = AuditEvent.objects.get(action="ledger")
    assert event.username == "(system)" and event.user_id is None
    assert event.details["year"] == YEAR and event.details["area"] == ""
    assert event.details["os_user"]


def test_the_command_by_a_township_coordinator_keeps_to_their_area(
    funds: Ledger, scope_world: ScopeWorld, tmp_path: Path
) -> None:
    path = tmp_path / "甲镇.xlsx"
    home = scope_world.home.village
    call_command(
        "export_ledger", str(path), "--year", str(YEAR), "--area", home.code, "--by", "township"
    )
    everything = text(workbook(path.read_bytes()))
    assert "甲村生产路" in everything and "乙村" not in everything
    event = AuditEvent.objects.get(action="ledger")
    assert event.username == "township" and event.details["area"] == home.code
    outside = scope_world.next_door.village.township
    with pytest.raises(CommandError, match="东明县 乙镇不在您的管辖范围内。"):
        call_command(
            "export_ledger",
            str(path),
            "--year",
            str(YEAR),
            "--area",
            outside.code,
            "--by",
            "township",
        )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--year", "1999"], f"年份须为2000至{YEAR + 1}之间的数字。"),
        (["--year", "二〇二六"], f"年份须为2000至{YEAR + 1}之间的数字。"),
        (
            ["--year", str(YEAR), "--area", "371728999000"],
            "没有区划代码为371728999000的县区、乡镇或村（社区）。",
        ),
        (["--year", str(YEAR), "--area", "abc"], "没有区划代码为abc的县区、乡镇或村（社区）。"),
        (["--year", str(YEAR), "--by", "nobody"], "没有名为nobody的有效用户。"),
        (["--year", str(YEAR), "--by", "auditor"], "auditor无权导出台账。"),
    ],
)
def test_the_command_refuses_bad_input_with_a_message(
    scope_world: ScopeWorld, tmp_path: Path, arguments: list[str], message: str
) -> None:
    path = tmp_path / "台账.xlsx"
    with pytest.raises(CommandError, match=message):
        call_command("export_ledger", str(path), *arguments)
    assert not path.exists()
    assert not AuditEvent.objects.filter(action="ledger").exists()


def test_the_command_refuses_a_file_it_cannot_write(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="没有这个文件夹"):
        call_command("export_ledger", str(tmp_path / "无" / "台账.xlsx"), "--year", str(YEAR))
    with pytest.raises(CommandError, match="是文件夹，请指定文件"):
        call_command("export_ledger", str(tmp_path), "--year", str(YEAR))
    (tmp_path / "file").write_text("x")
    with pytest.raises(CommandError, match="没有这个文件夹"):
        call_command("export_ledger", str(tmp_path / "file" / "台账.xlsx"), "--year", str(YEAR))


def test_the_command_exits_non_zero_with_the_message_in_the_reader_s_language(
    tmp_path: Path,
) -> None:
    manage = Path(settings.BASE_DIR) / "manage.py"
    env = {"ENV_FILE": "", "DEBUG": "true", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(manage), "export_ledger", "--year", "1999", str(tmp_path / "x.xlsx")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 1
    assert f"年份须为2000至{YEAR + 1}之间的数字。" in result.stderr


# --- from admin ----------------------------------------------------------------------------


def test_the_admin_page_offers_only_the_user_s_areas(
    funds: Ledger, scope_world: ScopeWorld
) -> None:
    client = client_for(scope_world.users["township"])
    page = client.get(reverse("projects:ledger"))
    assert page.status_code == 200
    content = page.content.decode()
    assert "导出台账" in content
    assert scope_world.home.village.code in content
    assert scope_world.home.village.township.code in content
    assert scope_world.next_door.village.township.code not in content
    # Their county is wider than their area.
    assert scope_world.home.village.township.county.code not in content


def test_the_admin_download_is_scoped_and_recorded(funds: Ledger, scope_world: ScopeWorld) -> None:
    client = client_for(scope_world.users["township"])
    township = scope_world.home.village.township
    response = client.get(reverse("projects:ledger"), {"year": YEAR, "area": township.code})
    assert response.status_code == 200
    assert response["Content-Type"] == ledger.XLSX_CONTENT_TYPE
    assert "filename*=utf-8''%E5%8F%B0%E8%B4%A6" in response["Content-Disposition"]
    everything = text(workbook(response.content))
    assert "甲村生产路" in everything and "乙村" not in everything
    event = AuditEvent.objects.get(action="ledger")
    assert event.username == "township"
    assert event.details["area"] == township.code and event.details["year"] == YEAR
    assert event.details["model"] == "projects.allocation"


@pytest.mark.parametrize("place", ["next_door", "far"])
def test_the_admin_download_of_an_outside_area_is_refused(
    funds: Ledger, scope_world: ScopeWorld, place: str
) -> None:
    client = client_for(scope_world.users["township"])
    township = getattr(scope_world, place).village.township
    response = client.get(reverse("projects:ledger"), {"year": YEAR, "area": township.code})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="ledger").exists()


def test_the_admin_page_refuses_unknown_areas_and_years_without_an_error(
    scope_world: ScopeWorld,
) -> None:
    client = client_for(scope_world.users["city"])
    url = reverse("projects:ledger")
    assert client.get(url, {"year": YEAR, "area": "371728999000"}).status_code == 404
    assert client.get(url, {"year": YEAR, "area": "37\x00"}).status_code == 404
    page = client.get(url, {"year": "1999"})
    assert page.status_code == 200 and "errorlist" in page.content.decode()


@pytest.mark.parametrize("role", ["cadre", "auditor", "no_role"])
def test_the_admin_page_is_for_coordinators(scope_world: ScopeWorld, role: str) -> None:
    client = client_for(scope_world.users[role])
    response = client.get(reverse("projects:ledger"))
    assert response.status_code in (302, 403)
