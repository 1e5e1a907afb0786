"""GeoReasoner: where was a street-level photo taken, how sure are we, and why."""

__version__ = "0.1.0"
