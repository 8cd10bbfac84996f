"""Admin of work groups' activities, with their photos, saved through ``save_activity``."""

import mimetypes
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.aggregates import count_subquery
from common.paginators import LIST_PER_PAGE
from projects import rules
from projects.activities import save_activity
from projects.admin.forms import ActivityForm, ServiceSaveMixin
from projects.models import Activity, ActivityPhoto
from villages.admin_filters import area_filters


@admin.register(Activity)
class ActivityAdmin(ServiceSaveMixin, admin.ModelAdmin):
    form = ActivityForm
    list_display = [
        "held_on",
        "title",
        "kind",
        "village",
        "unit",
        "attendees",
        "households_reached",
        "photo_count",
    ]
    list_filter = ["kind", "held_on", *area_filters("village")]
    search_fields = ["title", "village__name", "unit__name"]
    list_per_page = LIST_PER_PAGE
    autocomplete_fields = ["work_group"]
    fields = [
        "work_group",
        "unit",
        "village",
        "kind",
        "held_on",
        "title",
        "description",
        "attendees",
        "households_reached",
        "photo_gallery",
        "photos",
    ]
    readonly_fields = ["unit", "village", "photo_gallery"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related("village__township", "unit", "work_group__village")
            .annotate(n_photos=count_subquery(ActivityPhoto.objects, "activity"))
        )

    @admin.display(description=_("photos"), ordering="n_photos")
    def photo_count(self, obj: Activity) -> int:
        return obj.n_photos

    @admin.display(description=_("photos"))
    def photo_gallery(self, obj: Activity) -> str:
        if obj.pk is None:
            return ""
        links = [
            (reverse("admin:projects_activity_photo", args=[obj.pk, photo.pk]), number)
            for number, photo in enumerate(obj.photos.order_by("pk"), start=1)
        ]
        if not links:
            return gettext("No photos yet.")
        return format_html_join(
            " ", '<a href="{}" target="_blank" class="activity-photo">{}</a>', links
        )

    def get_fields(self, request: HttpRequest, obj: Activity | None = None) -> list[str]:
        # The upload field is the form's: a page shown read-only lists the photos only.
        if obj is not None and not self.has_change_permission(request, obj):
            return [name for name in self.fields if name != "photos"]
        return self.fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or rules.may_keep(request.user, obj.work_group))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or rules.may_keep(request.user, obj.work_group))

    def save_model(self, request: HttpRequest, obj: Activity, form: Any, change: bool) -> None:
        self.through_service(
            lambda: save_activity(
                activity=obj, by=request.user, photos=form.cleaned_data.get("photos")
            )
        )

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.photo_view)
        return [
            path("<int:pk>/photos/<int:photo>/", view, name="projects_activity_photo"),
            *super().get_urls(),
        ]

    def photo_view(self, request: HttpRequest, pk: int, photo: int) -> FileResponse:
        """An activity's photo: media is not served publicly."""
        if not self.has_view_permission(request):
            raise Http404
        activity = get_object_or_404(self.get_queryset(request), pk=pk)
        found = get_object_or_404(
            ActivityPhoto.objects.visible_to(request.user).filter(activity=activity), pk=photo
        )
        content_type = mimetypes.guess_type(found.photo.name)[0] or "application/octet-stream"
        if not content_type.startswith("image/"):
            content_type = "application/octet-stream"
        return FileResponse(found.photo.open("rb"), content_type=content_type)
