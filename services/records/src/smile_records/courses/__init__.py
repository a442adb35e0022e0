"""The catalogue's courses as records needs them (ISCED, EQF, EWP ids), kept from the catalogue's events."""
