"""Dates as the lists need them: "2026-12-01" keeps a column narrow where Django's
"2026年12月1日" made the need and household lists too wide for a laptop."""

DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
