"""Who may take each step of a project's life, decided by the project's access rules.

``shuanglian.access.decisions`` registers the decisions when the project starts, as it does for
``units.rules``, so that this app need not import it. A decision nobody registered refuses.
"""

from collections.abc import Callable
from typing import Any

from django.db import models

Decision = Callable[[Any, models.Model | None], bool]
decisions: dict[str, Decision] = {}

# Keep a work group's projects and activities: its unit's liaison and the coordinators over
# its village.
KEEP_PROJECT = "keep_project"
# Review applications and accept finished projects: the coordinators over the village.
REVIEW_PROJECT = "review_project"
# Approve allocations, record disbursements and keep the fund pools: city coordinators.
APPROVE_FUNDS = "approve_funds"
# Take the ledger (台账) of an area: the coordinators over it, and a unit's liaison for the
# areas of the villages it links. The area is None for everything the user may see.
SEE_LEDGER = "see_ledger"


def decide(name: str, user: Any, obj: models.Model | None) -> bool:
    decision = decisions.get(name)
    return decision is not None and decision(user, obj)


def may_keep(user: Any, work_group: models.Model) -> bool:
    """Whether ``user`` may add or change projects and activities of ``work_group``."""
    return decide(KEEP_PROJECT, user, work_group)


def may_review(user: Any, project: models.Model) -> bool:
    """Whether ``user`` may review an application for ``project`` or accept the project."""
    return decide(REVIEW_PROJECT, user, project)


def may_approve(user: Any) -> bool:
    """Whether ``user`` may approve allocations, pay them out and keep the fund pools."""
    return decide(APPROVE_FUNDS, user, None)


def may_see_ledger(user: Any, area: models.Model | None) -> bool:
    """Whether ``user`` may take the ledger of ``area`` (None: all they may see)."""
    return decide(SEE_LEDGER, user, area)
