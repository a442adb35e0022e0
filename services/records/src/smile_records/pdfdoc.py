"""A small layer over fpdf2 for records' documents (transcripts, diploma supplements): a Unicode font
when one is installed (DejaVu Sans, or ``SMILE_PDF_FONT``), headings, key-value blocks and tables."""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

__all__ = ["Document"]

#: streams are compressed; tests switch it off to read the text back
COMPRESS = True

_FONT_DIRS = [
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/local/share/fonts"),
    Path("/Library/Fonts"),
]


def _unicode_font() -> tuple[Path, Path] | None:
    configured = os.environ.get("SMILE_PDF_FONT")
    if configured and Path(configured).is_file():
        bold = Path(os.environ.get("SMILE_PDF_FONT_BOLD", configured))
        return Path(configured), bold if bold.is_file() else Path(configured)
    for folder in _FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file():
            return regular, bold if bold.is_file() else regular
    return None


def _latin1(text: str) -> str:
    """Without a Unicode font, the core fonts hold Latin-1 only: drop accents they lack (ł → l)."""
    out = []
    for char in text:
        try:
            char.encode("latin-1")
            out.append(char)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", char)[0]
            out.append(base if base.isascii() else "?")
    return "".join(out)


class Document:
    """An A4 document with a title block and a footer naming the page and the document's reference."""

    def __init__(self, *, title: str, reference: str, created_at: datetime | None = None) -> None:
        self.pdf = FPDF(format="A4", unit="mm")
        if created_at is not None:  # the same content always gives the same file
            self.pdf.set_creation_date(created_at)
        self.pdf.set_compression(COMPRESS)
        self.pdf.set_auto_page_break(auto=True, margin=18)
        self.pdf.set_margins(16, 16, 16)
        self.pdf.set_title(title)
        self.pdf.set_creator("SMILE records")
        fonts = _unicode_font()
        if fonts is not None:
            self.pdf.add_font("body", "", str(fonts[0]))
            self.pdf.add_font("body", "B", str(fonts[1]))
            self.family, self.unicode = "body", True
        else:
            self.family, self.unicode = "helvetica", False
        reference_text = self.text(reference)
        family = self.family

        def footer() -> None:
            self.pdf.set_y(-12)
            self.pdf.set_font(family, "", 7)
            self.pdf.cell(0, 5, f"{reference_text} - {self.pdf.page_no()}/{{nb}}", align="C")

        self.pdf.footer = footer  # type: ignore[method-assign]
        self.pdf.alias_nb_pages()
        self.pdf.add_page()

    def text(self, value: object) -> str:
        text = "" if value is None else str(value)
        return text if self.unicode else _latin1(text)

    @property
    def width(self) -> float:
        return float(self.pdf.w - self.pdf.l_margin - self.pdf.r_margin)

    def heading(self, text: str, size: float = 14) -> None:
        self.pdf.set_font(self.family, "B", size)
        self.pdf.multi_cell(0, size * 0.5, self.text(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.ln(1.5)

    def paragraph(self, text: str, size: float = 9) -> None:
        self.pdf.set_font(self.family, "", size)
        self.pdf.multi_cell(0, size * 0.48, self.text(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.ln(1)

    def fields(self, rows: Sequence[tuple[str, object]], size: float = 9) -> None:
        """Label: value lines."""
        self.pdf.set_font(self.family, "B", size)
        label_width = min(90.0, max(45.0, *(self.pdf.get_string_width(self.text(label)) + 4 for label, _ in rows)))
        for label, value in rows:
            self.pdf.set_font(self.family, "B", size)
            self.pdf.cell(label_width, size * 0.55, self.text(label))
            self.pdf.set_font(self.family, "", size)
            self.pdf.multi_cell(
                0,
                size * 0.55,
                self.text(value if value not in (None, "") else "-"),
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
        self.pdf.ln(2)

    def table(
        self, header: Sequence[str], rows: Sequence[Sequence[object]], widths: Sequence[float], size: float = 8
    ) -> None:
        """A table whose first row is repeated after each page break."""
        scale = self.width / sum(widths)
        columns = [w * scale for w in widths]
        line = size * 0.55

        def draw(cells: Sequence[object], bold: bool) -> None:
            self.pdf.set_font(self.family, "B" if bold else "", size)
            texts = [self.text(c) for c in cells]
            lines = max(self._lines(w, line, t) for w, t in zip(columns, texts, strict=True))
            height = max(1, lines) * line + 1
            if self.pdf.get_y() + height > self.pdf.page_break_trigger:
                self.pdf.add_page()
                if not bold:
                    draw(header, True)
            x, y = self.pdf.get_x(), self.pdf.get_y()
            for width, text in zip(columns, texts, strict=True):
                self.pdf.rect(x, y, width, height)
                self.pdf.set_xy(x + 0.8, y + 0.5)
                self.pdf.multi_cell(width - 1.6, line, text)
                x += width
            self.pdf.set_xy(self.pdf.l_margin, y + height)

        draw(header, True)
        for row in rows:
            draw(row, False)
        self.pdf.ln(3)

    def _lines(self, width: float, height: float, text: str) -> int:
        result = self.pdf.multi_cell(width - 1.6, height, text, dry_run=True, output="LINES")
        return len(result) if isinstance(result, list) else 1

    def output(self) -> bytes:
        return bytes(self.pdf.output())
