"""Periodic reports (周报、月报、季报) of the city, a county or a township.

``build.make_report(user=, area_code=, period=, fmt="xlsx"|"pdf", today=None) -> Report``;
``periods.Period.parse("2026-11" | "2026-W47" | "2026-Q4")``; the figures behind both formats
in ``figures.report_figures``.
"""
