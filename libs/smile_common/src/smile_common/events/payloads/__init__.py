"""Payload models of every event in the suite, one module per producer.

Importing this package registers every event type in :data:`smile_common.events.EVENT_TYPES`; the
contract tests generate the JSON Schemas and the AsyncAPI document from them.
"""

from smile_common.events.payloads import agreements, catalogue, ewp, mobility, privacy, records

__all__ = ["agreements", "catalogue", "ewp", "mobility", "privacy", "records"]
