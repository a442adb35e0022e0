"""Loading the offer from files (CSV, JSON, Apogée exports) and from the SIS, idempotently."""
