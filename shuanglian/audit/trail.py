"""Writing the audit trail: who did what to which object, from where, and with what result."""

import contextlib
import datetime
import json
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from common.client_address import client_ip
from shuanglian.models import AuditEvent
from villages.imports.audit import SYSTEM_ACTOR

# The request being served, so that model-change events carry who made them and from where.
current_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)

REPR_MAX = AuditEvent._meta.get_field("object_repr").max_length


def _signed_in(request: HttpRequest | None) -> AbstractBaseUser | None:
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def record(
    *,
    request: HttpRequest | None = None,
    user: AbstractBaseUser | None = None,
    action: str,
    obj: models.Model | None = None,
    result: str = AuditEvent.Result.SUCCESS,
    username: str = "",
    ip: str | None = None,
    **details: Any,
) -> AuditEvent:
    """Add one event; the user defaults to the request's signed-in user, the address to the
    request's (work done later, by the worker, names the address it was asked from)."""
    if request is None:
        request = current_request.get()
    if user is None:
        user = _signed_in(request)
    event = AuditEvent(
        user=user if user is not None and user.pk is not None else None,
        username=user.get_username() if user is not None else username,
        ip=ip or (client_ip(request) if request is not None else None),
        action=action,
        result=result,
        details=details,
    )
    if obj is not None:
        event.object_type = obj._meta.label_lower
        event.object_id = str(obj.pk)
        event.object_repr = str(obj)[:REPR_MAX]
    event.save()
    return event


# --- Removing old events: the one way the database lets events go ------------------------

PURGE = "purge"
# 等保 2.0 asks for at least six months of logs.
MINIMUM_RETENTION_DAYS = 184


@contextlib.contextmanager
def _sqlite_deletes_opened(*, everything: bool, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    # SQLite has no functions: a guard row, inside the caller's transaction, opens deletes.
    with connections[using].cursor() as cursor:
        cursor.execute(
            "INSERT INTO shuanglian_auditevent_purge_guard (everything) VALUES (%s)",
            [int(everything)],
        )
        try:
            yield
        finally:
            cursor.execute("DELETE FROM shuanglian_auditevent_purge_guard")


@contextlib.contextmanager
def all_events_deletable(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Let ``flush`` empty the audit table with the rest of the database (SQLite only: on
    PostgreSQL ``flush`` truncates, which the append-only trigger does not cover)."""
    if connections[using].vendor != "sqlite":
        yield
        return
    with transaction.atomic(using), _sqlite_deletes_opened(everything=True, using=using):
        yield


@transaction.atomic
def purge_events(*, cutoff: datetime.datetime, username: str, **details: Any) -> int:
    """Delete the events from before ``cutoff`` and record who did it; returns how many."""
    if cutoff > timezone.now() - datetime.timedelta(days=MINIMUM_RETENTION_DAYS):
        raise ValueError(f"audit events are kept for at least {MINIMUM_RETENTION_DAYS} days")
    if connection.vendor == "postgresql":
        # The function deletes, keeps the young events and adds the purge's own event.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT purge_audit_events(%s, %s, %s::jsonb)",
                [cutoff, username, json.dumps(details, cls=DjangoJSONEncoder)],
            )
            return cursor.fetchone()[0]
    with connection.cursor() as cursor, _sqlite_deletes_opened(everything=False):
        cursor.execute(
            "DELETE FROM shuanglian_auditevent WHERE at < %s",
            [connection.ops.adapt_datetimefield_value(cutoff)],
        )
        removed = cursor.rowcount
    record(action=PURGE, username=username, rows=removed, cutoff=cutoff.isoformat(), **details)
    return removed


# --- What is recorded without anyone calling record() -------------------------------------

SIGN_IN = "sign_in"
LOCKOUT = "lockout"
REVEAL = "reveal"
# Saving a user with only these fields changed is routine bookkeeping, not a change to audit.
ROUTINE_USER_FIELDS = frozenset({"last_login"})


def _on_signed_in(sender: Any, request: HttpRequest, user: AbstractBaseUser, **kwargs: Any) -> None:
    record(request=request, user=user, action=SIGN_IN)


def _on_sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Unknown user names are kept too: they show someone guessing.
    username = str(credentials.get("username", ""))[:150]
    record(request=request, action=SIGN_IN, result=AuditEvent.Result.FAILURE, username=username)


def _on_locked_out(
    sender: Any, request: HttpRequest | None = None, username: str = "", **kwargs: Any
) -> None:
    record(
        request=request,
        action=LOCKOUT,
        result=AuditEvent.Result.REFUSED,
        username=str(username or "")[:150],
    )


def _on_saved(
    sender: type[models.Model], instance: models.Model, created: bool, raw: bool = False, **kwargs
) -> None:
    if raw:
        return
    fields = kwargs.get("update_fields")
    if fields is not None and frozenset(fields) <= ROUTINE_USER_FIELDS:
        return
    details = {"fields": sorted(fields)} if fields else {}
    record(action="create" if created else "change", obj=instance, **details)


def _on_deleted(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    record(action="delete", obj=instance)


def _on_m2m_changed(
    sender: Any, instance: models.Model, action: str, reverse: bool, model: Any, **kwargs: Any
) -> None:
    if not action.startswith("post_"):
        return
    record(
        action="change",
        obj=instance,
        relation=sender._meta.model_name,
        change=action.removeprefix("post_"),
        related=sorted(kwargs.get("pk_set") or []),
    )


def _on_transferred(
    sender: Any,
    request: HttpRequest | None,
    action: str,
    model: type[models.Model],
    rows: int,
    details: dict[str, Any],
    user: AbstractBaseUser | None = None,
    ip: str | None = None,
    **kwargs: Any,
) -> None:
    record(
        request=request,
        user=user,
        ip=ip,
        action=action,
        model=model._meta.label_lower,
        rows=rows,
        **details,
    )


def _on_assignments_changed(
    sender: Any,
    action: str,
    cadre: models.Model | None,
    households: int,
    details: dict[str, Any],
    **kwargs: Any,
) -> None:
    record(
        action=f"assignments_{action}",
        obj=cadre,
        households=households,
        **details,
    )


def _on_project_step(
    sender: Any,
    action: str,
    obj: models.Model,
    user: AbstractBaseUser | None,
    details: dict[str, Any],
    **kwargs: Any,
) -> None:
    record(user=user, action=action, obj=obj, username="" if user else SYSTEM_ACTOR, **details)


def audited_models() -> list[type[models.Model]]:
    """Models whose every change is recorded: accounts, roles and scopes, work groups, links."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from projects.models import FundPool
    from shuanglian.models import UserScope
    from units.models import HouseholdAssignment, WorkGroup, WorkGroupMember

    return [
        get_user_model(),
        Group,
        UserScope,
        WorkGroup,
        WorkGroupMember,
        HouseholdAssignment,
        FundPool,
    ]


def connect_receivers() -> None:
    """Listen for sign-ins, lockouts, spreadsheet transfers and changes to audited models."""
    from django.apps import apps
    from django.contrib.auth import get_user_model
    from django.contrib.auth.signals import user_logged_in, user_login_failed
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from assessments.signals import step_taken as assessment_step_taken
    from common.exports import transferred
    from projects.signals import step_taken
    from satisfaction.signals import step_taken as survey_step_taken
    from units.signals import assignments_changed

    user_logged_in.connect(_on_signed_in, dispatch_uid="audit_sign_in")
    user_login_failed.connect(_on_sign_in_failed, dispatch_uid="audit_sign_in_failed")
    if apps.is_installed("axes"):
        from axes.signals import user_locked_out

        user_locked_out.connect(_on_locked_out, dispatch_uid="audit_locked_out")
    transferred.connect(_on_transferred, dispatch_uid="audit_transferred")
    assignments_changed.connect(_on_assignments_changed, dispatch_uid="audit_bulk_assignments")
    step_taken.connect(_on_project_step, dispatch_uid="audit_project_steps")
    survey_step_taken.connect(_on_project_step, dispatch_uid="audit_survey_steps")
    # An assessment's steps are recorded as a project's are.
    assessment_step_taken.connect(_on_project_step, dispatch_uid="audit_assessment_steps")
    for model in audited_models():
        uid = model._meta.label_lower
        post_save.connect(_on_saved, sender=model, dispatch_uid=f"audit_saved_{uid}")
        post_delete.connect(_on_deleted, sender=model, dispatch_uid=f"audit_deleted_{uid}")
    user_model = get_user_model()
    for through in (user_model.groups.through, user_model.user_permissions.through):
        m2m_changed.connect(_on_m2m_changed, sender=through, dispatch_uid=f"audit_m2m_{through}")
