"""Who may take each step of an assessment, decided by the project's access rules.

``shuanglian.access.decisions`` registers the decisions when the project starts, as it does
for ``projects.rules``. A decision nobody registered refuses.
"""

from collections.abc import Callable
from typing import Any

from django.db import models

Decision = Callable[[Any, models.Model | None], bool]
decisions: dict[str, Decision] = {}

# Keep the checklists (criteria, weights, thresholds): city coordinators.
KEEP_CHECKLIST = "keep_checklist"
# Fill a village's self-assessment, upload its evidence and report rectification progress:
# the liaison of a unit linked to the village, and the village's township coordinators.
FILL_ASSESSMENT = "fill_assessment"
# Review a self-assessment, set rectification items and accept them: the township's
# coordinators (and the city's).
REVIEW_ASSESSMENT = "review_assessment"
# Approve a reviewed assessment: the county's coordinators (and the city's).
APPROVE_ASSESSMENT = "approve_assessment"


def decide(name: str, user: Any, obj: models.Model | None) -> bool:
    decision = decisions.get(name)
    return decision is not None and decision(user, obj)


def may_keep_checklist(user: Any) -> bool:
    return decide(KEEP_CHECKLIST, user, None)


def may_fill(user: Any, village: models.Model) -> bool:
    """Whether ``user`` may fill the self-assessment of ``village``."""
    return decide(FILL_ASSESSMENT, user, village)


def may_review(user: Any, village: models.Model) -> bool:
    """Whether ``user`` may review the assessment of ``village`` and keep its rectification."""
    return decide(REVIEW_ASSESSMENT, user, village)


def may_approve(user: Any, village: models.Model) -> bool:
    """Whether ``user`` may approve the reviewed assessment of ``village``."""
    return decide(APPROVE_ASSESSMENT, user, village)
