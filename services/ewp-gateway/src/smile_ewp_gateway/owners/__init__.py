"""Reading what the other SMILE services own (catalogue, agreements, records) through their internal APIs."""

from smile_ewp_gateway.owners.client import OwnerError, Owners

__all__ = ["OwnerError", "Owners"]
