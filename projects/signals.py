"""Signals from the projects services, for whoever keeps a record of them (the audit trail)."""

from django.dispatch import Signal

# Sent after each step of a project's money or acceptance, inside its transaction:
# action (e.g. "allocation_approve"), obj (the allocation, disbursement or project),
# user (who acted, or None for the system) and details (dict: amounts as text, notes).
step_taken = Signal()
