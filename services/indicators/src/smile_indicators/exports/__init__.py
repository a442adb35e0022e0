"""Exports for BI tools: every indicator and the anonymised facts, as CSV, XLSX or JSON, streamed."""
