"""Grading scales, grade distribution tables (Egracons) and audited grade conversion."""
