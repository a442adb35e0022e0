"""Reads for other SMILE services (the EWP gateway), with the service role."""
