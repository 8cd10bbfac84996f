"""Signals from the units services, for whoever keeps a record of them (the audit trail)."""

from django.dispatch import Signal

# Sent after a bulk change of household assignments, inside its transaction:
# action ("assign", "hand_over", "distribute"), cadre (or None), households (count), details (dict).
assignments_changed = Signal()

# Sent after a cadre's sign-in account was created or given a one-time password, inside its
# transaction: cadre, username, created (bool), by (the user who issued it, or None).
login_issued = Signal()
