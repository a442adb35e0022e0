"""Discovery: the manifest of each covered university."""
