"""SMILE agreements: partner institutions, IIAs, nominations, learning agreements."""
