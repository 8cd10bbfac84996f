"""Production serving: settings, gunicorn's configuration, and scripts/production really serving."""

import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.scratch_databases import is_postgresql, scratch_database
from tests.test_settings import settings_with

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
# Variables the tests set for themselves; the production processes must not inherit them.
TEST_ONLY = {"DEBUG", "DATABASE_URL", "TASKS_BACKEND", "DJANGO_ALLOW_ASYNC_UNSAFE"}
PRODUCTION = {"SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "127.0.0.1"}
HASHED_SITE_CSS = re.compile(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"')
READY_WITHIN = 120
STOP_WITHIN = 30


def production_environment(**overrides: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if k not in TEST_ONLY}
    return {**clean, "DJANGO_SETTINGS_MODULE": "shuanglian.settings", **PRODUCTION, **overrides}


def test_production_serves_hashed_compressed_static_files_after_the_security_middleware() -> None:
    values = settings_with(PRODUCTION, "STORAGES", "MIDDLEWARE", "DATABASES")
    assert values["STORAGES"]["staticfiles"]["BACKEND"] == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
    assert values["MIDDLEWARE"][:2] == [
        "django.middleware.security.SecurityMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
    ]
    database = values["DATABASES"]["default"]
    assert (database["CONN_MAX_AGE"], database["CONN_HEALTH_CHECKS"]) == (60, True)


def test_development_needs_no_collectstatic_and_keeps_no_connections() -> None:
    values = settings_with({"DEBUG": "true"}, "STORAGES", "WHITENOISE_USE_FINDERS", "DATABASES")
    assert values["STORAGES"]["staticfiles"]["BACKEND"] == (
        "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    assert values["WHITENOISE_USE_FINDERS"] is True
    assert values["DATABASES"]["default"]["CONN_MAX_AGE"] == 0


def test_connection_lifetime_comes_from_the_environment() -> None:
    values = settings_with(
        {**PRODUCTION, "CONN_MAX_AGE": "300", "CONN_HEALTH_CHECKS": "false"}, "DATABASES"
    )
    database = values["DATABASES"]["default"]
    assert (database["CONN_MAX_AGE"], database["CONN_HEALTH_CHECKS"]) == (300, False)


def test_postgresql_pages_start_no_parallel_workers_unless_asked() -> None:
    url = {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/shuanglian"}
    database = settings_with({**PRODUCTION, **url}, "DATABASES")["DATABASES"]["default"]
    assert database["OPTIONS"] == {"options": "-c max_parallel_workers_per_gather=0"}
    asked = settings_with({**PRODUCTION, **url, "DB_PARALLEL_WORKERS": "2"}, "DATABASES")
    assert asked["DATABASES"]["default"]["OPTIONS"]["options"].endswith("_gather=2")


def gunicorn_config(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [str(GUNICORN), "--config", "gunicorn.conf.py", "--print-config"],
        cwd=ROOT,
        env=production_environment(**env),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def printed(output: str, name: str) -> str:
    match = re.search(rf"^{name}\s+= (.*)$", output, re.MULTILINE)
    assert match, output
    return match.group(1)


def test_gunicorn_listens_on_localhost_with_two_workers_per_core_plus_one() -> None:
    result = gunicorn_config()
    assert result.returncode == 0, result.stderr
    assert printed(result.stdout, "bind") == "['127.0.0.1:8000']"
    assert printed(result.stdout, "workers") == str(2 * os.cpu_count() + 1)
    assert printed(result.stdout, "wsgi_app") == "shuanglian.wsgi:application"
    assert printed(result.stdout, "preload_app") == "True"
    assert printed(result.stdout, "max_requests") == "1000"
    assert printed(result.stdout, "max_requests_jitter") == "100"
    assert printed(result.stdout, "control_socket_disable") == "True"


def test_gunicorn_takes_its_address_workers_and_timeout_from_the_environment() -> None:
    result = gunicorn_config(
        GUNICORN_BIND="0.0.0.0:9000", GUNICORN_WORKERS="3", GUNICORN_TIMEOUT="45"
    )
    assert result.returncode == 0, result.stderr
    assert printed(result.stdout, "bind") == "['0.0.0.0:9000']"
    assert printed(result.stdout, "workers") == "3"
    assert printed(result.stdout, "timeout") == "45"


def test_gunicorn_refuses_a_worker_count_that_is_not_a_number() -> None:
    result = gunicorn_config(GUNICORN_WORKERS="many")
    assert result.returncode != 0
    assert "GUNICORN_WORKERS='many' is not a whole number." in result.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def production_database(tmp_path: Path) -> Iterator[str]:
    """An empty database of the kind the tests run on, for scripts/production to migrate."""
    if is_postgresql():
        with scratch_database("serve") as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'db.sqlite3'}"


class Server:
    def __init__(self, port: int, log: Path) -> None:
        self.port = port
        self.log = log

    def get(self, path: str, **headers: str) -> tuple[http.client.HTTPResponse, bytes]:
        """A request as the reverse proxy passes it on: over HTTPS unless told otherwise."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", path, headers={"X-Forwarded-Proto": "https", **headers})
            response = connection.getresponse()
            return response, response.read()
        finally:
            connection.close()


def wait_until_serving(process: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + READY_WITHIN
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"scripts/production exited with {process.returncode}:\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"scripts/production did not listen within {READY_WITHIN}s:\n{log.read_text()}")


def stop(process: subprocess.Popen) -> None:
    """TERM to gunicorn and its workers, KILL if they have not gone in time."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=STOP_WITHIN)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=STOP_WITHIN)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """scripts/production on a free port: migrations, collectstatic into a temporary
    STATIC_ROOT, then gunicorn with the repository's configuration."""
    tmp_path = tmp_path_factory.mktemp("production")
    port = free_port()
    log = tmp_path / "gunicorn.log"
    with production_database(tmp_path) as database_url, log.open("w") as output:
        env = production_environment(
            DATABASE_URL=database_url,
            STATIC_ROOT=str(tmp_path / "static"),
            MEDIA_ROOT=str(tmp_path / "media"),
            BEHIND_PROXY="true",
            GUNICORN_BIND=f"127.0.0.1:{port}",
            GUNICORN_WORKERS="2",
        )
        process = subprocess.Popen(  # noqa: S603
            [str(ROOT / "scripts" / "production")],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_until_serving(process, port, log)
            yield Server(port, log)
        finally:
            stop(process)


def test_gunicorn_serves_the_sign_in_page_and_hashed_static_files(server: Server) -> None:
    response, body = server.get("/accounts/login/")
    assert response.status == 200
    page = body.decode()
    assert "<h1>双联双创工作管理系统</h1>" in page
    stylesheet = HASHED_SITE_CSS.search(page)
    assert stylesheet, page

    response, body = server.get(stylesheet.group(1))
    assert response.status == 200
    assert response.getheader("Cache-Control") == "max-age=315360000, public, immutable"
    assert body == (ROOT / "static" / "css" / "site.css").read_bytes()

    response, _ = server.get(stylesheet.group(1), **{"Accept-Encoding": "gzip"})
    assert response.getheader("Content-Encoding") == "gzip"

    response, _ = server.get("/static/css/site.css")
    assert response.getheader("Cache-Control") == "max-age=60, public"


def test_gunicorn_redirects_plain_http_to_https(server: Server) -> None:
    response, _ = server.get("/accounts/login/", **{"X-Forwarded-Proto": "http"})
    assert response.status == 301
    assert response.getheader("Location") == f"https://127.0.0.1:{server.port}/accounts/login/"


def test_the_access_log_leaves_out_query_strings(server: Server) -> None:
    response, _ = server.get(
        "/accounts/login/?q=371702199001011234&phone=13812345678",
        **{"X-Forwarded-For": "10.1.2.3"},
    )
    assert response.status == 200
    deadline = time.monotonic() + 10
    while "\n10.1.2.3 " not in server.log.read_text():
        assert time.monotonic() < deadline, server.log.read_text()
        time.sleep(0.1)
    log = server.log.read_text()
    line = r'^10\.1\.2\.3 127\.0\.0\.1 \[[^]]+\] "GET /accounts/login/ HTTP/1\.1" 200 \d+ \d+ms '
    assert re.search(line, log, re.MULTILINE), log
    assert "371702199001011234" not in log
    assert "13812345678" not in log


def test_gunicorn_answers_a_missing_page_with_the_chinese_404_page(server: Server) -> None:
    response, body = server.get("/no-such-page/")
    assert response.status == 404
    page = body.decode()
    assert "<h1>页面不存在</h1>" in page
    assert HASHED_SITE_CSS.search(page), page


def test_gunicorn_sends_favicon_ico_to_the_hashed_icon(server: Server) -> None:
    response, _ = server.get("/favicon.ico")
    assert response.status == 302
    location = response.getheader("Location")
    assert re.fullmatch(r"/static/img/favicon\.[0-9a-f]{12}\.ico", location), location
    response, body = server.get(location)
    assert response.status == 200
    assert body == (ROOT / "static" / "img" / "favicon.ico").read_bytes()
