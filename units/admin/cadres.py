"""Admin of cadres: the list, hand-overs of households and sign-in accounts."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.aggregates import count_subquery
from common.exports import SpreadsheetImportExportMixin
from common.paginators import EstimatedCountAdminMixin
from common.personal_data import PersonalDataAdminMixin
from units.accounts import IssuedLogin, create_login, create_logins, reset_one_time_password
from units.admin.actions import redirect_to_one
from units.admin.filters import HandoverNeededFilter
from units.admin.forms import error_code, with_acting_user
from units.admin.permissions import keeps, refuse_unkept
from units.admin.picker import CadrePickerView, cadre_autocomplete_field
from units.assignments import hand_over_households, handed_over_households
from units.forms import CadreForm, over_maximum_field
from units.models import Cadre, HouseholdAssignment
from units.resources import CadreResource
from units.rules import may_issue_login
from villages.validators import mask_personal_numbers


class HandOverForm(forms.Form):
    on = forms.DateField(
        label=_("hand-over date"), initial=timezone.localdate, widget=AdminDateWidget
    )
    reason = forms.CharField(
        label=_("reason for the hand-over"),
        max_length=200,
        help_text=_("For example: retired, or moved to another unit."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_cadre"] = cadre_autocomplete_field(label=_("hand over to"))
        self.fields["over_maximum"] = over_maximum_field()
        self.order_fields(["to_cadre", "on", "reason", "over_maximum"])


class CreateLoginForm(forms.Form):
    username = forms.CharField(
        label=_("username"),
        max_length=150,
        help_text=_("The cadre signs in with this; the phone number is a good choice."),
    )


# Which field of the hand-over form a refusal belongs to, by its code.
HAND_OVER_ERROR_FIELDS = {"ends_before_start": "on", "over_maximum": "over_maximum"}


# Accounts made at once by the action; their one-time passwords fill one printed page.
CREATE_LOGINS_MAX = 100


class CadreInline(PersonalDataAdminMixin, admin.TabularInline):
    model = Cadre
    fields = ["name", "position", "phone", "is_party_member", "in_service"]
    extra = 0
    show_change_link = True

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if self.has_full_personal_data(request):
            return self.fields
        return ["masked_phone" if name == "phone" else name for name in self.fields]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if self.has_full_personal_data(request) else ["masked_phone"]

    @admin.display(description=_("phone"))
    def masked_phone(self, obj: Cadre) -> str:
        return obj.masked_phone

    # The cadres of a unit are kept by whoever keeps the unit (``obj`` is the unit).
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return keeps(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return keeps(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return keeps(request, obj) and super().has_delete_permission(request, obj)


class ActiveAssignmentInline(admin.TabularInline):
    model = HouseholdAssignment
    fk_name = "cadre"
    fields = ["household", "started_on"]
    readonly_fields = fields
    verbose_name_plural = _("households linked now")
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).active().select_related("household__village")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Cadre)
class CadreAdmin(
    PersonalDataAdminMixin, EstimatedCountAdminMixin, SpreadsheetImportExportMixin, admin.ModelAdmin
):
    resource_classes = [CadreResource]
    form = CadreForm
    list_display = [
        "name",
        "unit",
        "position",
        "masked_phone",
        "is_party_member",
        "in_service",
        "household_count",
    ]
    list_select_related = ["unit"]
    list_filter = [
        "in_service",
        "is_party_member",
        "unit__level",
        "unit__kind",
        HandoverNeededFilter,
    ]
    actions = ["hand_over", "create_sign_in_accounts"]
    search_fields = ["name", "position", "unit__name", "phone"]
    autocomplete_fields = ["unit", "user"]
    readonly_fields = ["contact_cards_link", "sign_in_account"]
    inlines = [ActiveAssignmentInline]
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related("unit")
            .annotate(n_households=count_subquery(HouseholdAssignment.objects.active(), "cadre"))
        )

    @admin.display(description=_("phone"), ordering="phone")
    def masked_phone(self, obj: Cadre) -> str:
        return obj.masked_phone

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Without full personal data a saved cadre's phone is shown masked and kept as it is.
        # Accounts are named by phone number, so the account field goes too; the account is
        # then kept through the sign-in account buttons.
        if self.has_full_personal_data(request):
            return list(super().get_exclude(request, obj) or [])
        hidden = ["user"] if obj is None else ["phone", "user"]
        return [*(super().get_exclude(request, obj) or []), *hidden]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and not self.has_full_personal_data(request):
            fields.append("masked_phone")
        return fields

    @admin.display(description=_("number of linked households"), ordering="n_households")
    def household_count(self, obj: Cadre) -> int:
        return obj.n_households

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # Households are only ever given to cadres in service: offer no one else.
        picking_responsible = (
            request.GET.get("model_name") == "householdassignment"
            and request.GET.get("field_name") == "cadre"
        )
        if picking_responsible:
            queryset = queryset.in_service()
        return queryset, may_have_duplicates

    def has_hand_over_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("units.change_householdassignment")

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        return with_acting_user(super().get_form(request, obj, change=change, **kwargs), request)

    # A cadre's record is the unit's: kept by whoever keeps the unit.
    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        unit = obj.unit if obj is not None else None
        return keeps(request, unit) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        unit = obj.unit if obj is not None else None
        return keeps(request, unit) and super().has_delete_permission(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        refuse_unkept(request, [cadre.unit for cadre in queryset.select_related("unit")])
        super().delete_queryset(request, queryset)

    @admin.action(description=_("Hand households over to another cadre"), permissions=["hand_over"])
    def hand_over(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return redirect_to_one(
            self,
            request,
            queryset,
            "admin:units_cadre_handover",
            gettext("Choose one cadre to hand over at a time."),
        )

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/handover/", view(self.handover_view), name="units_cadre_handover"),
            path(
                "pick/",
                view(CadrePickerView.as_view(admin_site=self.admin_site)),
                name="units_cadre_pick",
            ),
            path("<int:pk>/login/", view(self.create_login_view), name="units_cadre_create_login"),
            *super().get_urls(),
        ]

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            # The account field says whether this user may issue the cadre's password.
            obj.login_issuable = may_issue_login(request.user, obj)
            obj.username_unmasked = self.has_full_personal_data(request)
        return obj

    @admin.display(description=_("sign-in account"))
    def sign_in_account(self, obj: Cadre) -> str:
        if obj.pk is None:
            return self.get_empty_value_display()
        url = reverse("admin:units_cadre_create_login", args=[obj.pk])
        issuable = getattr(obj, "login_issuable", False)
        if obj.user_id is None:
            if not issuable:
                return self.get_empty_value_display()
            return format_html('<a class="button" href="{}">{}</a>', url, _("Create an account"))
        state = _("must change the one-time password") if obj.must_change_password else ""
        last_set = ""
        if obj.password_set_at is not None:
            last_set = gettext("password set on %(when)s by %(who)s") % {
                "when": date_format(timezone.localtime(obj.password_set_at), "Y-m-d H:i"),
                "who": obj.password_set_by_label or gettext("the system"),
            }
        button = (
            format_html('<a class="button" href="{}">{}</a>', url, _("Reset the one-time password"))
            if issuable
            else ""
        )
        username = obj.user.get_username()
        if not getattr(obj, "username_unmasked", False):
            username = mask_personal_numbers(username)
        return format_html(
            '{} <span class="help">{} {}</span> {}',
            username,
            state,
            last_set,
            button,
        )

    @admin.action(
        description=_("Create sign-in accounts (username: phone number)"), permissions=["change"]
    )
    def create_sign_in_accounts(
        self, request: HttpRequest, queryset: QuerySet
    ) -> HttpResponse | None:
        cadres = list(queryset.order_by("unit__name", "name", "pk")[: CREATE_LOGINS_MAX + 1])
        if len(cadres) > CREATE_LOGINS_MAX:
            message = gettext("Choose at most %(max)s cadres at a time.")
            self.message_user(request, message % {"max": CREATE_LOGINS_MAX}, messages.ERROR)
            return None
        issued, skipped = create_logins(cadres=cadres, by=request.user)
        for login in issued:
            self._log_issued(request, login, created=True)
        return self._issued_page(request, issued=issued, skipped=skipped)

    def create_login_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Create the cadre's account or reset its one-time password; show the password once."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        cadre = get_object_or_404(
            self.get_queryset(request).select_related("user", "password_set_by"), pk=pk
        )
        if not may_issue_login(request.user, cadre):
            raise PermissionDenied
        creating = cadre.user_id is None
        form = CreateLoginForm(
            request.POST if request.method == "POST" else None, initial={"username": cadre.phone}
        )
        error = None
        if request.method == "POST" and (form.is_valid() or not creating):
            try:
                if creating:
                    login = create_login(
                        cadre=cadre, username=form.cleaned_data["username"], by=request.user
                    )
                else:
                    login = reset_one_time_password(cadre=cadre, by=request.user)
            except ValidationError as problem:
                if creating:
                    form.add_error("username", problem)
                else:
                    error = " ".join(problem.messages)
            else:
                self._log_issued(request, login, created=creating)
                return self._issued_page(request, issued=[login], skipped=[])
        if creating:
            title = gettext("Create a sign-in account for %(name)s")
        else:
            title = gettext("Reset the one-time password of %(name)s")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title % {"name": cadre.name},
            "cadre": cadre,
            "creating": creating,
            "form": form if creating else None,
            "error": error,
        }
        return TemplateResponse(request, "admin/units/cadre/create_login.html", context)

    def _log_issued(self, request: HttpRequest, login: IssuedLogin, *, created: bool) -> None:
        # The admin history says what was done, never the password.
        if created:
            message = gettext("Created the sign-in account %(username)s.")
        else:
            message = gettext("Reset the one-time password of %(username)s.")
        self.log_change(request, login.cadre, message % {"username": login.username})

    def _issued_page(
        self,
        request: HttpRequest,
        *,
        issued: list[IssuedLogin],
        skipped: list[tuple[Cadre, str]],
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("One-time passwords"),
            "issued": issued,
            "skipped": skipped,
        }
        response = TemplateResponse(request, "admin/units/cadre/login_issued.html", context)
        # The password is on this page only: no browser or proxy may keep a copy.
        add_never_cache_headers(response)
        return response

    def handover_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Show the cadre's households and a successor; hand them all over on POST."""
        if not self.has_hand_over_permission(request):
            raise PermissionDenied
        cadre = get_object_or_404(self.get_queryset(request), pk=pk)
        form = HandOverForm(request.POST if request.method == "POST" else None)
        successors = form.fields["to_cadre"]
        successors.queryset = successors.queryset.visible_to(request.user)
        if form.is_valid():
            to_cadre = form.cleaned_data["to_cadre"]
            try:
                count = hand_over_households(
                    from_cadre=cadre,
                    to_cadre=to_cadre,
                    on=form.cleaned_data["on"],
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                    over_maximum=form.cleaned_data["over_maximum"],
                )
            except ValidationError as error:
                form.add_error(HAND_OVER_ERROR_FIELDS.get(error_code(error), "to_cadre"), error)
            else:
                message = gettext("%(count)s households handed over from %(from)s to %(to)s.")
                values = {"count": count, "from": cadre.name, "to": to_cadre.name}
                self.message_user(request, message % values, messages.SUCCESS)
                change = reverse("admin:units_cadre_change", args=[cadre.pk])
                preserved = {"preserved_filters": self.get_preserved_filters(request)}
                return redirect(add_preserved_filters({**preserved, "opts": self.opts}, change))
        # Only the households in the user's area: the rest are for their own coordinators.
        households = (
            HouseholdAssignment.objects.active()
            .filter(household__in=handed_over_households(from_cadre=cadre, by=request.user))
            .filter(cadre=cadre)
            .select_related("household__village__township")
            .order_by("household__village__code", "household__head_name", "pk")
        )
        page = Paginator(households, 50).get_page(request.GET.get("p"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Hand over the households of %(name)s") % {"name": cadre.name},
            "cadre": cadre,
            "form": form,
            "media": self.media + form.media,
            "page": page,
            "outside": cadre.n_households - page.paginator.count,
        }
        return TemplateResponse(request, "admin/units/cadre/handover.html", context)

    @admin.display(description=_("contact cards"))
    def contact_cards_link(self, obj: Cadre) -> str:
        if obj.pk is None:
            return self.get_empty_value_display()
        url = reverse("units:cadre_cards", args=[obj.pk])
        return format_html('<a href="{}" target="_blank">{}</a>', url, _("Print contact cards"))
