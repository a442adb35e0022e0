"""Diploma supplements (EU / Council of Europe / UNESCO model, eight sections) with the ECTS grading table."""
