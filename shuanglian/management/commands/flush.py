"""Django's ``flush``, also emptying the audit table, which refuses ordinary deletes."""

from typing import Any

from django.core.management.commands import flush

from shuanglian.audit import trail


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        with trail.all_events_deletable(options["database"]):
            super().handle(**options)
