"""The demo web's files (a template PNG and ZIP, PDFs, a logo) and its CSS: bytes made
here, so nothing binary is shipped.
"""

from __future__ import annotations

import html
import io
import struct
import zipfile
import zlib
from collections.abc import Mapping, Sequence


def _png(width: int, height: int, bars: int) -> bytes:
    """A valid greyscale PNG: light grey with ``bars`` dark vertical bars (a cell window)."""
    rows = bytearray()
    step = max(1, width // (bars * 2 + 1))
    for _ in range(height):
        rows.append(0)  # filter type "none"
        for x in range(width):
            rows.append(40 if (x // step) % 2 == 1 else 220)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def _pdf(title: str, lines: Sequence[str]) -> bytes:
    """A small valid one-page PDF showing ``title`` and ``lines`` in Helvetica."""
    text = [f"BT /F1 18 Tf 56 780 Td ({title}) Tj ET"]
    for i, line in enumerate(lines):
        text.append(f"BT /F1 11 Tf 56 {744 - 18 * i} Td ({line}) Tj ET")
    stream = "\n".join(text).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


def _zip(files: Mapping[str, bytes]) -> bytes:
    """A ZIP archive of ``files`` with fixed timestamps (the same bytes every time)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2021, 7, 14, 12, 0, 0)), data)
    return buffer.getvalue()


_TEMPLATE_PNG = _png(120, 90, 5)


_TEMPLATE_ZIP = _zip(
    {
        "behind-bars-square-1080.png": _png(108, 108, 6),
        "behind-bars-story-1080x1920.png": _png(54, 96, 4),
        "behind-bars-print-A4.png": _png(84, 119, 6),
        "LEESMIJ-README.txt": (
            b"Behind bars template for the campaign for Ales Bialiatski.\r\n"
            b"Print the A4 version, or use the square and story versions on social media.\r\n"
            b"Instructions: see behind-bars-instructions.pdf on the campaign page.\r\n"
        ),
    }
)


_INSTRUCTIONS_PDF = _pdf(
    "Behind bars for Ales Bialiatski - instructions",
    (
        "1. Print the template (A4, landscape) or open it on a tablet.",
        "2. Hold it in front of your face so that the bars cover it.",
        "3. Take a photo in good light; ask consent of everyone in the picture.",
        "4. Share it with #FreeAles and tag the Netherlands Helsinki Committee.",
        "5. Sign the petition if you have not done so yet.",
    ),
)


_TRIAL_NOTE_PDF = _pdf(
    "FIDH trial observation note - Belarus",
    (
        "Observations on the trial of Ales Bialiatski, Valiantsin Stefanovich",
        "and Uladzimir Labkovich.",
    ),
)


_GUIDELINES_PDF = _pdf(
    "OSCE/ODIHR Guidelines on the Protection of Human Rights Defenders",
    ("Warsaw, 2014. Section II: protection of human rights defenders.",),
)


_FAVICON = _png(16, 16, 2)


def _logo_svg(label: str) -> str:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="160" height="40" viewBox="0 0 160 40">'
        '<rect width="160" height="40" fill="#1d3557"/>'
        f'<text x="8" y="26" fill="#fff" font-family="sans-serif" font-size="16">'
        f"{html.escape(label)}</text></svg>"
    )


_CSS = (
    "body{font-family:system-ui,sans-serif;margin:0;color:#222;line-height:1.45}"
    ".site-header{background:#1d3557;color:#fff;padding:.5em 1em}"
    ".site-header a{color:#fff}.site-header nav ul{display:flex;gap:1.2em;list-style:none;"
    "padding:0}.skip{position:absolute;left:-999px}.search{display:inline}"
    ".promo{background:#ffd166;color:#222;padding:.4em 1em;margin:.5em -1em -.5em}"
    ".page{display:flex;flex-wrap:wrap;gap:2em;max-width:72em;margin:1em auto;padding:0 1em}"
    ".share{flex-basis:100%}main{flex:3;min-width:18em}aside{flex:1;min-width:12em}"
    "footer{background:#eee;padding:1em 2em;font-size:.9em}"
    ".cookie{position:fixed;bottom:0;left:0;right:0;background:#fff;"
    "border-top:1px solid #ccc;padding:0 1em}"
)


_JS = "document.documentElement.classList.remove('no-js');\n"
