"""One definition of "is this a page" and of its charset, for fetch, check and run."""

from __future__ import annotations

import pytest

from monitor import media


@pytest.mark.parametrize(
    ("content_type", "want"),
    [
        pytest.param("text/html; charset=windows-1251", "windows-1251", id="bare"),
        pytest.param('text/html; charset="windows-1251"', "windows-1251", id="double-quoted"),
        pytest.param("text/html; Charset='koi8-r'", "koi8-r", id="single-quoted-any-case"),
        pytest.param("text/html", None, id="none"),
    ],
)
def test_the_charset_is_read_however_it_is_quoted(content_type: str, want: str | None) -> None:
    assert media.charset(content_type) == want


@pytest.mark.parametrize(
    ("content_type", "body", "want"),
    [
        pytest.param("text/html; charset=utf-8", b"", True, id="declared-html"),
        pytest.param("application/xhtml+xml", b"<html/>", True, id="xhtml"),
        pytest.param("application/pdf", b"<html>", False, id="declared-pdf"),
        pytest.param("", b"  <!doctype html><p>x", True, id="undeclared-markup"),
        pytest.param("", b"\xef\xbb\xbf<html>", True, id="undeclared-with-bom"),
        pytest.param("", b"%PDF-1.7", False, id="undeclared-bytes"),
    ],
)
def test_a_page_is_declared_html_or_undeclared_markup(
    content_type: str, body: bytes, want: bool
) -> None:
    assert media.is_html(content_type, body) is want
