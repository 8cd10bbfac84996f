"""The assessments admin: each module registers the pages of what it is named for."""

from assessments.admin import assessments, checklists, rectification

__all__ = ["assessments", "checklists", "rectification"]
