"""Ingest: validate rows against the site, hand valid ones to the store; knows no vendor."""

from crowdsafety.ingest.pipeline import IngestReport, ingest_rows
from crowdsafety.ingest.validate import Rejection, ValidatedBatch, validate_rows

__all__ = ["IngestReport", "Rejection", "ValidatedBatch", "ingest_rows", "validate_rows"]
