"""How large an uploaded spreadsheet may be, in every way a hostile file could be large.

The readers look these up when they run (``limits.MAX_CELLS``), so a test can lower one.
"""

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 150_000  # per sheet
MAX_COLUMNS = 100
MAX_UNCOMPRESSED = 300 * 1024 * 1024
MAX_ZIP_MEMBERS = 10_000
MAX_COMPRESSION_RATIO = 200
# Rows × columns of every sheet up to its last cell, all sheets together: the reader holds a
# sheet's whole grid (about 32 bytes a cell), so this bounds its memory (about 100 MB) and
# time. A 150,000-row roster of 20 columns fits.
MAX_CELLS = 3_000_000
MAX_SHEETS = 1_000
# Excel's own limit for one cell.
MAX_CELL_CHARS = 32_767
# Distinct texts of an .xlsx or .xls, which the reader loads all at once.
MAX_SHARED_STRINGS = 1_000_000
MAX_SHARED_STRINGS_BYTES = 48 * 1024 * 1024
MAX_CSV_LINE_CHARS = 100_000
# Below this size a member may compress as well as it likes: an empty sheet's XML does.
RATIO_CHECKED_ABOVE = 10 * 1024 * 1024
