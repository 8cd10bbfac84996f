"""Report work that runs on the background worker (``manage.py db_worker``).

Queued tasks are stored by their dotted path (``shuanglian.reports.tasks.make_scheduled_reports``),
so the name and this module stay where they are.
"""

import datetime
from typing import Any

from django_tasks import task

from shuanglian.reports import archive


@task()
def make_scheduled_reports(today: str | datetime.date | None = None) -> dict[str, Any]:
    """For the city, every county and every township, archive the last complete week's,
    month's and quarter's reports (.xlsx and PDF) not archived yet. ``today`` (an ISO date)
    stands for the day the run is for; by default, the local date."""
    if isinstance(today, str):
        today = datetime.date.fromisoformat(today)
    return archive.make_scheduled(today).as_dict()
