"""Turn rendered editions into files: the build (skip, render, write), the manifest and
the archive."""
