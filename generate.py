#!/usr/bin/env python3
"""Entry point: `python generate.py [build|check] ...` (see `--help`)."""

import sys

from report.cli import main

if __name__ == "__main__":
    sys.exit(main())
