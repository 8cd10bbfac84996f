"""Who a user is to the campaign: a role and the area, unit or cadre it covers.

The visibility rules (``shuanglian.access.rules``) and the decisions other apps ask for
(``shuanglian.access.decisions``) start from a user's scope.
"""

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Permission
from django.db.models import QuerySet

from shuanglian.models import Role
from units.models import Cadre, WorkGroup

COORDINATORS = frozenset({Role.CITY, Role.COUNTY, Role.TOWNSHIP, Role.LIAISON})


@dataclass(frozen=True)
class Scope:
    """What one user covers: a role and, depending on it, a county, township, unit or cadre."""

    role: str | None
    user_id: int | None = None
    county_id: int | None = None
    township_id: int | None = None
    unit_id: int | None = None
    cadre_id: int | None = None
    full_personal_data: bool = False

    @property
    def is_city(self) -> bool:
        return self.role == Role.CITY

    @property
    def is_coordinator(self) -> bool:
        return self.role in COORDINATORS

    @property
    def reads_audit_trail(self) -> bool:
        """City coordinators (superusers among them) and audit viewers; nobody writes it."""
        return self.role in (Role.CITY, Role.AUDITOR)

    @cached_property
    def unit_cadre_ids(self) -> list[int]:
        """The keys of the unit's cadres, read once for the request the scope belongs to."""
        return list(Cadre.objects.filter(unit_id=self.unit_id).values_list("pk", flat=True))

    @cached_property
    def linked_village_ids(self) -> list[int]:
        """The keys of the villages the unit links, read once like ``unit_cadre_ids``."""
        return list(
            WorkGroup.objects.filter(unit_id=self.unit_id)
            .order_by()
            .values_list("village_id", flat=True)
        )


NOBODY = Scope(role=None)
_CACHE_ATTRIBUTE = "_access_scope"


# Everything a coordinator may be given in admin; the role's scope decides what they see.
COORDINATOR_APPS = (
    "villages",
    "units",
    "visits",
    "projects",
    "assessments",
    "satisfaction",
    "visitflags",
    "shuanglian",
    "auth",
)


def coordinator_permissions() -> QuerySet:
    return Permission.objects.filter(content_type__app_label__in=COORDINATOR_APPS)


def scope_of(user: Any) -> Scope:
    """The user's scope; a superuser is a city coordinator with full personal data."""
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return NOBODY
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    scope = _load_scope(user)
    setattr(user, _CACHE_ATTRIBUTE, scope)
    return scope


def forget_scope(user: Any) -> None:
    """Drop the scope remembered on ``user`` after its role changed."""
    if hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)


def _load_scope(user: Any) -> Scope:
    if not user.is_active:
        return NOBODY
    if user.is_superuser:
        return Scope(role=Role.CITY, user_id=user.pk, full_personal_data=True)
    # One query for the granted scope and the cadre the account belongs to, if any.
    row = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .values(
            "scope__role",
            "scope__county_id",
            "scope__township_id",
            "scope__township__county_id",
            "scope__unit_id",
            "scope__full_personal_data",
            "cadre__pk",
            "cadre__unit_id",
        )
        .first()
    )
    if row is None:
        return NOBODY
    role = row["scope__role"]
    if role is None or role == Role.CADRE:
        if row["cadre__pk"] is None:
            return NOBODY
        return Scope(
            role=Role.CADRE,
            user_id=user.pk,
            unit_id=row["cadre__unit_id"],
            cadre_id=row["cadre__pk"],
            full_personal_data=bool(row["scope__full_personal_data"]),
        )
    return Scope(
        role=role,
        user_id=user.pk,
        county_id=row["scope__county_id"] or row["scope__township__county_id"],
        township_id=row["scope__township_id"],
        unit_id=row["scope__unit_id"],
        full_personal_data=row["scope__full_personal_data"],
    )
