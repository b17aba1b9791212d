"""Turn a structured briefing file (data.yaml) into branded, accessible PDF editions."""

from pathlib import Path

__version__ = "0.1.0"

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The folder holding templates/ and assets/ (the default `root` of every stage)."""
