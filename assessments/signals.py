"""Signals from the assessments services, for whoever keeps a record of them (the audit trail)."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.dispatch import Signal

# Sent after each step of an assessment, a checklist or a rectification item, inside its
# transaction: action (e.g. "assessment_approve"), obj, user (who acted, or None for the system)
# and details (dict: totals as text, comments).
step_taken = Signal()


def announce(action: str, obj: Any, user: AbstractBaseUser | None, **details: Any) -> None:
    """Send ``step_taken`` for ``obj``; ``user`` is who acted (None: the system)."""
    step_taken.send(sender=type(obj), action=action, obj=obj, user=user, details=details)
