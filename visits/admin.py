from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from units.admin.assignments import HouseholdRecordListMixin
from units.admin.choices import CadreChoicesMixin
from units.admin.filters import CadreUnitFilter
from units.admin.picker import cadre_autocomplete_field
from units.six_tasks import SIX_TASKS
from villages.admin_filters import area_filters
from visits import needs, rules
from visits.models import Need, NeedNote, Visit, VisitInterval, VisitLocation
from visits.need_views import run_step, step_form, step_forms, success_message
from visits.photos import photo_response

# Needs changed by one action; the chosen ones are listed on the confirmation page.
ACTION_MAX_NEEDS = 200


class NeedInline(CadreChoicesMixin, admin.StackedInline):
    model = Need
    fk_name = "visit"
    fields = ["category", "description", "cadre", "status", "resolution", "closed_on"]
    # Follow-up goes through the need's own page, which writes the steps.
    readonly_fields = ["status", "resolution", "closed_on"]
    autocomplete_fields = ["cadre"]
    extra = 0


@admin.register(Visit)
class VisitAdmin(HouseholdRecordListMixin, CadreChoicesMixin, admin.ModelAdmin):
    list_display = [
        "visited_on",
        "household",
        "village",
        "cadre",
        "method",
        "outcome",
        "task_list",
        "satisfaction",
    ]
    list_select_related = ["household__village__township", "village__township", "cadre__unit"]
    list_filter = [
        "outcome",
        "method",
        "satisfaction",
        "visited_on",
        *area_filters("village"),
        CadreUnitFilter,
    ]
    autocomplete_fields = ["household", "cadre"]
    fieldsets = [
        (None, {"fields": ["household", "cadre", "visited_on", "method", "outcome", "summary"]}),
        (_("Six tasks"), {"fields": [field for field, _label in SIX_TASKS]}),
        (None, {"fields": ["satisfaction", "photo_gallery", "location_line"]}),
    ]
    readonly_fields = ["photo_gallery", "location_line"]
    inlines = [NeedInline]

    @admin.display(description=_("six tasks"))
    def task_list(self, obj: Visit) -> str:
        return "、".join(obj.tasks)

    @admin.display(description=_("photos"))
    def photo_gallery(self, obj: Visit) -> str:
        if obj.pk is None:
            return ""
        photos = [
            (reverse("admin:visits_visit_photo", args=[obj.pk, photo.pk]), photo.pk)
            for photo in obj.photos.order_by("pk")
        ]
        if not photos:
            return gettext("No photos.")
        return format_html_join(
            " ",
            '<a href="{0}" target="_blank" class="visit-photo">'
            '<img src="{0}" alt="" width="96" height="96" loading="lazy"></a>',
            ((url,) for url, _pk in photos),
        )

    @admin.display(description=_("location"))
    def location_line(self, obj: Visit) -> str:
        if obj.pk is None:
            return ""
        if not getattr(obj, "location_visible", False):
            return gettext("Not shown to your role.")
        location = VisitLocation.objects.filter(visit=obj).first()
        if location is None:
            return gettext("Not recorded.")
        return gettext("%(latitude)s, %(longitude)s ±%(accuracy)s m, recorded at %(at)s") % {
            "latitude": location.latitude,
            "longitude": location.longitude,
            "accuracy": location.accuracy,
            "at": date_format(timezone.localtime(location.recorded_at), "Y-m-d H:i"),
        }

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        visit = super().get_object(request, object_id, from_field)
        if visit is not None:
            # Marked on the object: the location's read-only line does not see the request.
            visit.location_visible = rules.may_see_location(request.user, visit)
        return visit

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.photo_view)
        return [
            path("<int:pk>/photos/<int:photo_pk>/", view, name="visits_visit_photo"),
            *super().get_urls(),
        ]

    def photo_view(self, request: HttpRequest, pk: int, photo_pk: int) -> FileResponse:
        """A visit's photo, for those who may see the visit; media is not served publicly."""
        if not self.has_view_permission(request):
            raise Http404
        visit = get_object_or_404(self.get_queryset(request), pk=pk)
        return photo_response(get_object_or_404(visit.photos.all(), pk=photo_pk))


class LateFilter(admin.SimpleListFilter):
    title = _("overdue or not")
    parameter_name = "late"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("yes", _("overdue")), ("no", _("not overdue"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.overdue()
        if self.value() == "no":
            return queryset.not_overdue()
        return queryset


class NeedNoteInline(admin.TabularInline):
    """The need's steps, oldest first; they are written by the follow-up steps only."""

    model = NeedNote
    fields = ["noted_on", "status", "level", "text", "author_name"]
    readonly_fields = fields
    ordering = ["noted_on", "created_at", "pk"]
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name_plural = _("steps, newest last")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("author__cadre")

    @admin.display(description=_("written by"))
    def author_name(self, obj: NeedNote) -> str:
        return obj.author_name

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EscalateActionForm(forms.Form):
    note = forms.CharField(
        label=_("reason for escalating"), widget=forms.Textarea(attrs={"rows": 3})
    )
    on = forms.DateField(label=_("date"), initial=timezone.localdate, widget=AdminDateWidget)


class ReassignActionForm(forms.Form):
    on = forms.DateField(label=_("date"), initial=timezone.localdate, widget=AdminDateWidget)
    note = forms.CharField(
        label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_cadre"] = cadre_autocomplete_field(label=_("new responsible cadre"))
        self.order_fields(["to_cadre", "on", "note"])


@admin.register(Need)
class NeedAdmin(HouseholdRecordListMixin, CadreChoicesMixin, admin.ModelAdmin):
    list_display = [
        "raised_on",
        "household",  # named with its village: 周建德（前王楼村）
        "category",
        "status",
        "level",
        "due_on",
        "late_mark",
        "cadre",
        "progressed_on",
        "closed_on",
    ]
    list_select_related = ["household__village__township", "cadre__unit"]
    list_filter = [
        LateFilter,
        "level",
        "status",
        "category",
        "raised_on",
        *area_filters("village"),
        CadreUnitFilter,
    ]
    autocomplete_fields = ["household", "visit", "cadre"]
    # Status and level change only through the follow-up steps, which write the notes.
    readonly_fields = [
        "follow_up_link",
        "status",
        "level",
        "escalated_on",
        "due_on",
        "progressed_on",
        "resolution",
        "closed_on",
        "satisfaction",
    ]
    inlines = [NeedNoteInline]
    actions = ["escalate", "reassign"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # Set here, list_select_related would be ignored: Django applies it only when the
        # queryset has no select_related of its own.
        return (
            super()
            .get_queryset(request)
            .select_related("household__village__township", "cadre__unit")
            .with_lateness()
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Need | None = None) -> list[str]:
        fields = list(self.readonly_fields)
        return fields if obj is not None else fields[1:]

    @admin.display(description=_("overdue"), ordering="is_late")
    def late_mark(self, obj: Need) -> str:
        if getattr(obj, "is_late", False):
            return format_html('<strong class="need-late">{}</strong>', gettext("overdue"))
        return ""

    @admin.display(description=_("follow up"))
    def follow_up_link(self, obj: Need) -> str:
        url = reverse("admin:visits_need_follow_up", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Follow up this need"))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        if db_field.name == "visit":
            kwargs.setdefault("queryset", Visit.objects.select_related("household"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/follow-up/", view(self.follow_up_view), name="visits_need_follow_up"),
            *super().get_urls(),
        ]

    def follow_up_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The need's steps and the forms for the next ones; one step taken per POST."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        need = get_object_or_404(self.get_queryset(request), pk=pk)
        bound = None
        if request.method == "POST":
            step = request.POST.get("step", "")
            if step not in needs.coordinator_steps(need):
                self.message_user(
                    request, gettext("This step cannot be taken on this need now."), messages.ERROR
                )
                return redirect("admin:visits_need_follow_up", need.pk)
            bound = step_form(step, request.POST)
            if bound.is_valid() and run_step(step=step, need=need, by=request.user, form=bound):
                self.message_user(request, success_message(step, need), messages.SUCCESS)
                return redirect("admin:visits_need_follow_up", need.pk)
            need = get_object_or_404(self.get_queryset(request), pk=pk)
        notes = need.notes.select_related("author__cadre").order_by("noted_on", "created_at", "pk")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Follow up: %(need)s") % {"need": need},
            "need": need,
            "notes": notes,
            "steps": step_forms(needs.coordinator_steps(need), bound),
        }
        return TemplateResponse(request, "admin/visits/need/follow_up.html", context)

    def _chosen(self, request: HttpRequest, queryset: QuerySet) -> list[Need] | None:
        chosen = list(queryset.order_by("pk")[: ACTION_MAX_NEEDS + 1])
        if len(chosen) > ACTION_MAX_NEEDS:
            message = gettext("Choose at most %(max)s needs at a time.") % {"max": ACTION_MAX_NEEDS}
            self.message_user(request, message, messages.ERROR)
            return None
        return chosen

    def _apply(
        self,
        request: HttpRequest,
        chosen: list[Need],
        step: Callable[..., NeedNote],
        done: Callable[[int], str],
        **kwargs: Any,
    ) -> None:
        """Take the step on each need; report how many moved and why the others did not."""
        count = 0
        for need in chosen:
            try:
                step(need=need, by=request.user, **kwargs)
            except ValidationError as error:
                message = gettext("%(name)s (%(category)s): %(reason)s") % {
                    "name": need.household.head_name,
                    "category": need.get_category_display(),
                    "reason": " ".join(error.messages),
                }
                self.message_user(request, message, messages.WARNING)
            else:
                count += 1
        if count:
            self.message_user(request, done(count), messages.SUCCESS)

    def _confirm_page(
        self, request: HttpRequest, chosen: list[Need], form: forms.Form, action: str, title: str
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "chosen": chosen,
            "form": form,
            "action": action,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/visits/need/action_confirm.html", context)

    @admin.action(description=_("Escalate to the next level"), permissions=["change"])
    def escalate(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        chosen = self._chosen(request, queryset)
        if chosen is None:
            return None
        form = EscalateActionForm(request.POST if "confirm" in request.POST else None)
        if not form.is_valid():
            title = gettext("Escalate to the next level")
            return self._confirm_page(request, chosen, form, "escalate", title)
        self._apply(
            request,
            chosen,
            needs.escalate,
            lambda count: (
                gettext("%(count)s needs escalated to the next level.") % {"count": count}
            ),
            **form.cleaned_data,
        )
        return None

    @admin.action(description=_("Reassign to another cadre"), permissions=["change"])
    def reassign(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        chosen = self._chosen(request, queryset)
        if chosen is None:
            return None
        form = ReassignActionForm(request.POST if "confirm" in request.POST else None)
        cadres = form.fields["to_cadre"]
        cadres.queryset = cadres.queryset.visible_to(request.user)
        if not form.is_valid():
            title = gettext("Reassign to another cadre")
            return self._confirm_page(request, chosen, form, "reassign", title)
        self._apply(
            request,
            chosen,
            needs.reassign,
            lambda count: (
                gettext("%(count)s needs reassigned to %(name)s.")
                % {"count": count, "name": form.cleaned_data["to_cadre"].name}
            ),
            **form.cleaned_data,
        )
        return None


@admin.register(VisitInterval)
class VisitIntervalAdmin(admin.ModelAdmin):
    list_display = ["category", "days"]
    list_editable = ["days"]
    ordering = ["days", "category"]
