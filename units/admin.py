from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.widgets import AdminDateWidget, AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import ForeignKey, Q, QuerySet
from django.forms import ModelChoiceField
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.aggregates import count_subquery
from common.exports import SpreadsheetImportExportMixin
from common.paginators import LIST_PER_PAGE, EstimatedCountAdminMixin, KeysFirstPaginator
from common.personal_data import PersonalDataAdminMixin
from units.accounts import IssuedLogin, create_login, create_logins, reset_one_time_password
from units.assignments import (
    assign_household,
    check_assignment,
    hand_over_households,
    handed_over_households,
)
from units.forms import CadreForm, over_maximum_field
from units.models import (
    Cadre,
    HouseholdAssignment,
    Unit,
    VillageSurvey,
    WorkGroup,
    WorkGroupMember,
)
from units.resources import CadreResource, UnitResource
from units.rules import may_edit_unit, may_issue_login
from villages.admin_filters import area_filters, area_key, choices_once
from villages.models import Household, Village
from villages.validators import mask_personal_numbers


def redirect_to_one(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    url_name: str,
    refusal: str,
) -> HttpResponse | None:
    """An action that works on one object: open its page, or say to choose exactly one."""
    chosen = list(queryset.values_list("pk", flat=True)[:2])
    if len(chosen) != 1:
        model_admin.message_user(request, refusal, messages.WARNING)
        return None
    return redirect(with_list_filters(request, reverse(url_name, args=[chosen[0]])))


def with_list_filters(request: HttpRequest, url: str) -> str:
    """``url`` carrying the search and filters of the list an action was chosen on (the
    action posts to the list's own address), for the page it opens to return to."""
    filters = request.GET.urlencode()
    if not filters:
        return url
    return f"{url}{'&' if '?' in url else '?'}{urlencode({'_changelist_filters': filters})}"


class CadreChoicesMixin:
    """Cadre choices print their unit: load it with them instead of once per option."""

    def formfield_for_foreignkey(
        self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField | None:
        if db_field.related_model is Cadre:
            kwargs.setdefault("queryset", Cadre.objects.select_related("unit"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class HouseholdRecordListMixin(EstimatedCountAdminMixin):
    """Lists of millions of assignments, visits and needs: searched by prefixes and ID suffixes
    that indexes answer (``HouseholdRecordQuerySet.matching``), the unfiltered total estimated,
    a page's keys found before its rows (``KeysFirstPaginator``)."""

    paginator = KeysFirstPaginator

    # Named for the search box; ``matching`` does the searching.
    search_fields = [
        "household__head_name",
        "household__village__name",
        "cadre__name",
        "cadre__unit__name",
    ]
    search_help_text = _(
        "Search by the start of the head's or the cadre's name, the start of the village's or "
        "the unit's name (two characters or more), or the last 4 or more digits of the head's "
        "ID number."
    )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        return queryset.matching(search_term), False

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest = None) -> bool:
        # The unit filter answers to Django's own parameter for the cadre's unit.
        allowed = lookup == CadreUnitFilter.parameter_name
        return allowed or super().lookup_allowed(lookup, value, request)


class CadreUnitFilter(admin.SimpleListFilter):
    """The unit of the records' cadres, offered once the list is narrowed to a county or a
    township, or when the user sees few units: the city's 3,000 units are a sidebar that takes
    longer to render than the list (the search finds records by the unit's name too)."""

    title = _("unit")
    # Django's own parameter for the unit of the cadre, so that addresses keep working.
    parameter_name = "cadre__unit__id__exact"
    cadre_path = "cadre"
    most_choices = 100

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        township, county = (
            area_key(request.GET.get("township")),
            area_key(request.GET.get("county")),
        )
        chosen = area_key(request.GET.get(self.parameter_name))
        return choices_once(
            request,
            ("cadre_unit", township, county, chosen),
            lambda: self.unit_choices(request.user, township, county, chosen),
        )

    def unit_choices(
        self, user: Any, township: int | None, county: int | None, chosen: int | None
    ) -> list:
        units = Unit.objects.visible_to(user).order_by("level", "name")
        if township is not None:
            linking = WorkGroup.objects.filter(village__township_id=township)
            units = units.filter(Q(township_id=township) | Q(pk__in=linking.values("unit_id")))
        elif county is not None:
            linking = WorkGroup.objects.filter(village__township__county_id=county)
            units = units.filter(Q(county_id=county) | Q(pk__in=linking.values("unit_id")))
        choices = list(units.values_list("pk", "name")[: self.most_choices + 1])
        if len(choices) <= self.most_choices:
            return choices
        # Too many to list: only the one chosen, if any.
        return list(units.filter(pk=chosen).values_list("pk", "name")) if chosen else []

    def has_output(self) -> bool:
        # A unit named in the address filters the list even when it is not offered.
        return super().has_output() or self.value() is not None

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        key = area_key(self.value())
        return queryset if key is None else queryset.filter(**{f"{self.cadre_path}__unit_id": key})


class RecorderUnitFilter(CadreUnitFilter):
    """The unit of the cadre who recorded a village survey, offered as ``CadreUnitFilter``
    offers it."""

    parameter_name = "recorded_by__unit__id__exact"
    cadre_path = "recorded_by"


def keys_of(value: str, *, limit: int) -> list[int]:
    """Up to ``limit`` keys from "1,2,3"; whatever is not a key is left out."""
    parts = [part.strip() for part in value.split(",")]
    keys = {int(part) for part in parts if part.isascii() and part.isdigit() and len(part) <= 18}
    return sorted(keys)[:limit]


# Villages whose work groups a picker puts first: those of one page of chosen households.
PICKER_VILLAGES_MAX = 20


class CadrePicker(AutocompleteSelect):
    """The cadre to give households to, found as one types (``CadrePickerView``): each with
    their households and the maximum, the work groups of ``villages`` (or of ``household``'s
    village) first."""

    def __init__(
        self,
        *,
        villages: list[int] | tuple[int, ...] = (),
        household: int | None = None,
        attrs: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(HouseholdAssignment._meta.get_field("cadre"), admin.site, attrs=attrs)
        self.villages = sorted(villages)[:PICKER_VILLAGES_MAX]
        self.household = household

    def get_url(self) -> str:
        url = reverse("admin:units_cadre_pick")
        query = {}
        if self.villages:
            query["villages"] = ",".join(map(str, self.villages))
        if self.household:
            query["household"] = self.household
        return f"{url}?{urlencode(query)}" if query else url


def picker_label(cadre: Cadre) -> str:
    """ "张三 · 市农业农村局 · 本村工作组 · 联系12户/上限15户": what a coordinator weighs."""
    parts = [cadre.name, cadre.unit.name]
    if getattr(cadre, "in_group", False):
        parts.append(gettext("work group of this village"))
    load = gettext("links %(households)s households / maximum %(max)s") % {
        "households": cadre.load,
        "max": settings.ASSIGNMENT_MAX_PER_CADRE,
    }
    return " · ".join([*parts, load])


def picked_villages(user: Any, query: QueryDict) -> QuerySet:
    """Keys of the villages, of those the user sees, whose work groups the picker puts first."""
    villages = Village.objects.visible_to(user)
    wanted = Q(pk__in=keys_of(query.get("villages", ""), limit=PICKER_VILLAGES_MAX))
    household = keys_of(query.get("household", ""), limit=1)
    if household:
        wanted |= Q(pk__in=Household.objects.filter(pk=household[0]).values("village_id"))
    return villages.filter(wanted).values("pk")


class CadrePickerView(AutocompleteJsonView):
    """The admin's autocomplete of cadres, labelled with their load and ordered for a village:
    scoped, searched and paged as the admin's own."""

    def process_request(self, request: HttpRequest) -> tuple:
        term, model_admin, source_field, to_field_name = super().process_request(request)
        if source_field.remote_field.model is not Cadre:
            raise PermissionDenied
        return term, model_admin, source_field, to_field_name

    def get_queryset(self) -> QuerySet:
        cadres = super().get_queryset()
        return cadres.for_picking(picked_villages(self.request.user, self.request.GET))

    def serialize_result(self, obj: Cadre, to_field_name: str) -> dict[str, str]:
        return {"id": str(getattr(obj, to_field_name)), "text": picker_label(obj)}


def cadre_autocomplete_field(
    *, label: str, villages: list[int] | tuple[int, ...] = ()
) -> forms.ModelChoiceField:
    """A cadre field that searches as one types, with each cadre's load, the work groups of
    ``villages`` first."""
    return forms.ModelChoiceField(
        queryset=Cadre.objects.select_related("unit"),
        widget=CadrePicker(villages=villages),
        label=label,
    )


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


def error_code(error: ValidationError) -> str | None:
    """The code of the (first) refusal, also when it holds a list."""
    return error.error_list[0].code if error.error_list else None


# Accounts made at once by the action; their one-time passwords fill one printed page.
CREATE_LOGINS_MAX = 100


class HandoverNeededFilter(admin.SimpleListFilter):
    title = _("households to hand over")
    parameter_name = "handover"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("needed", _("left service, still linked to households"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "needed":
            return queryset.needing_handover()
        return queryset


def keeps(request: HttpRequest, unit: Unit | None) -> bool:
    """Whether the user keeps ``unit`` (None: the page of no unit in particular)."""
    return unit is None or may_edit_unit(request.user, unit)


def refuse_unkept(request: HttpRequest, units: list[Unit]) -> None:
    """Refuse a bulk change that touches a unit the user does not keep (a forged selection)."""
    if not all(may_edit_unit(request.user, unit) for unit in units):
        raise PermissionDenied


def with_acting_user(form: type, request: HttpRequest) -> type:
    """The form class, knowing who fills it in: its checks depend on the user's role."""
    return type(form.__name__, (form,), {"acting_user": request.user})


class UnitForm(forms.ModelForm):
    acting_user: Any = None  # set by the admin for each request

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        level = cleaned.get("level")
        if self.acting_user is None or level is None:
            return cleaned
        township = cleaned.get("township")
        unit = Unit(
            pk=self.instance.pk,
            level=level,
            # The model fills in a township's county when it is left out.
            county=cleaned.get("county") or (township.county if township else None),
            township=township,
        )
        if not may_edit_unit(self.acting_user, unit):
            raise ValidationError(
                gettext("You may keep only the units of your own level and area."),
                code="not_your_unit",
            )
        return cleaned


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


class WorkGroupInline(CadreChoicesMixin, admin.TabularInline):
    model = WorkGroup
    fields = ["village", "leader", "established_on"]
    autocomplete_fields = ["village", "leader"]
    extra = 0
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("village__township", "leader__unit")


@admin.register(Unit)
class UnitAdmin(SpreadsheetImportExportMixin, admin.ModelAdmin):
    resource_classes = [UnitResource]
    list_display = ["name", "kind", "level", "county", "cadre_count", "village_count"]
    list_select_related = ["county"]
    list_per_page = LIST_PER_PAGE
    list_filter = ["level", "kind", "county"]
    search_fields = ["name"]
    autocomplete_fields = ["county", "township"]
    inlines = [CadreInline, WorkGroupInline]
    form = UnitForm

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        return with_acting_user(super().get_form(request, obj, change=change, **kwargs), request)

    # Every area a unit links villages in sees it; only the level it belongs to changes it.
    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return keeps(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return keeps(request, obj) and super().has_delete_permission(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        refuse_unkept(request, list(queryset))
        super().delete_queryset(request, queryset)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_cadres=count_subquery(Cadre.objects, "unit"),
                n_villages=count_subquery(WorkGroup.objects, "unit"),
            )
        )

    @admin.display(description=_("number of cadres"), ordering="n_cadres")
    def cadre_count(self, obj: Unit) -> int:
        return obj.n_cadres

    @admin.display(description=_("number of linked villages"), ordering="n_villages")
    def village_count(self, obj: Unit) -> int:
        return obj.n_villages


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


class WorkGroupMemberInline(CadreChoicesMixin, admin.TabularInline):
    model = WorkGroupMember
    autocomplete_fields = ["cadre"]
    extra = 1

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("cadre__unit")


@admin.register(WorkGroup)
class WorkGroupAdmin(CadreChoicesMixin, admin.ModelAdmin):
    list_display = ["__str__", "unit", "village", "county", "leader", "member_count", "board_link"]
    list_select_related = ["unit", "village__township__county", "leader__unit"]
    list_filter = [*area_filters("village"), "unit__level"]
    search_fields = ["unit__name", "village__name", "leader__name"]
    list_per_page = LIST_PER_PAGE
    autocomplete_fields = ["unit", "village", "leader"]
    readonly_fields = ["board_link"]
    inlines = [WorkGroupMemberInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related("unit", "village__township__county", "leader__unit")
            .annotate(n_members=count_subquery(WorkGroupMember.objects, "work_group"))
        )

    @admin.display(description=_("county or district"), ordering="village__township__county")
    def county(self, obj: WorkGroup) -> str:
        return obj.village.township.county.name

    @admin.display(description=_("number of members"), ordering="n_members")
    def member_count(self, obj: WorkGroup) -> int:
        return obj.n_members

    @admin.display(description=_("notice board"))
    def board_link(self, obj: WorkGroup) -> str:
        if obj.pk is None:
            return self.get_empty_value_display()
        url = reverse("units:work_group_board", args=[obj.pk])
        return format_html('<a href="{}" target="_blank">{}</a>', url, _("Print notice board"))


class AssignmentStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("active", _("in force")), ("ended", _("ended"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "active":
            return queryset.active()
        if self.value() == "ended":
            return queryset.filter(ended_on__isnull=False)
        return queryset


class AddAssignmentForm(forms.ModelForm):
    """One household to one cadre, checked as every other way of assigning is."""

    over_maximum = over_maximum_field()
    acting_user: Any = None  # set by the admin for each request

    class Meta:
        model = HouseholdAssignment
        fields = ["household", "cadre", "started_on"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        household, cadre = cleaned.get("household"), cleaned.get("cadre")
        if household is None or cadre is None:
            return cleaned
        try:
            check_assignment(
                household=household,
                cadre=cadre,
                by=self.acting_user,
                over_maximum=cleaned.get("over_maximum", False),
            )
        except ValidationError as error:
            field = "over_maximum" if error_code(error) == "over_maximum" else "cadre"
            self.add_error(field, error)
        except PermissionDenied as refused:
            self.add_error(None, str(refused))
        return cleaned


@admin.register(HouseholdAssignment)
class HouseholdAssignmentAdmin(HouseholdRecordListMixin, CadreChoicesMixin, admin.ModelAdmin):
    list_display = ["household", "village", "cadre", "started_on", "ended_on", "end_reason"]
    list_select_related = ["household__village__township", "village__township", "cadre__unit"]
    list_filter = [AssignmentStateFilter, *area_filters("village"), "started_on"]
    autocomplete_fields = ["household", "cadre"]

    def formfield_for_foreignkey(
        self, db_field: ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField | None:
        if db_field.name == "cadre":
            # Opened for one household (``?household=``): its village's work groups first.
            household = keys_of(request.GET.get("household", ""), limit=1)
            kwargs["widget"] = CadrePicker(household=household[0] if household else None)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        if obj is not None:
            return super().get_form(request, obj, change=change, **kwargs)
        form = super().get_form(request, obj, change=change, form=AddAssignmentForm, **kwargs)
        return with_acting_user(form, request)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Who was responsible is history: once saved, only the ending may be recorded.
        return ["household", "cadre", "started_on"] if obj else []

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return ["household", "cadre", "started_on", "over_maximum"]
        return ["household", "cadre", "started_on", "ended_on", "end_reason"]

    def save_model(self, request: HttpRequest, obj: HouseholdAssignment, form: Any, change: bool):
        if change:
            super().save_model(request, obj, form, change)
            return
        saved = assign_household(
            household=obj.household,
            cadre=obj.cadre,
            on=obj.started_on,
            by=request.user,
            over_maximum=form.cleaned_data["over_maximum"],
        )
        obj.pk = saved.pk


@admin.register(VillageSurvey)
class VillageSurveyAdmin(EstimatedCountAdminMixin, admin.ModelAdmin):
    """Surveys are written by the work groups on their phones; coordinators read them here.
    A page's keys are sorted before its long rows are read (``KeysFirstPaginator``)."""

    paginator = KeysFirstPaginator

    list_display = ["village", "county", "year", "recorded_by", "updated_at"]
    list_select_related = ["village__township__county", "recorded_by__unit"]
    list_filter = [
        "year",
        *area_filters("village"),
        RecorderUnitFilter,
    ]
    search_fields = ["village__name", "village__code"]
    autocomplete_fields = ["village", "recorded_by"]
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related("village__township__county", "recorded_by__unit")
        )

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest = None) -> bool:
        # The unit filter answers to Django's own parameter for the recorder's unit.
        allowed = lookup == RecorderUnitFilter.parameter_name
        return allowed or super().lookup_allowed(lookup, value, request)

    @admin.display(description=_("county or district"), ordering="village__township__county")
    def county(self, obj: VillageSurvey) -> str:
        return obj.village.township.county.name

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser
