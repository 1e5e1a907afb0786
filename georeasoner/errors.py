"""Errors. Item-level problems become ``error`` records; job-level ones are exceptions."""


class GeoReasonerError(Exception):
    """A job-level failure the user can fix. The message says what to do."""


class ModelNotFoundError(GeoReasonerError):
    """A model named by a profile is neither a local directory, cached, nor reachable."""


class ItemError(Exception):
    """One photo cannot be processed; the message is the one-line ``gr_error`` reason."""
