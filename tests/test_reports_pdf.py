import datetime
import logging
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from PIL import Image

from shuanglian.figures.ranking import RankedRow
from shuanglian.reports.build import make_report
from shuanglian.reports.figures import report_figures
from shuanglian.reports.pdf import html, shortened
from shuanglian.reports.periods import Period
from tests.conftest import ScopeWorld
from tests.factories import make_household, make_township, make_visit
from tests.test_units_photos import image_file
from units.photos import prepare_photo

TODAY = timezone.localdate()
# Poppler's tools, installed with the system packages by the setup scripts (scripts/_system.sh).
PDFTOTEXT = shutil.which("pdftotext") or "/usr/bin/pdftotext"
PDFTOPPM = shutil.which("pdftoppm") or "/usr/bin/pdftoppm"
PERIOD = Period.last_complete("month", TODAY)


@pytest.fixture(autouse=True)
def chinese() -> None:
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def pdf(scope_world: ScopeWorld, tmp_path: Path) -> Path:
    for place in (scope_world.home, scope_world.next_door, scope_world.far):
        for n in range(4):
            make_visit(
                household=make_household(village=place.village),
                cadre=place.cadre,
                visited_on=PERIOD.start + datetime.timedelta(days=n),
            )
    report = make_report(
        user=scope_world.users["city"],
        area_code=scope_world.home.village.township.county.city.code,
        period=PERIOD,
        fmt="pdf",
        today=TODAY,
    )
    assert report.content.startswith(b"%PDF-")
    assert report.content_type == "application/pdf"
    assert report.filename == f"菏泽市_月报_{PERIOD.code}.pdf"
    path = tmp_path / report.ascii_filename
    path.write_bytes(report.content)
    return path


def text_of(pdf: Path) -> str:
    return subprocess.run(  # noqa: S603
        [PDFTOTEXT, "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_the_pdf_holds_the_title_the_counties_and_the_totals(pdf: Path) -> None:
    text = text_of(pdf)
    assert f"菏泽市双联双创工作统计月报表（{PERIOD.label}）" in text
    assert "填报单位：菏泽市" in text
    for name in ("东明县", "曹县", "覆盖情况", "走访情况", "诉求办理", "项目资金"):
        assert name in text
    total = next(line for line in text.splitlines() if line.strip().startswith("合计"))
    # Three villages, 3 + 12 households, 12 visits to 12 households in the period.
    assert total.split()[1:5] == ["3", "3", "15", "3"]
    assert total.split()[6:8] == ["12", "12"]
    assert "单位负责人：" in text and "填表人：" in text and "填报日期：" in text
    assert "本期走访农户12户次（12户）" in text
    assert "超期诉求" in text and "排名" in text


def test_the_pdf_pages_render_as_images_that_are_not_blank(pdf: Path, tmp_path: Path) -> None:
    subprocess.run(  # noqa: S603
        [PDFTOPPM, "-r", "50", "-png", str(pdf), str(tmp_path / "page")], check=True
    )
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) >= 2
    for page in pages:
        with Image.open(page) as image:
            width, height = image.size
            assert width > height  # landscape
            colours = image.convert("L").getcolors(maxcolors=256)
            assert colours is not None and len(colours) > 10
            dark = sum(count for count, level in colours if level < 128)
            assert dark > 500


def test_the_html_names_no_address_to_fetch(scope_world: ScopeWorld) -> None:
    figures = report_figures(
        user=None, area=scope_world.home.village.township, period=PERIOD, today=TODAY
    )
    page = html(figures, made_on=TODAY)
    assert "http" not in page and "url(" not in page and "src=" not in page
    assert "Noto Sans CJK SC" in page
    assert "size: A4 landscape" in page


def test_an_english_reader_gets_the_report_in_english(scope_world: ScopeWorld) -> None:
    with translation.override("en"):
        figures = report_figures(
            user=None, area=scope_world.home.village.township, period=PERIOD, today=TODAY
        )
        page = html(figures, made_on=TODAY)
    assert "twin-linking work statistics, monthly report form" in page
    assert "Head of unit:" in page


def test_a_long_ranking_is_printed_as_its_head_and_tail() -> None:
    rows = [RankedRow(pk, f"单位{pk}", score=100.0 - pk, rank=pk) for pk in range(1, 36)]
    head, tail, left_out = shortened(rows)
    assert [r.pk for r in head] == list(range(1, 21))
    assert [r.pk for r in tail] == list(range(26, 36))
    assert left_out == 5
    assert shortened(rows[:30]) == (rows[:30], [], 0)


def test_markup_in_a_name_is_printed_as_text_and_fetches_nothing(
    scope_world: ScopeWorld, tmp_path: Path
) -> None:
    county = scope_world.home.village.township.county
    make_township(county=county, name='<img src="http://192.0.2.1/x.png">')
    report = make_report(user=None, area_code=county.code, period=PERIOD, fmt="pdf", today=TODAY)
    path = tmp_path / "report.pdf"
    path.write_bytes(report.content)
    assert '<img src="http://192.0.2.1/x.png">' in text_of(path)


def test_laying_out_a_pdf_writes_no_progress_lines_to_the_log(
    scope_world: ScopeWorld, caplog: pytest.LogCaptureFixture
) -> None:
    county = scope_world.home.village.township.county
    with caplog.at_level(logging.INFO):
        make_report(user=None, area_code=county.code, period=PERIOD, fmt="pdf", today=TODAY)
    assert [
        record.getMessage() for record in caplog.records if record.levelno < logging.WARNING
    ] == []


def test_a_pdf_made_in_the_process_leaves_truncated_photos_refused(
    scope_world: ScopeWorld,
) -> None:
    county = scope_world.home.village.township.county
    make_report(user=None, area_code=county.code, period=PERIOD, fmt="pdf", today=TODAY)
    whole = image_file((800, 600)).read()
    with pytest.raises(ValidationError) as refused:
        prepare_photo(SimpleUploadedFile("cut.jpg", whole[: len(whole) // 2]))
    assert refused.value.messages == ["图片已损坏或不完整，请重新保存后上传。"]
