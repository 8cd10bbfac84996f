"""Printable pages: each work group's public notice board and the households' contact cards."""

import mimetypes
from typing import Any

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import cache_control

from units.models import (
    Cadre,
    HouseholdAssignment,
    HouseholdAssignmentQuerySet,
    WorkGroup,
    WorkGroupMember,
)
from units.six_tasks import TASK_LABELS
from villages.models import Household, Village

# Two columns of four on an A4 sheet.
CARDS_PER_PAGE = 8


def _board_cadres(work_group: WorkGroup) -> list[Cadre]:
    """The leader first, then the members in the order they joined; only cadres in service
    (the members prefetched are those the user may see, ``leader_visible`` says for the leader).
    """
    leader = work_group.leader
    if not (leader and leader.in_service and work_group.leader_visible):
        leader = None
    members = [m.cadre for m in work_group.memberships.all() if m.cadre_id != work_group.leader_id]
    return [leader, *members] if leader else members


@staff_member_required
@permission_required("units.view_workgroup", raise_exception=True)
def work_group_board(request: HttpRequest, pk: int) -> HttpResponse:
    """The notice board a work group puts up in its village, ready to print on A4."""
    # Only the cadres the user may see: a board prints names, photos and phones.
    visible = Cadre.objects.visible_to(request.user)
    members = Prefetch(
        "memberships",
        queryset=WorkGroupMember.objects.filter(
            cadre__in_service=True, cadre__in=visible.values("pk")
        )
        .select_related("cadre")
        .order_by("pk"),
    )
    groups = (
        WorkGroup.objects.visible_to(request.user)
        .select_related("unit", "village__township__county", "leader")
        .annotate(leader_visible=Exists(visible.filter(pk=OuterRef("leader_id"))))
    )
    work_group = get_object_or_404(groups.prefetch_related(members), pk=pk)
    context = {
        "work_group": work_group,
        "cadres": _board_cadres(work_group),
        "six_tasks": TASK_LABELS,
        "supervision_phone": settings.BOARD_SUPERVISION_PHONE,
    }
    return render(request, "units/work_group_board.html", context)


def _card_pages(assignments: list[HouseholdAssignment]) -> list[list[HouseholdAssignment]]:
    return [
        assignments[start : start + CARDS_PER_PAGE]
        for start in range(0, len(assignments), CARDS_PER_PAGE)
    ]


def _cards(
    request: HttpRequest, *, title: str, assignments: list[HouseholdAssignment]
) -> HttpResponse:
    context = {
        "title": title,
        "pages": _card_pages(assignments),
        "card_count": len(assignments),
        "six_tasks": TASK_LABELS,
        "supervision_phone": settings.BOARD_SUPERVISION_PHONE,
    }
    return render(request, "units/contact_cards.html", context)


def _active_assignments(user: Any) -> HouseholdAssignmentQuerySet:
    """The links in force whose household and cadre the user may both see."""
    # Only what a card prints: never the resident ID or the household's own phone.
    return (
        HouseholdAssignment.objects.active()
        .filter(
            household__in=Household.objects.visible_to(user).values("pk"),
            cadre__in=Cadre.objects.visible_to(user).values("pk"),
        )
        .select_related("household__village__township", "cadre__unit")
        .only(
            "household__head_name",
            "household__village__name",
            "household__village__township__name",
            "cadre__name",
            "cadre__position",
            "cadre__phone",
            "cadre__unit__name",
        )
    )


@staff_member_required
@permission_required("units.view_householdassignment", raise_exception=True)
def village_cards(request: HttpRequest, pk: int) -> HttpResponse:
    """A contact card for every household of the village that has a cadre, grouped by cadre."""
    village = get_object_or_404(
        Village.objects.visible_to(request.user).select_related("township"), pk=pk
    )
    assignments = _active_assignments(request.user).filter(household__village=village)
    ordered = assignments.order_by("cadre__name", "cadre_id", "household__head_name", "pk")
    return _cards(request, title=str(village), assignments=list(ordered))


@staff_member_required
@permission_required("units.view_householdassignment", raise_exception=True)
def cadre_cards(request: HttpRequest, pk: int) -> HttpResponse:
    """A contact card for every household the cadre is linked to now."""
    cadre = get_object_or_404(Cadre.objects.visible_to(request.user).select_related("unit"), pk=pk)
    assignments = _active_assignments(request.user).filter(cadre=cadre)
    ordered = assignments.order_by(
        "household__village__township__name",
        "household__village__name",
        "household__head_name",
        "pk",
    )
    return _cards(request, title=str(cadre), assignments=list(ordered))


@staff_member_required
@cache_control(private=True, max_age=3600)
def cadre_photo(request: HttpRequest, pk: int) -> FileResponse:
    """A cadre's photo, for the notice board and the cadre admin; media is not served publicly."""
    if not (
        request.user.has_perm("units.view_cadre") or request.user.has_perm("units.view_workgroup")
    ):
        raise PermissionDenied
    cadre = get_object_or_404(Cadre.objects.visible_to(request.user).only("photo"), pk=pk)
    if not cadre.photo:
        raise Http404
    content_type = mimetypes.guess_type(cadre.photo.name)[0] or "application/octet-stream"
    return FileResponse(cadre.photo.open("rb"), content_type=content_type)
