"""Data for development and measurement: the Heze demo and the synthetic city generator.

Nothing in the other apps imports this package; it only reads and writes their models.
"""
