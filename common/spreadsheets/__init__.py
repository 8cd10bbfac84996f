"""Uploaded spreadsheets (.xlsx, .xls, .csv), checked before they are read: ``reading``."""
