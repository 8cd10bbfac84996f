"""The audit trail's record of cadres' passwords issued by coordinators."""

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser

from shuanglian.audit import trail
from units.models import Cadre
from units.signals import login_issued

LOGIN_CREATED = "cadre_login_created"
PASSWORD_RESET = "cadre_password_reset"  # noqa: S105 - an action name, not a password


def _on_login_issued(
    sender: Any,
    cadre: Cadre,
    username: str,
    created: bool,
    by: AbstractBaseUser | None,
    **kwargs: Any,
) -> None:
    # The account, never the password.
    trail.record(
        user=by, action=LOGIN_CREATED if created else PASSWORD_RESET, obj=cadre, account=username
    )


def connect_receivers() -> None:
    login_issued.connect(_on_login_issued, dispatch_uid="audit_cadre_login_issued")
