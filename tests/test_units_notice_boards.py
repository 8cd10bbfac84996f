"""The printable notice board (公示牌) of each work group."""

import io
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from tests.factories import (
    make_cadre,
    make_staff_user,
    make_township,
    make_unit,
    make_village,
    make_work_group,
    make_work_group_member,
)
from units.models import Cadre, WorkGroup
from units.photos import prepare_photo

pytestmark = pytest.mark.django_db

SIX_TASKS = [
    "宣传党的政策",
    "反映群众心声",
    "帮助解决困难",
    "探索致富之路",
    "倡树文明新风",
    "加强基层组织",
]


def board_url(work_group: WorkGroup) -> str:
    return reverse("units:work_group_board", args=[work_group.pk])


def a_photo() -> object:
    output = io.BytesIO()
    Image.new("RGB", (300, 400), "gray").save(output, format="JPEG")
    return prepare_photo(SimpleUploadedFile("photo.jpg", output.getvalue()))


@pytest.fixture
def viewer() -> Client:
    client = Client()
    client.force_login(make_staff_user("board-viewer", "units.view_workgroup"))
    return client


@pytest.fixture
def work_group() -> WorkGroup:
    """市司法局's group in 东明县 张庄村: a leader with a photo and two members without."""
    township = make_township(name="武胜桥镇")
    village = make_village(township=township, name="张庄村")
    unit = make_unit(name="市司法局")
    leader = make_cadre(unit=unit, name="王建国", position="副局长", phone="13905300001")
    leader.photo = a_photo()
    leader.save()
    group = make_work_group(unit=unit, village=village, leader=leader)
    make_work_group_member(work_group=group, cadre=leader)
    for name, phone in [("李秀英", "13905300002"), ("赵志强", "13905300003")]:
        make_work_group_member(
            work_group=group, cadre=make_cadre(unit=unit, name=name, phone=phone)
        )
    return group


def members_in_order(html: str) -> list[tuple[str, str]]:
    """(role, name) of each member card, in page order."""
    return re.findall(r'<p class="role">([^<]+)</p>\s*<h2 class="name">([^<]+)</h2>', html)


def test_the_board_names_the_unit_and_the_village_with_its_township_and_county(
    viewer: Client, work_group: WorkGroup
) -> None:
    response = viewer.get(board_url(work_group))
    assert response.status_code == 200
    assert "<h1>双联双创公示牌</h1>" in response.text
    assert "派驻单位：</span>市司法局" in response.text
    assert "联系村（社区）：</span>张庄村（武胜桥镇，东明县）" in response.text


def test_the_leader_comes_first_marked_as_group_leader(
    viewer: Client, work_group: WorkGroup
) -> None:
    response = viewer.get(board_url(work_group))
    assert members_in_order(response.text) == [
        ("组长", "王建国"),
        ("组员", "李秀英"),
        ("组员", "赵志强"),
    ]


def test_a_leader_who_is_not_listed_as_a_member_is_still_on_the_board(
    viewer: Client, work_group: WorkGroup
) -> None:
    work_group.memberships.filter(cadre=work_group.leader).delete()
    response = viewer.get(board_url(work_group))
    assert members_in_order(response.text)[0] == ("组长", "王建国")
    assert len(members_in_order(response.text)) == 3


def test_each_member_shows_a_photo_or_a_placeholder_with_position_and_full_phone(
    viewer: Client, work_group: WorkGroup
) -> None:
    response = viewer.get(board_url(work_group))
    leader = work_group.leader
    assert f'<img src="{reverse("units:cadre_photo", args=[leader.pk])}?v=' in response.text
    assert response.text.count('class="photo-placeholder"') == 2
    assert '<p class="position">副局长</p>' in response.text
    for phone in ["13905300001", "13905300002", "13905300003"]:
        assert f'<p class="phone">{phone}</p>' in response.text


def test_the_board_lists_the_six_tasks(viewer: Client, work_group: WorkGroup) -> None:
    response = viewer.get(board_url(work_group))
    tasks = re.search(r'<section class="tasks">(.*?)</section>', response.text, re.S).group(1)
    assert "<h2>六项任务</h2>" in tasks
    assert re.findall(r"<li>([^<]+)</li>", tasks) == SIX_TASKS


def test_other_work_groups_members_are_not_on_the_board(
    viewer: Client, work_group: WorkGroup
) -> None:
    # The same unit in another village, and another unit in the same village.
    elsewhere = make_work_group(unit=work_group.unit, village=make_village())
    make_work_group_member(
        work_group=elsewhere, cadre=make_cadre(unit=work_group.unit, name="孙海燕")
    )
    neighbour = make_work_group(village=work_group.village)
    make_work_group_member(work_group=neighbour, cadre=make_cadre(name="周玉兰"))
    neighbour.leader = make_cadre(unit=neighbour.unit, name="吴德胜")
    neighbour.save()

    response = viewer.get(board_url(work_group))
    names = [name for _role, name in members_in_order(response.text)]
    assert names == ["王建国", "李秀英", "赵志强"]
    for other in ["孙海燕", "周玉兰", "吴德胜"]:
        assert other not in response.text


def test_cadres_no_longer_in_service_are_left_off(viewer: Client, work_group: WorkGroup) -> None:
    Cadre.objects.filter(name__in=["王建国", "李秀英"]).update(in_service=False)
    response = viewer.get(board_url(work_group))
    assert members_in_order(response.text) == [("组员", "赵志强")]


def test_a_group_without_members_says_so(viewer: Client) -> None:
    response = viewer.get(board_url(make_work_group()))
    assert "该工作组还没有成员。" in response.text


def test_the_supervision_phone_is_printed_when_configured(
    viewer: Client, work_group: WorkGroup, settings: object
) -> None:
    settings.BOARD_SUPERVISION_PHONE = "0530-5310000"
    response = viewer.get(board_url(work_group))
    assert "监督电话：</span>0530-5310000" in response.text


def test_without_a_supervision_phone_the_line_is_left_off(
    viewer: Client, work_group: WorkGroup, settings: object
) -> None:
    settings.BOARD_SUPERVISION_PHONE = ""
    response = viewer.get(board_url(work_group))
    assert "监督电话" not in response.text


def test_the_board_is_an_a4_page_without_admin_chrome_and_a_print_button_hidden_on_paper(
    viewer: Client, work_group: WorkGroup
) -> None:
    response = viewer.get(board_url(work_group))
    assert '<link rel="stylesheet" href="/static/css/print.css">' in response.text
    assert 'class="print-button">打印</button>' in response.text
    assert '<script src="/static/js/print_button.js" defer></script>' in response.text
    assert 'id="header"' not in response.text
    assert "双联双创工作管理系统" not in response.text

    css = Path(finders.find("css/print.css")).read_text(encoding="utf-8")
    assert re.search(r"@page\s*\{\s*size:\s*A4;\s*margin:\s*\d+mm;\s*\}", css)
    print_rules = css[css.index("@media print") :]
    assert re.search(r"\.toolbar\s*\{\s*display:\s*none", print_rules)


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, work_group: WorkGroup) -> None:
    url = board_url(work_group)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next={url}"


def test_staff_without_the_work_group_permission_are_refused(
    client: Client, work_group: WorkGroup
) -> None:
    client.force_login(make_staff_user("no-permissions", "units.view_cadre"))
    assert client.get(board_url(work_group)).status_code == 403


def test_a_work_group_that_does_not_exist_is_not_found(viewer: Client) -> None:
    assert viewer.get(reverse("units:work_group_board", args=[999_999])).status_code == 404


def board_with_members(count: int) -> WorkGroup:
    unit = make_unit()
    leader = make_cadre(unit=unit)
    leader.photo = a_photo()
    leader.save()
    group = make_work_group(unit=unit, village=make_village(), leader=leader)
    for _ in range(count - 1):
        make_work_group_member(work_group=group)
    return group


def test_the_board_costs_the_same_queries_for_3_or_30_members(
    viewer: Client, django_assert_max_num_queries: object
) -> None:
    counts = []
    for size in (3, 30):
        group = board_with_members(size)
        # One of them reads the viewer's role and scope.
        with django_assert_max_num_queries(7), CaptureQueriesContext(connection) as queries:
            response = viewer.get(board_url(group))
        assert len(members_in_order(response.text)) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_work_group_list_and_page_link_to_the_board(
    superuser_client: Client,
) -> None:
    group = WorkGroup.objects.order_by("pk").first()
    listing = superuser_client.get(reverse("admin:units_workgroup_changelist"))
    link = f'<a href="{board_url(group)}" target="_blank">打印公示牌</a>'
    assert link in listing.text
    assert '<th scope="col" class="column-board_link">' in listing.text
    page = superuser_client.get(reverse("admin:units_workgroup_change", args=[group.pk]))
    assert link in page.text
