"""Spreadsheet imports: read an uploaded file, check every row, preview, then write."""
