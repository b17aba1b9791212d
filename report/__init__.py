"""Turn a structured briefing file (data.yaml) into branded, accessible PDF editions."""

__version__ = "0.1.0"
