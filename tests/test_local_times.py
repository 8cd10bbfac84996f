"""Times written out for a reader are the site's local time (Asia/Shanghai), never UTC."""

import datetime
import re
from pathlib import Path

from projects.admin.allocations import _step_row
from satisfaction.models import Attempt
from shuanglian.models import AuditEvent

ROOT = Path(__file__).resolve().parent.parent
# 02:30 UTC is 10:30 in Shanghai.
MOMENT = datetime.datetime(2026, 3, 1, 2, 30, tzinfo=datetime.UTC)
# An f-string that formats a time with its hours, without turning it to local time first.
UTC_FORMAT = re.compile(r"\{(?!timezone\.localtime\()[^{}]*:[^{}]*%H[^{}]*\}")


def test_an_audit_event_is_named_by_its_local_time() -> None:
    event = AuditEvent(at=MOMENT, username="city", action="sign_in")
    assert str(event).startswith("2026-03-01 10:30 city")


def test_a_contact_attempt_is_named_by_its_local_time() -> None:
    attempt = Attempt(at=MOMENT, method=Attempt.Method.PHONE, reached=True)
    assert str(attempt).endswith("2026-03-01 10:30")


def test_an_allocation_step_shows_its_local_time() -> None:
    assert _step_row("approved", "city", MOMENT)[2] == "2026-03-01 10:30"


def test_no_code_formats_a_time_of_day_without_turning_it_to_local_time() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted(ROOT.glob("*/**/*.py"))
        if not path.relative_to(ROOT).parts[0].startswith((".", "tests", "benchmarks"))
        and "migrations" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if UTC_FORMAT.search(line)
    ]
    assert found == []
