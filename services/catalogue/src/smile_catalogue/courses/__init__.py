"""Courses open to exchange students: editing, publication and public reads."""
