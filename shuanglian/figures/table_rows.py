"""The rows of the dashboard's tables, written here rather than by the template engine.

A township's page has a row per village in each of four tables: some 2,000 template variables,
each looked up, localized and escaped, took most of the page's time. These functions write the
same markup (tests/test_dashboard_table_rows.py renders the templates they replace and compares)
with every name escaped.
"""

from collections.abc import Iterable

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from projects.money import yuan
from shuanglian.figures.coverage import AreaRow, Coverage
from shuanglian.figures.project_stats import ProjectRow
from shuanglian.figures.shuangchuang import RatingRow
from shuanglian.figures.survey_stats import Estimate
from shuanglian.figures.visit_stats import VisitRow


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value}%"


def _missing(count: int) -> str:
    return f'<span class="missing">{count}</span>' if count else "0"


def _num(*values: object) -> str:
    return "".join(f'<td class="num">{value}</td>' for value in values)


def _empty(columns: int) -> SafeString:
    return mark_safe(f'<tr><td colspan="{columns}">{escape(_("No areas here yet."))}</td></tr>')  # noqa: S308


def coverage_rows(figures: Coverage, *, is_village: bool) -> SafeString:
    """The coverage table's rows: links one level down, units linking a village, and where
    households lack a cadre, the page that distributes them."""
    if not figures.rows:
        return _empty(7)
    by_village = figures.row_level == "village"
    households = reverse("admin:villages_household_changelist")
    add_group = reverse("admin:units_workgroup_add")
    # One reverse with a stand-in key, filled in per row.
    distribute = reverse("admin:villages_village_distribute", args=[0]).replace("/0/", "/{}/")
    none, create, share = (
        escape(_("none")),
        escape(_("create a work group")),
        escape(_("distribute")),
    )
    out = []
    for row in figures.rows:
        name = escape(row.name)
        if is_village:
            link = f'<a href="{households}?village__id__exact={row.pk}">{name}</a>'
        else:
            link = f'<a href="?area={escape(row.code)}">{name}</a>'
        cells = [f"<tr><td>{link}</td>"]
        if by_village:
            if row.units:
                cells.append(f"<td>{'、'.join(escape(unit) for unit in row.units)}</td>")
            else:
                cells.append(
                    f'<td><span class="missing">{none}</span> '
                    f'<a href="{add_group}?village={row.pk}">{create}</a></td>'
                )
        else:
            cells.append(
                _num(row.villages.total, row.villages.done, _percent(row.villages.percent))
            )
        cells.append(_num(row.households.total, row.households.done))
        spread = ""
        if by_village and row.households.missing:
            spread = f' <a href="{distribute.format(row.pk)}">{share}</a>'
        cells.append(f'<td class="num">{_percent(row.households.percent)}{spread}</td></tr>')
        out.append("".join(cells))
    return mark_safe("\n".join(out))  # noqa: S308 - names escaped above


def _done_of(rate: object) -> str:
    percent = rate.percent
    return f"{rate.done}" + ("" if percent is None else f" ({percent}%)")


def visit_rows(pairs: Iterable[tuple[AreaRow, VisitRow]]) -> SafeString:
    out = []
    for row, v in pairs:
        needs = v.needs
        out.append(
            f"<tr><td>{escape(row.name)}</td>"
            + _num(row.households.total, _done_of(v.visited_30), _done_of(v.visited_90))
            + _num(needs.raised, needs.resolved, needs.unresolvable, needs.open)
            + _num(_missing(needs.overdue), _percent(v.satisfaction.percent))
            + "</tr>"
        )
    return mark_safe("\n".join(out)) if out else _empty(10)  # noqa: S308


def project_rows(pairs: Iterable[tuple[AreaRow, ProjectRow]]) -> SafeString:
    out = []
    for row, p in pairs:
        counts = p.projects
        per_household = p.per_household
        out.append(
            f"<tr><td>{escape(row.name)}</td>"
            + _num(counts.total, counts.planned, counts.underway, counts.completed)
            + _num(counts.accepted, p.activities, yuan(p.budget.total))
            + _num("—" if per_household is None else yuan(per_household))
            + _num(yuan(p.allocated), yuan(p.paid), _missing(p.groups.missing))
            + "</tr>"
        )
    return mark_safe("\n".join(out)) if out else _empty(12)  # noqa: S308


def twin_rows(
    triples: Iterable[tuple[AreaRow, RatingRow, Estimate]], *, surveyed: bool
) -> SafeString:
    """The 双创 table's rows; without a closed round the survey columns hold dashes."""
    too_few = escape(_("sample too small"))
    out = []
    for row, r, s in triples:
        cells = f"<tr><td>{escape(row.name)}</td>" + _num(
            r.approved, r.up_to_standard, r.not_approved, r.rectification_open
        )
        cells += _num(_missing(r.rectification_overdue))
        if not surveyed:
            cells += _num("—", "—", "—", "—", "—")
        elif s.interviewed == 0:
            # Nobody interviewed there: not a sample too small, no sample at all.
            cells += _num("—", 0, "—", "—", "—")
        elif s.percent is None:
            cells += _num(f'<span class="missing">{too_few}</span>', s.interviewed, "—") + _num(
                _percent(s.self_percent), "—"
            )
        else:
            gap = "—" if s.gap is None else s.gap
            cells += _num(f"{s.percent}%", s.interviewed, f"±{s.margin}")
            cells += _num(_percent(s.self_percent), gap)
        out.append(cells + "</tr>")
    return mark_safe("\n".join(out)) if out else _empty(11)  # noqa: S308
