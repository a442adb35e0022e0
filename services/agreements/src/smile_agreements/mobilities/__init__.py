"""Nominations and incoming mobilities (EWP omobilities v3 / imobilities v2 semantics)."""
