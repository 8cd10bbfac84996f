"""How many rows one query reads or writes at a time."""

# Well inside every database's limit on query parameters, and often enough for a long import
# to show progress (it is reported once a chunk).
CHUNK_ROWS = 2000
