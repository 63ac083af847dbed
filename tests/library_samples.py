"""Helpers for the Connect and Resources tests: small files made in memory (a PDF with real text, an office
document, content that must be refused) and the text of one element of a page."""

import io
import zipfile
from html.parser import HTMLParser

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                    "0000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56  # an executable: refused whatever its name
TEXT = b"just some plain text, no known file type"


def make_pdf(*lines: str) -> bytes:
    """A one-page PDF whose page shows `lines` (pypdf extracts them), with a correct cross-reference table."""
    stream = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({line}) '" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1"))
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    out.write("".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def make_docx(text: str = "Manual") -> bytes:
    """A minimal Word (.docx) document, recognised by its content."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as docx:
        docx.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                      'package/2006/content-types"/>')
        docx.writestr("word/document.xml", f'<?xml version="1.0"?><w:document xmlns:w="http://schemas.'
                      f'openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>{text}</w:t></w:r>'
                      '</w:p></w:body></w:document>')
    return out.getvalue()


class _ById(HTMLParser):
    """The whitespace-normalised text inside the element with one id."""

    VOID = {"br", "hr", "img", "input", "link", "meta"}

    def __init__(self, element_id: str):
        super().__init__()
        self.element_id, self.depth, self.parts, self.found = element_id, 0, [], False

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        if self.depth:
            self.depth += 1
        elif dict(attrs).get("id") == self.element_id:
            self.depth, self.found = 1, True

    def handle_endtag(self, tag):
        if self.depth and tag not in self.VOID:
            self.depth -= 1
            self.parts.append(" ")

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def text_of(html: str, element_id: str) -> str | None:
    """The text of the element with this id in a page, or None when there is none."""
    parser = _ById(element_id)
    parser.feed(html)
    return " ".join("".join(parser.parts).split()) if parser.found else None
