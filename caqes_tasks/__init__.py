"""CAQES pipeline: ingest, validate, transform, evaluate and publish (CSS L162-30-2 to L162-30-4)."""

__version__ = "0.1.0"
