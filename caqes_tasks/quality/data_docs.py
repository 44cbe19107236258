"""Make the run's GX Data Docs safe to open and readable offline.

GX renders some of what it is given without escaping it (cell values in the table of failing
values, names found in a file): a file or a value holding ``<script>`` would run in the reader's
browser. Its pages also load Bootstrap, jQuery, bootstrap-table, Vega and fonts from CDNs, which
the installed ``great_expectations`` package does not carry, and the site index is only filled
in by that JavaScript.

So, around GX:

* :func:`escaped_result` — what GX renders from the data (failing values, observed values,
  exception messages) is HTML-escaped and shortened before the Data Docs are built: a value
  is shown as text, never interpreted (the sanitizer then decodes the text GX escaped a second
  time, so it reads as written);
* :func:`sanitize_page` — every generated page is then rebuilt from an allow-list (tags,
  attributes, local links only): no ``<script>``, no ``<style>``/``<link>`` from outside, no
  event handler, no external URL; an inline stylesheet keeps it readable;
* :func:`write_index` — a static index listing the validation results and suites of the run
  replaces GX's JavaScript-built one.
"""

from __future__ import annotations

import copy
import html
import re
from html.parser import HTMLParser
from pathlib import Path

MAX_VALUE_CHARS = 200

STYLESHEET = (
    "body{font-family:system-ui,sans-serif;margin:1em 2em;color:#222;line-height:1.4}"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #bbb;padding:3px 6px;"
    "vertical-align:top;text-align:left}th{background:#eee}"
    "pre,code{white-space:pre-wrap;word-break:break-all}"
    ".alert,.card{border:1px solid #ccc;padding:.4em .8em;margin:.5em 0}"
    ".text-danger,.fa-times,.failed{color:#b00020}.text-success,.fa-check{color:#1b6e20}"
    ".tooltip-text,.hide-succeeded-validation-target,.cooltip span,.modal{display:none}"
    "nav,footer{margin:.5em 0}ul.nav{list-style:none;padding:0}ul.nav li{display:inline;margin-right:1em}"
)

# Elements dropped with everything inside them.
_DROP = {"script", "style", "iframe", "frame", "frameset", "object", "embed", "noscript", "template", "svg",
         "math", "button", "select", "textarea", "applet", "audio", "video", "canvas", "head"}
_ALLOWED = {
    "html", "body", "title", "div", "span", "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
    "strong", "b", "em", "i", "u", "code", "pre", "small", "sup", "sub", "ul", "ol", "li", "dl", "dt",
    "dd", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "colgroup", "col", "a", "img",
    "nav", "footer", "header", "section", "main", "article", "blockquote", "label", "abbr", "details",
    "summary",
}
_VOID = {"br", "hr", "img", "col"}
_ATTRS = {"class", "id", "title", "alt", "colspan", "rowspan", "width", "height", "href", "src"}
_SCHEME = re.compile(r"^[\s\x00-\x1f]*[A-Za-z][A-Za-z0-9+.-]*[\s\x00-\x1f]*:")


def _local(url: str) -> bool:
    """A link to a file of the site or to an anchor: no scheme (http:, javascript:, data:…), no ``//host``."""
    url = url.strip()
    return bool(url) and not _SCHEME.match(url) and not url.replace("\\", "/").startswith("//")


def _clean_text(value):
    if isinstance(value, str):
        text = value if len(value) <= MAX_VALUE_CHARS else value[:MAX_VALUE_CHARS] + "…"
        return html.escape(text)
    if isinstance(value, dict):
        return {_clean_text(k) if isinstance(k, str) else k: _clean_text(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_clean_text(v) for v in value)
    return value


def escaped_result(suite_result):
    """A copy of a GX suite validation result whose data-derived strings are escaped and shortened."""
    safe = copy.deepcopy(suite_result)
    for er in safe.results:
        if er.result:
            er.result = _clean_text(dict(er.result))
        if er.exception_info:
            er.exception_info = _clean_text(dict(er.exception_info))
    return safe


class _Sanitizer(HTMLParser):
    def __init__(self, title: str | None = None):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.dropping: list[str] = []  # stack of dropped elements being skipped
        self.title = title

    def handle_starttag(self, tag, attrs):
        if self.dropping:
            if tag == self.dropping[-1] and tag not in _VOID:
                self.dropping.append(tag)
            return
        if tag in _DROP:
            self.dropping.append(tag)
            return
        if tag not in _ALLOWED:
            return
        kept = []
        for name, value in attrs:
            if name not in _ATTRS or value is None:
                continue
            if name == "href" and (tag != "a" or not _local(value)):
                continue
            if name == "src" and (tag != "img" or not _local(value)):
                continue
            kept.append(f' {name}="{html.escape(value, quote=True)}"')
        if tag == "img" and not any(k.startswith(" src=") for k in kept):
            return
        self.out.append(f"<{tag}{''.join(kept)}>")
        if tag == "html":
            self.out.append(f'<head><meta charset="utf-8"><title>{html.escape(self.title or "Data Docs")}</title>'
                            f"<style>{STYLESHEET}</style></head>")

    def handle_startendtag(self, tag, attrs):
        depth, size = len(self.dropping), len(self.out)
        self.handle_starttag(tag, attrs)
        if len(self.dropping) > depth:
            self.dropping.pop()  # a self-closed dropped element: nothing inside it
        elif len(self.out) > size and tag not in _VOID:
            self.out.append(f"</{tag}>")

    def handle_endtag(self, tag):
        if self.dropping:
            if tag == self.dropping[-1]:
                self.dropping.pop()
            return
        if tag in _ALLOWED and tag not in _VOID:
            self.out.append(f"</{tag}>")

    def handle_data(self, data):
        # A value is escaped by ``escaped_result`` and some of GX's texts are escaped by GX too:
        # decode once more so the page reads ``"x"``, not ``&quot;x&quot;``. Safe: the text is
        # escaped again on output, so nothing decoded here becomes markup.
        if not self.dropping:
            self.out.append(html.escape(html.unescape(data), quote=False))


def sanitize_page(text: str) -> str:
    """The page rebuilt from the allow-list, with the inline stylesheet (idempotent)."""
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.S | re.I)
    parser = _Sanitizer(html.unescape(title.group(1)).strip() if title else None)
    parser.feed(text)
    parser.close()
    body = "".join(parser.out)
    if "<html" not in body:
        body = f'<html><head><meta charset="utf-8"><style>{STYLESHEET}</style></head><body>{body}</body></html>'
    return "<!doctype html>\n" + body + "\n"


def write_index(site: Path) -> Path:
    """A static ``index.html``: links to every validation result and suite page of the site."""
    e = html.escape

    def items(folder: str) -> str:
        pages = sorted((site / folder).rglob("*.html")) if (site / folder).is_dir() else []
        rows = []
        for p in pages:
            rel = p.relative_to(site).as_posix()
            parts = p.relative_to(site / folder).with_suffix("").parts
            rows.append(f'<li><a href="{e(rel, quote=True)}">{e(" / ".join(parts))}</a></li>')
        return "<ul>" + "".join(rows) + "</ul>" if rows else "<p>Aucun.</p>"

    page = (
        f'<!doctype html>\n<html lang="fr"><head><meta charset="utf-8"><title>Data Docs</title>'
        f"<style>{STYLESHEET}</style></head><body><h1>Data Docs — validations Great Expectations</h1>"
        f"<h2>Résultats de validation</h2>{items('validations')}"
        f"<h2>Suites d'attentes</h2>{items('expectations')}</body></html>\n"
    )
    index = site / "index.html"
    index.write_text(page, encoding="utf-8")
    return index


def sanitize_site(site: Path, done: dict[str, int] | None = None) -> None:
    """Sanitize the pages GX (re)wrote since the last pass, then write the static index."""
    done = {} if done is None else done
    for page in sorted(Path(site).rglob("*.html")):
        if page.name == "index.html" and page.parent == Path(site):
            continue
        stamp = page.stat().st_mtime_ns
        if done.get(str(page)) == stamp:
            continue
        page.write_text(sanitize_page(page.read_text(encoding="utf-8", errors="replace")), encoding="utf-8")
        done[str(page)] = page.stat().st_mtime_ns
    write_index(Path(site))
