"""XML for the EWP network: hardened parsing of untrusted documents, building, offline XSD validation."""

from smile_ewp_gateway.xmlkit.safe import UnsafeXml, XmlError, parse_untrusted
from smile_ewp_gateway.xmlkit.schemas import SchemaError, ewp_schemas

__all__ = ["SchemaError", "UnsafeXml", "XmlError", "ewp_schemas", "parse_untrusted"]
