"""What recording a visit tells the rest of the site, so that visits need not know who listens."""

from django.dispatch import Signal

# Sent with ``visit=`` once a new visit is stored with its needs, photos and position, inside
# the visit's transaction: what receivers write stands or falls with the visit.
visit_recorded = Signal()
