"""Public search of the catalogue: full text, filters, facets, stable sort, cursors, ETags."""
