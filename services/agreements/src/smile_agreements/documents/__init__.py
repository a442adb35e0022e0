"""Document bytes: kept outside the database, typed by their content, checked by their SHA-256."""
