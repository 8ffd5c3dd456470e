"""Basic mail-lint checks on an email's HTML (not a test module).

What mail clients enforce and mail linters check first: Gmail and Outlook
drop <style> blocks and <link>ed sheets (so styles must be inline), never run
scripts or event handlers, block remote images (so none at all here), and a
picture without alt text is an empty box to a screen reader or with images off.
"""

from __future__ import annotations

from html.parser import HTMLParser

FORBIDDEN_TAGS = {"script", "style", "link", "iframe", "object", "embed", "form", "base"}
# Attributes that load something from elsewhere.
LOADING = {"src", "background", "srcset", "poster", "data"}


class _Linter(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.lang = None
        self.doctype = False
        self.text: list[str] = []
        self.styled = 0

    def handle_decl(self, decl):
        self.doctype = self.doctype or decl.lower().startswith("doctype html")

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}> is not allowed in email")
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag == "img" and not (attrs.get("alt") or "").strip():
            self.problems.append(f"<img> without alt text: {attrs.get('src')}")
        for name, value in attrs.items():
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"event handler {name} on <{tag}>")
            if name in LOADING and not value.startswith(("cid:", "data:")):
                self.problems.append(f"<{tag} {name}> loads from outside: {value}")
            if name == "class":
                self.problems.append(f"<{tag}> relies on a class (no stylesheet in email)")
            if name == "style":
                self.styled += 1
                if "url(" in value:
                    self.problems.append(f"<{tag}> style loads a url: {value}")
        if tag == "a":
            href = attrs.get("href") or ""
            if not href.startswith(("https://", "http://", "mailto:", "tel:")):
                self.problems.append(f"link that is not absolute: {href!r}")
            if href.lower().startswith("javascript:"):
                self.problems.append("javascript: link")

    def handle_data(self, data):
        self.text.append(data)


def lint(html: str, *, language: str) -> list[str]:
    """The problems found in `html` (an empty list when it passes)."""
    linter = _Linter()
    linter.feed(html)
    linter.close()
    problems = list(linter.problems)
    if not linter.doctype:
        problems.append("no <!doctype html>")
    if linter.lang != language:
        problems.append(f"<html lang> is {linter.lang!r}, not {language!r}")
    if not linter.styled:
        problems.append("no inline styles at all")
    if not "".join(linter.text).strip():
        problems.append("no text")
    return problems


def visible_text(html: str) -> str:
    linter = _Linter()
    linter.feed(html)
    return " ".join(" ".join(linter.text).split())
