"""The board pack as PDF: the printable page rendered by WeasyPrint, offline.

WeasyPrint would fetch every stylesheet and image over HTTP, from this very server. The fetcher here
reads our own static files from disk and data: URIs, and fetches nothing else, so a PDF costs no
request and can never reach another host.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import urlsplit


def render_pdf(
    html: str, base_url: str, static_folder: str, static_url_path: str, *, tagged: bool = True
) -> bytes:
    """``static_url_path`` is where the static files are served from, e.g. ``/static/``. The PDF is
    tagged (headings, tables, lists and reading order for screen readers) unless ``tagged`` is false."""
    from weasyprint import HTML  # loaded on first use: it is large
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    root = Path(static_folder).resolve()

    class StaticFetcher(URLFetcher):
        def fetch(self, url: str, headers=None) -> URLFetcherResponse:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            parts = urlsplit(url)
            if url.startswith(base_url) and parts.path.startswith(static_url_path):
                file = (root / parts.path[len(static_url_path) :]).resolve()
                if file.is_file() and root in file.parents:
                    kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, file.read_bytes(), {"Content-Type": kind})
            raise ValueError(f"not fetched for the PDF: {url}")

    return HTML(string=html, base_url=base_url, url_fetcher=StaticFetcher()).write_pdf(pdf_tags=tagged)
