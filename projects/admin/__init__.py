"""The projects admin: each module registers the pages of what it is named for."""

from projects.admin import activities, allocations, pools, projects

__all__ = ["activities", "allocations", "pools", "projects"]
