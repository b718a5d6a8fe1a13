"""Draw assets/icon.png, the page icon (served by the app itself: no font or emoji host).

Run: .venv/bin/python scripts/make_icon.py
"""

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "assets" / "icon.png"


def main() -> None:
    image = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((2, 2, 62, 62), radius=14, fill=(0, 114, 178, 255))
    points = [(16, 18), (48, 18), (16, 46), (48, 46), (32, 32)]  # tokens attending to each other
    for a in points:
        for b in points:
            draw.line((a, b), fill=(255, 255, 255, 160), width=2)
    for x, y in points:
        draw.ellipse((x - 6, y - 6, x + 6, y + 6), fill=(230, 159, 0, 255))
    image.save(OUT)


if __name__ == "__main__":
    main()
