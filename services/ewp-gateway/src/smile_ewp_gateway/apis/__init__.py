"""The EWP APIs SMILE serves to partners (XML, HTTP signatures), one module per API."""
