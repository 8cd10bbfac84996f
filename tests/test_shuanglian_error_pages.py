"""Error pages with DEBUG off: the project's own, in Chinese, or English for an English browser."""

import pytest
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

from shuanglian.urls import urlpatterns as project_urlpatterns
from tests.factories import make_user


def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def bad_request(request: HttpRequest) -> HttpResponse:
    raise BadRequest


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


# The project's URLs, with pages that fail in each way.
urlpatterns = [
    path("failing/403/", forbidden),
    path("failing/400/", bad_request),
    path("failing/500/", broken),
    *project_urlpatterns,
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.fixture(autouse=True)
def debug_off(settings) -> None:
    settings.DEBUG = False


def page(response: HttpResponse) -> str:
    return response.content.decode()


def test_a_missing_page_answers_404_in_chinese(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = page(response)
    assert "<title>页面不存在 | 双联双创工作管理系统</title>" in html
    assert "<h1>页面不存在</h1>" in html
    assert "您打开的页面不存在，或者您无权查看。" in html
    assert '<a href="/">返回首页</a>' in html
    assert '<link rel="stylesheet" href="/static/css/site.css">' in html


def test_a_missing_page_answers_in_english_to_an_english_browser(client: Client) -> None:
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    html = page(response)
    assert "<h1>No such page</h1>" in html
    assert "The page you opened does not exist, or it is not one you may see." in html
    assert '<a href="/">Back to the home page</a>' in html


def test_a_refused_page_answers_403_in_chinese(client: Client) -> None:
    response = client.get("/failing/403/")
    assert response.status_code == 403
    html = page(response)
    assert "<h1>无权访问此页面</h1>" in html
    assert "您的账号无权打开此页面。如工作需要，请联系您的协调员。" in html


def test_a_bad_request_answers_400_in_chinese(client: Client) -> None:
    response = client.get("/failing/400/")
    assert response.status_code == 400
    html = page(response)
    assert "<h1>无法处理此请求</h1>" in html
    assert "无法识别所提交的地址或表单，请返回后重试。" in html


def test_an_unknown_host_answers_400_in_chinese(client: Client) -> None:
    response = client.get("/accounts/login/", HTTP_HOST="sl.example.invalid")
    assert response.status_code == 400
    assert "<h1>无法处理此请求</h1>" in page(response)


def test_a_server_error_answers_500_in_chinese_without_the_request() -> None:
    client = Client(raise_request_exception=False)
    response = client.get("/failing/500/")
    assert response.status_code == 500
    html = page(response)
    assert "<title>服务器出错了 | 双联双创工作管理系统</title>" in html
    assert '<a class="brand" href="/">双联双创</a>' in html
    assert "<h1>服务器出错了</h1>" in html
    assert "错误已记录。请稍后再试；如果问题反复出现，请告知您的协调员。" in html
    assert "a bug" not in html


def test_a_server_error_answers_in_english_to_an_english_browser() -> None:
    client = Client(raise_request_exception=False)
    response = client.get("/failing/500/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 500
    assert "<h1>The server ran into an error</h1>" in page(response)


def test_a_signed_in_user_sees_the_404_page_with_their_name(client: Client) -> None:
    client.force_login(make_user("zhouxt", first_name="周协调"))
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = page(response)
    assert "<h1>页面不存在</h1>" in html
    assert '<span class="who">周协调</span>' in html
    assert "退出登录" in html
