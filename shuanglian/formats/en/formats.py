"""Dates as the lists need them: "2026-12-01" keeps a column narrow where Django's
"Dec. 1, 2026" made the need and household lists too wide for a laptop."""

DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"

# Amounts of money grouped by thousands where a template asks for it (floatformat:"2g"), as
# finance offices write them: 1,234,567.00.
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
