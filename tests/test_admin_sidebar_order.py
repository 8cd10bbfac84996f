"""The admin index and its sidebar list the campaign's pages in the order a coordinator works."""

import re

import pytest
from django.test import Client

from tests.factories import make_user

# 市 → 县区 → 乡镇 → 村（社区）→ 农户 → 导入记录; 单位 → 干部 → 工作组 → 联系户; 走访 → 诉求;
# 项目 → 活动 → 资金申报 → 拨付 → 资金池; 评定 → 整改事项 → 创建标准;
# 测评轮次 → 测评员 → 抽样户 → 联系记录 → 答案.
CAMPAIGN_ORDER = [
    "/admin/villages/city/",
    "/admin/villages/county/",
    "/admin/villages/township/",
    "/admin/villages/village/",
    "/admin/villages/household/",
    "/admin/villages/importbatch/",
    "/admin/units/unit/",
    "/admin/units/cadre/",
    "/admin/units/workgroup/",
    "/admin/units/householdassignment/",
    "/admin/units/villagesurvey/",
    "/admin/units/cadreabsence/",
    "/admin/visits/visit/",
    "/admin/visits/need/",
    "/admin/visits/visitinterval/",
    "/admin/visitflags/visitflag/",
    "/admin/projects/project/",
    "/admin/projects/activity/",
    "/admin/projects/allocation/",
    "/admin/projects/disbursement/",
    "/admin/projects/fundpool/",
    "/admin/assessments/assessment/",
    "/admin/assessments/rectificationitem/",
    "/admin/assessments/checklist/",
    "/admin/satisfaction/round/",
    "/admin/satisfaction/interviewer/",
    "/admin/satisfaction/sample/",
    "/admin/satisfaction/attempt/",
    "/admin/satisfaction/answer/",
    "/admin/shuanglian/auditevent/",
    "/admin/shuanglian/rankingweights/",
    "/admin/reminders/delivery/",
    "/admin/auth/user/",
    "/admin/auth/group/",
    "/admin/django_tasks_database/dbtaskresult/",
]
APP_CAPTIONS = ["村户管理", "单位与干部", "走访与诉求"]


@pytest.fixture
def client(db: None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    return client


def changelist_links(html: str) -> list[str]:
    links = re.findall(r'<th scope="row" id="[^"]+">\s*<a href="(/admin/[^"]+/)"', html)
    return list(dict.fromkeys(links))


def test_admin_index_lists_the_pages_in_the_campaigns_order(client: Client) -> None:
    html = client.get("/admin/").content.decode()
    assert changelist_links(html) == CAMPAIGN_ORDER
    positions = [html.index(caption) for caption in APP_CAPTIONS]
    assert positions == sorted(positions)
    # The model names shown, in Chinese, in the same order.
    names = re.findall(
        r'<th scope="row" id="villages-[a-z]+">\s*<a href="[^"]+"[^>]*>([^<]+)<', html
    )
    assert names == ["市", "县区", "乡镇（街道）", "村（社区）", "农户", "导入记录"]


def test_admin_sidebar_lists_the_pages_in_the_campaigns_order(client: Client) -> None:
    html = client.get("/admin/visits/need/").content.decode()
    sidebar = html[html.index('id="nav-sidebar"') :]
    assert changelist_links(sidebar) == CAMPAIGN_ORDER
    assert 'class="model-need current-model"' in sidebar


def test_one_apps_page_keeps_the_campaigns_order(client: Client) -> None:
    html = client.get("/admin/units/").content.decode()
    assert changelist_links(html)[:4] == [
        "/admin/units/unit/",
        "/admin/units/cadre/",
        "/admin/units/workgroup/",
        "/admin/units/householdassignment/",
    ]
