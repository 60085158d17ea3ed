"""auditor: audit customer-service chat logs against platform rules written as policy packs."""

__version__ = "0.1.0"
