"""The survey admin: each module registers the pages of what it is named for."""

from satisfaction.admin import interviewers, rounds, samples

__all__ = ["interviewers", "rounds", "samples"]
