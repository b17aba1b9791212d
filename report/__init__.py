"""Turn a structured briefing file (data.yaml) into branded, accessible PDF editions."""

from pathlib import Path

__version__ = "0.1.0"

_PACKAGE = Path(__file__).resolve().parent
_INSTALLED = _PACKAGE / "_project"  # templates/ and assets/ copied in by setup.py

PROJECT_ROOT = _INSTALLED if _INSTALLED.is_dir() else _PACKAGE.parent
"""The folder holding templates/ and assets/ (the default `root` of every stage): the
checkout's top level, or the copy shipped inside an installed package."""
