"""Ingestion: scan the landing zone, read and type each delivery, load it or quarantine it."""
