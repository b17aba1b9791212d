"""The URL fetcher that confines WeasyPrint to the project's own files.

Served: files below `root/assets/` and `root/templates/`, and the charts of the edition being
rendered (held in memory, addressed as `root/charts/<name>`). Refused: every other path
(including `..` escapes and symlinks leading out), and every scheme but `file:` (no http,
https, ftp or data).

An edition's HTML links to its files as `<folder>/assets/...`, `<folder>/charts/...`: the
layout of the bundle kept beside the PDF. With `folder`, the fetcher reads such a URL as the
same path below the root, so one HTML serves both WeasyPrint and the browser.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

ALLOWED_DIRS = ("assets", "templates")
_TYPES = {".svg": "image/svg+xml", ".css": "text/css", ".ttf": "font/ttf", ".otf": "font/otf",
          ".woff": "font/woff", ".woff2": "font/woff2", ".png": "image/png"}


class RefusedURLError(ValueError):
    """A URL outside what the briefing may read."""


class ConfinedFetcher(URLFetcher):
    """Serve only the project's assets and templates, and in-memory files; refuse the rest."""

    def __init__(self, root: Path, memory: dict | None = None, *, folder: str = "",
                 **kwargs):
        super().__init__(allowed_protocols=("file",), allow_redirects=False, **kwargs)
        self.root = Path(root).resolve()
        roots = {Path(root).absolute(), self.root}  # as the base URL names it, and resolved
        self.folders = tuple((r / folder).as_posix() + "/" for r in roots) if folder else ()
        self.allowed = [self.root / name for name in ALLOWED_DIRS]
        self.memory = {(self.root / name).as_posix(): body
                       for name, body in (memory or {}).items()}

    def fetch(self, url, headers=None):
        """Return WeasyPrint's response for `url`; raise RefusedURLError if it is not ours."""
        path = self.resolve(url)
        if path.as_posix() in self.memory:
            return URLFetcherResponse(url, self.memory[path.as_posix()],
                                      {"Content-Type": _content_type(path)})
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": _content_type(path)})

    def resolve(self, url: str) -> Path:
        """Return the file a URL names if the briefing may read it; raise RefusedURLError
        otherwise."""
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise RefusedURLError(f"refused {url!r}: only the project's own files are read")
        raw = Path(unquote(parts.path))
        for prefix in self.folders:
            if raw.as_posix().startswith(prefix):
                raw = self.root / raw.as_posix()[len(prefix):]
                break
        lexical = Path(*[p for p in raw.parts if p not in ("", ".")])
        if ".." in lexical.parts:
            raise RefusedURLError(f"refused {url!r}: '..' is not allowed")
        if lexical.as_posix() in self.memory:
            return lexical
        path = lexical.resolve()
        if not any(path.is_relative_to(d) for d in self.allowed) or not path.is_file():
            raise RefusedURLError(f"refused {url!r}: not a file in assets/ or templates/")
        return path


def _content_type(path: Path) -> str:
    return _TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or (
        "application/octet-stream")
