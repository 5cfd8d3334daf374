"""How the evidence PDF's fonts in chalicelib/trips/fonts/ were made (run once; the output is
committed, so neither a build nor a Lambda needs system fonts).

Source: NanumGothic from Debian's fonts-nanum (NAVER, SIL OFL 1.1). Kept:
ASCII, Latin-1, general punctuation, arrows, circled numbers, shapes, CJK punctuation, Hangul
jamo, all 11,172 Hangul syllables and full-width forms. Hanja are dropped (4.7 → 1.3 MB). A
subset is a Modified Version under the OFL, which may not use the Reserved Font Name "Nanum…",
so the family is renamed "GDesk Gothic KR"; the copyright notice and the licence stay (OFL.txt).

    apt-get download fonts-nanum && dpkg-deb -x fonts-nanum_*.deb /tmp/nanum
    python -m infra.deploy.fonts /tmp/nanum/usr/share/fonts/truetype/nanum
"""

from __future__ import annotations

import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "chalicelib" / "trips" / "fonts"
UNICODES = ("U+0020-007E,U+00A0-024F,U+0370-03FF,U+0400-04FF,U+2000-206F,U+2100-218F,U+2190-21FF,"
            "U+2200-22FF,U+2460-24FF,U+2500-257F,U+25A0-25FF,U+2600-26FF,U+2700-27BF,U+3000-303F,"
            "U+3131-318E,U+3200-32FF,U+3380-33FF,U+4E00-9FFF,U+AC00-D7A3,U+F900-FAFF,U+FF00-FFEF")
FAMILY = "GDesk Gothic KR"
FACES = {"NanumGothic.ttf": ("Regular", "GDeskGothicKR-Regular.ttf")}


def make(source_dir: Path) -> None:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    for source, (style, target) in FACES.items():
        options = subset.Options()
        options.hinting = False
        options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # keep copyright and licence records
        font = TTFont(source_dir / source)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=subset.parse_unicodes(UNICODES))
        subsetter.subset(font)
        names = font["name"]
        postscript = f"{FAMILY.replace(' ', '')}-{style}"
        for record in list(names.names):
            if record.nameID in (1, 3, 4, 6):
                names.removeNames(nameID=record.nameID)
        for name_id, value in ((1, FAMILY), (2, style), (3, f"{postscript};subset of {source}"),
                               (4, f"{FAMILY} {style}"), (6, postscript)):
            names.setName(value, name_id, 3, 1, 0x409)
        font.save(OUT / target)
        print(f"{target}: {(OUT / target).stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    make(Path(sys.argv[1]))
