"""Learning agreements (EWP Outgoing Mobility LAs v1 semantics): versions, components, signatures, PDF."""
