"""The university itself: institution, organisational units, academic years and terms, programmes."""
