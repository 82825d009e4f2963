"""Reading a page's form as a browser without JavaScript would post it (shared by the
plan editor's tests in-process and against a real server)."""

from __future__ import annotations

from html.parser import HTMLParser


class FormReader(HTMLParser):
    """The fields a browser would post from the editor's form (no button pressed yet)."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self.textarea: str | None = None
        self.select: str | None = None
        self.first_option: tuple[str, str] | None = None
        self.chosen = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") and a.get("type") not in ("submit",):
            if a.get("type") == "checkbox" and "checked" not in a:
                return
            self.fields.append((a["name"], a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            self.textarea = a["name"]
            self.fields.append((a["name"], ""))
        elif tag == "select" and a.get("name"):
            self.select, self.first_option, self.chosen = a["name"], None, False
        elif tag == "option" and self.select:
            option = (self.select, a.get("value", ""))
            self.first_option = self.first_option or option
            if "selected" in a:
                self.fields.append(option)
                self.chosen = True

    def handle_data(self, data):
        if self.textarea:
            name, text = self.fields[-1]
            self.fields[-1] = (name, text + data)

    def handle_endtag(self, tag):
        if tag == "textarea":
            self.textarea = None
        elif tag == "select" and self.select:
            if not self.chosen and self.first_option:
                self.fields.append(self.first_option)
            self.select = None


def form_fields(html: str) -> list[tuple[str, str]]:
    """Every (name, value) the page's forms would post, in document order."""
    reader = FormReader()
    reader.feed(html)
    return reader.fields
