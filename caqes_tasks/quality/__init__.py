"""Data quality: Great Expectations suites (expectations/<source>.json), helpers and reports."""
