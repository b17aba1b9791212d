"""Turn a valid model into PDF bytes: charts (matplotlib SVG), HTML (Jinja2), the confined
URL fetcher and the layout workers (WeasyPrint)."""
