"""Charts drawn on the server as SVG (no script, no CDN): readable without JavaScript and
printable. Only presentation attributes are used, so the strict CSP (no inline styles) holds."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from markupsafe import Markup, escape

GRADE_LINES = ((Decimal("88.31"), "A"), (Decimal("76.61"), "B"), (Decimal("65.00"), "C"))


def ikm_bars(bars: Sequence[tuple[str, Decimal | None]], title: str) -> Markup:
    """Horizontal bars on the IKM scale 25-100, one per label, with the grade boundaries."""
    width, left, row_h, top = 560, 150, 26, 24
    height = top + row_h * len(bars) + 24
    scale = (width - left - 20) / 75

    def x(value: Decimal) -> float:
        return left + float(value - 25) * scale

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
    ]
    for boundary, letter in GRADE_LINES:
        bx = x(boundary)
        parts.append(
            f'<line x1="{bx:.1f}" y1="{top - 6}" x2="{bx:.1f}" y2="{height - 20}" '
            'stroke="#767676" stroke-dasharray="3 3"/>'
            f'<text x="{bx + 3:.1f}" y="{top - 10}" font-size="11" fill="#454545">'
            f"{letter} ≥ {boundary}</text>"
        )
    for n, (label, value) in enumerate(bars):
        y = top + n * row_h
        parts.append(
            f'<text x="{left - 6}" y="{y + 16}" font-size="13" text-anchor="end" '
            f'fill="#111">{escape(label)}</text>'
        )
        if value is not None:
            parts.append(
                f'<rect x="{left}" y="{y + 3}" width="{max(1.0, x(value) - left):.1f}" '
                f'height="{row_h - 8}" fill="#0b4f6c"/>'
                f'<text x="{x(value) + 4:.1f}" y="{y + 16}" font-size="12" fill="#111">'
                f"{value}</text>"
            )
    for tick in (25, 50, 75, 100):
        tx = x(Decimal(tick))
        parts.append(
            f'<text x="{tx:.1f}" y="{height - 6}" font-size="11" text-anchor="middle" '
            f'fill="#454545">{tick}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text part is escaped above
