"""Which link addresses are embedded as a video, and where the player comes from."""

from __future__ import annotations

import pytest

from lms.learning.embeds import embed_provider, embed_url

YT = "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"


@pytest.mark.parametrize("url, expected", [
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", YT),
    ("https://youtube.com/watch?v=dQw4w9WgXcQ&t=42s&list=PL123", YT),
    ("http://m.youtube.com/watch?feature=share&v=dQw4w9WgXcQ", YT),
    ("https://youtu.be/dQw4w9WgXcQ", YT),
    ("https://youtu.be/dQw4w9WgXcQ?t=10", YT),
    ("https://www.youtube.com/shorts/dQw4w9WgXcQ", YT),
    ("https://www.youtube.com/embed/dQw4w9WgXcQ", YT),
    ("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", YT),
    ("  https://www.youtube.com/watch?v=dQw4w9WgXcQ  ", YT),
    ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871"),
    ("https://www.vimeo.com/76979871?share=copy", "https://player.vimeo.com/video/76979871"),
    ("https://vimeo.com/76979871/abc123def0", "https://player.vimeo.com/video/76979871?h=abc123def0"),
    ("https://player.vimeo.com/video/76979871", "https://player.vimeo.com/video/76979871"),
])
def test_video_addresses_are_embedded_privately(url, expected):
    assert embed_url(url) == expected


@pytest.mark.parametrize("url", [
    None,
    "",
    "https://example.org/watch?v=dQw4w9WgXcQ",
    "https://evil-youtube.com/watch?v=dQw4w9WgXcQ",
    "https://youtube.com.evil.test/watch?v=dQw4w9WgXcQ",
    "javascript:alert(1)//youtube.com/watch?v=dQw4w9WgXcQ",
    "ftp://youtu.be/dQw4w9WgXcQ",
    "https://www.youtube.com/watch?v=short",
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ\"><script>",
    "https://www.youtube.com/channel/UC123",
    "https://youtu.be/",
    "https://vimeo.com/channels/staffpicks",
    "https://vimeo.com/",
    "not a url",
    "https://[::1",
])
def test_other_addresses_are_links(url):
    assert embed_url(url) is None
    assert embed_provider(url) is None


def test_provider_is_named():
    assert embed_provider("https://youtu.be/dQw4w9WgXcQ") == "YouTube"
    assert embed_provider("https://vimeo.com/76979871") == "Vimeo"
