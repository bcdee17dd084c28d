"""Every user-facing string goes through Flask-Babel: no bare text in templates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
JINJA = re.compile(r"{#.*?#}|{%.*?%}|{{.*?}}", re.S)
TAG = re.compile(r"<(script|style)\b.*?</\1>|<!--.*?-->|<[^>]*>", re.S | re.I)
VISIBLE_ATTRIBUTE = re.compile(r'\b(title|placeholder|aria-label|alt|value)="([^"{]*[A-Za-z][^"{]*)"')
WORD = re.compile(r"[A-Za-z]{2,}")
ALLOWED_BARE = {"CSV", "ISO", "IANA", "UTC", "KST", "ID", "QR", "PDF", "URL", "nbsp", "middot", "ndash",
                "mdash", "times", "rarr", "larr", "hellip", "amp", "lt", "gt", "quot"}


def _html_templates():
    return sorted(path for path in TEMPLATES.rglob("*.html"))


@pytest.mark.parametrize("path", _html_templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_template_has_no_untranslated_text(path):
    source = path.read_text(encoding="utf-8")
    # Attribute values people see (title, placeholder…) must be translated too.
    bare_attributes = [value for _name, value in VISIBLE_ATTRIBUTE.findall(JINJA.sub("", source))
                       if any(word not in ALLOWED_BARE for word in WORD.findall(value))]
    text = TAG.sub(" ", JINJA.sub(" ", source))
    bare_words = [word for word in WORD.findall(text) if word not in ALLOWED_BARE]
    assert not bare_words and not bare_attributes, (
        f"untranslated text in {path.name}: {' '.join(bare_words[:12])} {bare_attributes[:5]}"
    )


def test_strings_are_extractable_for_a_catalog():
    """pybabel finds the app's strings: adding a language is only a .po file."""
    messages = {message for _file, _line, message, *_rest in extract_from_dir(
        str(TEMPLATES.parent),
        method_map=[("lms/**.py", "python"), ("templates/**.html", "jinja2")],
        keywords={"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None},
    )}
    assert "Sign out" in messages
    assert "Dates to be announced" in messages
