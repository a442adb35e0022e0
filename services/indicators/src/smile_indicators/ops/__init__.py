"""What the projector received: events by type, those it does not understand, the last arrivals."""
