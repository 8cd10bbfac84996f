"""The units admin: each module registers the pages of what it is named for."""

from units.admin import assignments, cadres, surveys, units, work_groups

__all__ = ["assignments", "cadres", "surveys", "units", "work_groups"]
