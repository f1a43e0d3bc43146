"""Funnels: the ordered steps to a conversion, their counts, and where they leak."""
