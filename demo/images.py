"""Product pictures for the demo catalogue, drawn with Pillow at load time.

Each picture shows the pack's shape in the product's colour with its name on
the label, so every product looks different and no image files live in git.
Drawing is deterministic: the same product always gives the same bytes.
"""

import re
from io import BytesIO

from PIL import Image, ImageDraw, ImageFont

SIZE = 800
BACKGROUND = (246, 248, 247)


def _tint(colour: tuple[int, int, int], amount: float) -> tuple[int, int, int]:
    """Mix the colour with white (amount > 0) or black (amount < 0)."""
    target = 255 if amount > 0 else 0
    return tuple(round(c + (target - c) * abs(amount)) for c in colour)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    # Keep a number with its unit ("20 mg") on one line.
    text = re.sub(r"(\d)\s+(mg|ml|g|IU)\b", "\\1\u00a0\\2", text)
    for word in text.split(" "):
        if lines and font.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _label(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], text: str, colour) -> None:
    left, top, right, bottom = box
    draw.rounded_rectangle(box, radius=18, fill=(255, 255, 255))
    size = 46
    while size > 18:
        font = ImageFont.load_default(size=size)
        lines = _wrap(text, font, right - left - 40)
        line_height = size + 8
        if len(lines) * line_height <= bottom - top - 30 and all(
            font.getlength(line) <= right - left - 30 for line in lines
        ):
            break
        size -= 2
    y = top + (bottom - top - len(lines) * line_height) / 2
    for line in lines:
        x = left + (right - left - font.getlength(line)) / 2
        draw.text((x, y), line.replace("\u00a0", " "), font=font, fill=_tint(colour, -0.45))
        y += line_height


def _box(draw, colour, text):
    draw.polygon([(200, 250), (260, 200), (660, 200), (600, 250)], fill=_tint(colour, 0.35))
    draw.polygon([(600, 250), (660, 200), (660, 600), (600, 650)], fill=_tint(colour, -0.25))
    draw.rectangle((200, 250, 600, 650), fill=colour)
    _label(draw, (225, 330, 575, 560), text, colour)


def _tube(draw, colour, text):
    draw.polygon([(250, 180), (550, 180), (510, 620), (290, 620)], fill=colour)
    draw.rectangle((245, 160, 555, 190), fill=_tint(colour, -0.3))
    draw.rounded_rectangle((345, 620, 455, 700), radius=12, fill=_tint(colour, -0.35))
    _label(draw, (275, 280, 525, 500), text, colour)


def _bottle(draw, colour, text):
    draw.rounded_rectangle((360, 110, 440, 200), radius=10, fill=_tint(colour, -0.35))
    draw.rounded_rectangle((250, 190, 550, 690), radius=60, fill=colour)
    _label(draw, (275, 330, 525, 560), text, colour)


def _pump(draw, colour, text):
    draw.rectangle((385, 90, 415, 170), fill=_tint(colour, -0.4))
    draw.rectangle((330, 90, 420, 115), fill=_tint(colour, -0.4))
    draw.rounded_rectangle((350, 160, 450, 220), radius=8, fill=_tint(colour, -0.3))
    draw.rounded_rectangle((260, 210, 540, 700), radius=40, fill=colour)
    _label(draw, (280, 340, 520, 570), text, colour)


def _jar(draw, colour, text):
    draw.rounded_rectangle((190, 250, 610, 330), radius=20, fill=_tint(colour, -0.3))
    draw.rounded_rectangle((200, 320, 600, 640), radius=40, fill=colour)
    _label(draw, (230, 380, 570, 590), text, colour)


def _stick(draw, colour, text):
    draw.rounded_rectangle((330, 140, 470, 280), radius=50, fill=_tint(colour, 0.3))
    draw.rounded_rectangle((310, 250, 490, 690), radius=22, fill=colour)
    _label(draw, (320, 380, 480, 600), text, colour)


def _dropper(draw, colour, text):
    draw.ellipse((360, 70, 440, 150), fill=(60, 60, 60))
    draw.rectangle((375, 120, 425, 230), fill=(60, 60, 60))
    draw.rounded_rectangle((270, 220, 530, 700), radius=36, fill=colour)
    _label(draw, (290, 350, 510, 580), text, colour)


def _pouch(draw, colour, text):
    draw.polygon([(220, 150), (580, 150), (610, 690), (190, 690)], fill=colour)
    draw.rectangle((220, 150, 580, 190), fill=_tint(colour, -0.25))
    _label(draw, (250, 330, 550, 560), text, colour)


SHAPES = {
    "box": _box,
    "tube": _tube,
    "bottle": _bottle,
    "pump": _pump,
    "jar": _jar,
    "stick": _stick,
    "dropper": _dropper,
    "pouch": _pouch,
}


def draw_product_image(*, shape: str, colour: tuple[int, int, int], text: str, rx: bool) -> bytes:
    """A PNG picture of a product pack."""
    image = Image.new("RGB", (SIZE, SIZE), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.ellipse((120, 640, 680, 760), fill=(228, 232, 230))
    SHAPES[shape](draw, colour, text)
    if rx:
        draw.ellipse((600, 40, 760, 200), fill=(176, 30, 50))
        font = ImageFont.load_default(size=64)
        draw.text((680, 120), "Rx", font=font, fill=(255, 255, 255), anchor="mm")
    buffer = BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
