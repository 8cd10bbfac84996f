"""Load test: many cadres at once against gunicorn on 127.0.0.1, for a bounded time.

    .venv/bin/python benchmarks/generate_city.py        # once: the city database
    .venv/bin/python benchmarks/load_test.py [--cadres 50] [--seconds 60] [--think 0] [--workers N]

Starts gunicorn with the repository's gunicorn.conf.py and production settings on a free port
of 127.0.0.1, signs in ``--cadres`` generated cadres, then lets each of them, in its own thread,
open 我的联系户, open one of its households, open the visit form and post a visit, round after
round, for ``--seconds``. By default each sends its next request as soon as the last one is
answered, the hardest case; with ``--think S`` a cadre pauses between two requests as a person
on a phone does (reading the list, filling in the form): S seconds on average, at random between
half and one and a half times that. Prints requests per second, the median and p95 per kind
of request and overall, and every error (an exception, a status of 400 or more, or a status
other than the page's own). The visits it posted are deleted afterwards.
"""

import argparse
import http.client
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import psycopg2

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.city import DATABASE_URL, ENVIRONMENT, ROOT, machine, percentile, require_city

SUMMARY = "负载测试走访"
# The settings' TIME_ZONE: a visit dated after the server's today is refused.
CITY_TIME = ZoneInfo("Asia/Shanghai")
HOUSEHOLD_LINK = re.compile(r'href="/me/households/(\d+)/"')
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Browser:
    """One cadre's phone: its cookies, one new connection per request, as gunicorn's sync workers
    close each connection after answering."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name] = rest.split(";", 1)[0]
            return response.status, text
        finally:
            connection.close()

    def sign_in(self, username: str, password: str) -> None:
        status, page = self.request("GET", "/accounts/login/")
        token = CSRF_FIELD.search(page).group(1)
        status, _ = self.request(
            "POST",
            "/accounts/login/",
            {"username": username, "password": password, "csrfmiddlewaretoken": token},
        )
        if status != 302:
            raise RuntimeError(f"{username} could not sign in (status {status})")


class Recorder:
    """Response times by kind of request, and the errors, from every cadre's thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seconds: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []

    def call(self, kind: str, expected: int, run: object) -> str | None:
        started = time.perf_counter()
        try:
            status, text = run()
        except Exception as error:  # every failure counts; none may stop the test
            with self.lock:
                self.errors.append(f"{kind}: {error!r}")
            return None
        elapsed = time.perf_counter() - started
        with self.lock:
            self.seconds[kind].append(elapsed)
            if status != expected:
                self.errors.append(f"{kind}: status {status}")
        return text if status == expected else None


def cadre(
    browser: Browser, recorder: Recorder, deadline: float, rng: random.Random, think: float
) -> None:
    def pause() -> None:
        time.sleep(think * rng.uniform(0.5, 1.5))

    pause()  # the cadres do not all start in the same instant
    while time.perf_counter() < deadline:
        page = recorder.call("my households", 200, lambda: browser.request("GET", "/me/"))
        households = HOUSEHOLD_LINK.findall(page or "")
        if not households:
            with recorder.lock:
                recorder.errors.append("my households: no household listed")
            return
        household = rng.choice(households)
        base = f"/me/households/{household}/"
        pause()
        recorder.call("household", 200, lambda base=base: browser.request("GET", base))
        pause()
        form = recorder.call(
            "visit form", 200, lambda base=base: browser.request("GET", f"{base}visit/")
        )
        token = CSRF_FIELD.search(form or "")
        if token is None:
            continue
        visit = {
            "csrfmiddlewaretoken": token.group(1),
            "client_key": str(uuid.uuid4()),
            "visited_on": datetime.now(CITY_TIME).date().isoformat(),
            "method": "home",
            "outcome": "met",
            "summary": SUMMARY,
            "tasks": ["task_policy"],
            "satisfaction": "satisfied",
            "needs-TOTAL_FORMS": "0",
            "needs-INITIAL_FORMS": "0",
            "needs-MIN_NUM_FORMS": "0",
            "needs-MAX_NUM_FORMS": "10",
        }
        pause()
        recorder.call(
            "post visit",
            302,
            lambda base=base, visit=visit: browser.request("POST", f"{base}visit/", visit),
        )
        pause()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cadre_usernames(count: int) -> list[str]:
    connection = psycopg2.connect(DATABASE_URL)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT u.username FROM auth_user u JOIN units_cadre c ON c.user_id = u.id"
            " WHERE c.in_service AND u.is_active AND EXISTS (SELECT 1 FROM"
            " units_householdassignment a WHERE a.cadre_id = c.id AND a.ended_on IS NULL)"
            " ORDER BY u.id"
        )
        usernames = [row[0] for row in cursor.fetchall()]
    connection.close()
    step = max(1, len(usernames) // count)
    return usernames[::step][:count]


def delete_test_visits() -> int:
    connection = psycopg2.connect(DATABASE_URL)
    with connection, connection.cursor() as cursor:
        cursor.execute("DELETE FROM visits_visit WHERE summary = %s", [SUMMARY])
        deleted = cursor.rowcount
    connection.close()
    return deleted


def start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    env = {
        **os.environ,
        **ENVIRONMENT,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(workers),
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    process = subprocess.Popen(  # noqa: S603
        [gunicorn, "--config", "gunicorn.conf.py", "--access-logfile", "/dev/null"],
        cwd=ROOT,
        env=env,
    )
    for _ in range(300):
        try:
            if Browser(port).request("GET", "/accounts/login/")[0] == 200:
                return process
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("gunicorn did not answer")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cadres", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--think", type=float, default=0.0)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument("--password", default=os.environ.get("CITY_PASSWORD", "Ganbu@2026"))
    options = parser.parse_args()
    require_city()
    port = free_port()
    server = start_gunicorn(port, options.workers)
    try:
        usernames = cadre_usernames(options.cadres)
        browsers = [Browser(port) for _ in usernames]
        started = time.perf_counter()
        for browser, username in zip(browsers, usernames, strict=True):
            browser.sign_in(username, options.password)
        print(
            f"Machine: {machine()}; gunicorn with {options.workers} sync workers; "
            f"{options.think} s average pause between a cadre's requests"
        )
        print(f"{len(browsers)} cadres signed in in {time.perf_counter() - started:.1f} s")
        recorder = Recorder()
        deadline = time.perf_counter() + options.seconds
        threads = [
            threading.Thread(
                target=cadre, args=(b, recorder, deadline, random.Random(n), options.think)
            )
            for n, b in enumerate(browsers)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    every = [s for seconds in recorder.seconds.values() for s in seconds]
    print(
        f"{len(every):,} requests in {elapsed:.1f} s: {len(every) / elapsed:.1f} requests/s, "
        f"{len(recorder.errors)} errors"
    )
    for kind, seconds in [*recorder.seconds.items(), ("all", every)]:
        print(
            f"  {kind:14} {len(seconds):6,}   p50 {statistics.median(seconds) * 1000:7.1f} ms"
            f"   p95 {percentile(seconds, 0.95) * 1000:7.1f} ms"
        )
    for error in sorted(set(recorder.errors))[:20]:
        print(f"  error: {error} (×{recorder.errors.count(error)})")
    print(f"{delete_test_visits():,} test visits deleted")


if __name__ == "__main__":
    main()
