"""Which link items are embedded as a video player, and at which (privacy-friendly) address.

Only YouTube and Vimeo addresses are embedded; YouTube through its
``youtube-nocookie.com`` domain. Every other address stays a plain link.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_VIMEO_ID = re.compile(r"^[0-9]{1,12}$")
_VIMEO_HASH = re.compile(r"^[0-9a-f]{6,20}$")

_YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "youtube-nocookie.com",
                  "www.youtube-nocookie.com"}
_VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com"}
_VIMEO_PLAYER_HOSTS = {"player.vimeo.com"}


def _split(url: str | None):
    if not url or not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return parts


def _youtube_id(parts) -> str | None:
    host = parts.hostname.lower()
    segments = [segment for segment in parts.path.split("/") if segment]
    candidate = None
    if host == "youtu.be":
        candidate = segments[0] if segments else None
    elif host in _YOUTUBE_HOSTS:
        if segments == ["watch"]:
            candidate = (parse_qs(parts.query).get("v") or [None])[0]
        elif len(segments) >= 2 and segments[0] in ("shorts", "embed", "live", "v"):
            candidate = segments[1]
    if candidate and _YOUTUBE_ID.match(candidate):
        return candidate
    return None


def _vimeo_id(parts) -> tuple[str, str | None] | None:
    host = parts.hostname.lower()
    segments = [segment for segment in parts.path.split("/") if segment]
    if host in _VIMEO_HOSTS and segments and _VIMEO_ID.match(segments[0]):
        private_hash = segments[1] if len(segments) > 1 and _VIMEO_HASH.match(segments[1]) else None
        return segments[0], private_hash
    if host in _VIMEO_PLAYER_HOSTS and len(segments) == 2 and segments[0] == "video" \
            and _VIMEO_ID.match(segments[1]):
        private_hash = (parse_qs(parts.query).get("h") or [None])[0]
        return segments[1], private_hash if private_hash and _VIMEO_HASH.match(private_hash) else None
    return None


def embed_provider(url: str | None) -> str | None:
    """'YouTube' or 'Vimeo' when ``url`` is embedded, else None."""
    parts = _split(url)
    if parts is None:
        return None
    if _youtube_id(parts):
        return "YouTube"
    if _vimeo_id(parts):
        return "Vimeo"
    return None


def embed_url(url: str | None) -> str | None:
    """The address to put in an ``<iframe>`` for a YouTube or Vimeo video, or None.

    YouTube: watch?v=, youtu.be/, shorts/, embed/ addresses give
    ``https://www.youtube-nocookie.com/embed/<id>``. Vimeo: ``vimeo.com/<id>``
    (and unlisted ``vimeo.com/<id>/<hash>``) gives
    ``https://player.vimeo.com/video/<id>`` (with ``?h=<hash>`` when unlisted).
    """
    parts = _split(url)
    if parts is None:
        return None
    video_id = _youtube_id(parts)
    if video_id:
        return f"https://www.youtube-nocookie.com/embed/{video_id}"
    vimeo = _vimeo_id(parts)
    if vimeo:
        video_id, private_hash = vimeo
        address = f"https://player.vimeo.com/video/{video_id}"
        return f"{address}?h={private_hash}" if private_hash else address
    return None
