"""Decisions about units and their cadres that the project's access rules make.

``shuanglian.access.decisions`` registers them when the project starts, as
``shuanglian.access.rules`` registers the visibility rules, so that this app need not import
it. A decision nobody registered refuses.
"""

from collections.abc import Callable
from typing import Any

from django.db import models

Decision = Callable[[Any, models.Model], bool]
decisions: dict[str, Decision] = {}

EDIT_UNIT = "edit_unit"
ISSUE_LOGIN = "issue_login"


def decide(name: str, user: Any, obj: models.Model) -> bool:
    decision = decisions.get(name)
    return decision is not None and decision(user, obj)


def may_edit_unit(user: Any, unit: models.Model) -> bool:
    """Whether ``user`` may change or delete ``unit`` and its cadres' records."""
    return decide(EDIT_UNIT, user, unit)


def may_issue_login(user: Any, cadre: models.Model) -> bool:
    """Whether ``user`` may create or reset ``cadre``'s sign-in account."""
    return decide(ISSUE_LOGIN, user, cadre)
