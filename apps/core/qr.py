"""QR codes on printed documents: the one place a code is drawn, for the staff cards and signs
(apps.feedback.qr) and the service brochure (apps.catalog.views.printables).

The image comes back as a data: URI, which the PDF renderer draws without fetching anything.
"""

import base64
import io
from typing import Literal

import qrcode
import qrcode.constants
import qrcode.image.svg
from PIL import Image

_ERROR_CORRECTION = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}


def qr_data_uri(
    data: str,
    *,
    image: Literal["svg", "png"] = "svg",
    # M (15 %) survives a scuffed or partly covered print; H would make the code denser for the
    # same URL and harder to read from a distance.
    error_correction: Literal["L", "M", "Q", "H"] = "M",
    box_size: int = 10,
    border: int = 0,
) -> str:
    """The code for `data` as a data: URI: one SVG path, or a 1-bit PNG.

    `box_size` is a module's size: pixels in a PNG, tenths of a millimetre in an SVG (qrcode's unit).
    SVG stays sharp at any print size; a sheet of hundreds of codes wants PNG, because WeasyPrint
    draws a path point by point (see apps.feedback.qr.qr_card_images).
    """
    if image == "png":
        return png_data_uri(qr_png(data, error_correction=error_correction, module_px=box_size, border=border))
    code = _code(data, error_correction, border, box_size=box_size)
    return _data_uri("image/svg+xml", code.make_image(image_factory=qrcode.image.svg.SvgPathImage).to_string())


def qr_png(
    data: str, *, error_correction: Literal["L", "M", "Q", "H"] = "M", module_px: int = 4, border: int = 0
) -> bytes:
    """The code for `data` as a 1-bit PNG of `module_px` pixels a module (a few hundred bytes)."""
    return _png(_code(data, error_correction, border).get_matrix(), module_px=module_px)


def _code(data: str, error_correction: str, border: int, *, box_size: int = 10) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=_ERROR_CORRECTION[error_correction], box_size=box_size, border=border)
    code.add_data(data)
    code.make(fit=True)
    return code


def png_data_uri(content: bytes) -> str:
    return _data_uri("image/png", content)


def _png(matrix: list[list[bool]], *, module_px: int) -> bytes:
    # Drawn from the module matrix straight into a 1-bit image: a few hundred bytes a code.
    size = len(matrix)
    picture = Image.new("1", (size, size), 1)
    picture.putdata([0 if dark else 1 for row in matrix for dark in row])
    picture = picture.resize((size * module_px, size * module_px), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def _data_uri(mime: str, content: bytes) -> str:
    return f"data:{mime};base64," + base64.b64encode(content).decode()
