"""SMILE's own REST API for the office and IT staff: traffic log, queues, registry, partners."""
