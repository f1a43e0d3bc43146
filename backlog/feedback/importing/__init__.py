"""Importing customer feedback from help-desk exports (CSV, TSV, XLSX)."""
