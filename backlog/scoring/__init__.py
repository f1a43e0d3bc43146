"""Prioritisation.

frameworks: the ICE, PIE and PXL rules and the ranking; recording: storing
people's scores and the aggregate each hypothesis is ranked by.
"""
