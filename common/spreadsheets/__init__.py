"""Uploaded spreadsheets (.xlsx, .xls, .csv, and XML or HTML "Excel" exports), checked before
they are read: ``reading``."""
