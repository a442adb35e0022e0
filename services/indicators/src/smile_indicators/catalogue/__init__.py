"""Read model of the course offer, fed by the catalogue's events."""
