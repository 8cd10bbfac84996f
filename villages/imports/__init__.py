"""Spreadsheet imports: read an uploaded file, check every row, preview, then write.

- ``framework``: what a kind of import defines (``BatchImporter``) and the registry of kinds;
- ``parsing``: a sheet's header, its rows of data and what is skipped;
- ``areas``: whose area bounds an import;
- ``batches``: the workflow (create, check, confirm) and the plan kept between them;
- ``previews`` and ``error_workbooks``: what the viewers of a batch see and download;
- ``roster``, ``households``, ``village_names`` and ``values``: the household roster kind;
- ``leases``: telling a batch whose process died; ``admin``: the pages.

The tasks the worker runs stay in ``villages.tasks``: queued tasks are stored by that name.
"""
