"""Signals from the linking services, for whoever keeps a record of them (the audit trail)."""

from django.dispatch import Signal

# Sent after a bulk change of household assignments, inside its transaction:
# action ("assign", "hand_over", "distribute"), cadre (or None), households (count), details (dict).
assignments_changed = Signal()
