"""The typefaces of official documents: which faces, where the prepared free faces live.

GB/T 9704 asks for 小标宋 (titles), 仿宋 (body), 黑体 and 楷体 (headings), 宋体 (page numbers). Government machines
carry the official faces; a server usually does not, so the free faces (Fandol, Noto CJK,
LXGW WenKai) stand in. Rendering cost is almost all font subsetting (see the measured facts
in the format notes), so `prepare_fonts` subsets every free face once to GB 2312 + ASCII + CJK
punctuation: WeasyPrint then subsets a font of a few thousand glyphs instead of a 65,000-glyph
collection for every document.
"""
from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings

FANDOL_DIR = Path("/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol")
FANDOL_LICENCE = Path("/usr/share/texlive/texmf-dist/doc/fonts/fandol/COPYING.gz")
FANDOL_README = Path("/usr/share/texlive/texmf-dist/doc/fonts/fandol/README")


@dataclass(frozen=True)
class FreeFace:
    """One free face prepared for a role: its sources in order of preference, and its licence."""

    role: str
    family: str  # the @font-face family name the print CSS uses
    file_stem: str
    sources: tuple[tuple[Path, int], ...]  # (path, index inside a collection)
    licences: tuple[Path, ...]
    weight: str = "normal"


FREE_FACES: tuple[FreeFace, ...] = (
    FreeFace(
        role="fangsong",
        family="Yihong FangSong",
        file_stem="yihong-fangsong",
        sources=((FANDOL_DIR / "FandolFang-Regular.otf", 0),),
        licences=(FANDOL_LICENCE, FANDOL_README),
    ),
    FreeFace(
        role="xiaobiaosong",
        family="Yihong XiaoBiaoSong",
        file_stem="yihong-xiaobiaosong",
        sources=(
            (FANDOL_DIR / "FandolSong-Bold.otf", 0),
            # Noto Serif CJK SC Bold: index 0 of the collection is JP; SC is index 1 in Debian's .ttc.
            (Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc"), 1),
        ),
        licences=(FANDOL_LICENCE, FANDOL_README),
    ),
    FreeFace(
        # 宋体 for the page numbers ("— N —", GB/T 9704 §7.5: half-width 宋体 digits).
        role="songti",
        family="Yihong SongTi",
        file_stem="yihong-songti",
        sources=(
            (FANDOL_DIR / "FandolSong-Regular.otf", 0),
            (Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"), 1),
        ),
        licences=(FANDOL_LICENCE, FANDOL_README),
    ),
    FreeFace(
        role="heiti",
        family="Yihong HeiTi",
        file_stem="yihong-heiti",
        sources=((FANDOL_DIR / "FandolHei-Regular.otf", 0),),
        licences=(FANDOL_LICENCE, FANDOL_README),
    ),
    FreeFace(
        role="kaiti",
        family="Yihong KaiTi",
        file_stem="yihong-kaiti",
        sources=(
            (FANDOL_DIR / "FandolKai-Regular.otf", 0),
            (Path("/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf"), 0),
        ),
        licences=(FANDOL_LICENCE, FANDOL_README),
    ),
)


def fonts_dir() -> Path:
    return Path(settings.YIHONG_FONT_DIR)


def prepared_path(face: FreeFace) -> Path:
    return fonts_dir() / f"{face.file_stem}.otf"


@lru_cache(maxsize=1)
def document_charset() -> str:
    """Every character a document may use: GB 2312, ASCII, CJK and full-width punctuation."""
    chars: set[str] = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    chars.update(chr(c) for c in range(0x20, 0x7F))
    chars.update(chr(c) for c in range(0x3000, 0x3040))  # CJK punctuation, 〔〕 included
    chars.update(chr(c) for c in range(0xFF01, 0xFF5F))  # full-width forms
    chars.update("—–‘’“”…·×÷±≤≥℃‰№Ⅰ Ⅱ Ⅲ Ⅳ Ⅴ Ⅵ".replace(" ", ""))
    chars.update("㎡㎞㎥")
    return "".join(sorted(chars))


def _source_for(face: FreeFace) -> tuple[Path, int] | None:
    for path, index in face.sources:
        if path.exists():
            return path, index
    return None


def prepare_face(face: FreeFace, *, force: bool = False) -> tuple[Path, bool]:
    """Subset one free face to the document charset; return (path, whether work was done)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    target = prepared_path(face)
    source = _source_for(face)
    if source is None:
        raise FileNotFoundError(f"找不到{face.family}的字体源文件：{', '.join(str(p) for p, _ in face.sources)}")
    source_path, index = source
    if target.exists() and not force and target.stat().st_mtime >= source_path.stat().st_mtime:
        return target, False
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.desubroutinize = True  # WeasyPrint re-subsets each document; flat charstrings subset faster
    font = TTFont(str(source_path), fontNumber=index, lazy=False)
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(text=document_charset())
    subsetter.subset(font)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    font.save(str(partial))
    partial.replace(target)
    for licence in face.licences:
        if licence.exists():
            shutil.copyfile(licence, target.parent / f"{face.file_stem}.{licence.name}")
    return target, True


def prepare_all(*, force: bool = False) -> list[tuple[FreeFace, Path, bool]]:
    return [(face, *prepare_face(face, force=force)) for face in FREE_FACES]


def missing_prepared_faces() -> list[FreeFace]:
    return [face for face in FREE_FACES if not prepared_path(face).exists()]


def installed_families() -> set[str]:
    """Families fontconfig knows on this machine (empty when fc-list is unavailable)."""
    try:
        out = subprocess.run(
            ["fc-list", ":", "family"], capture_output=True, text=True, timeout=20, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return set()
    families: set[str] = set()
    for line in out.splitlines():
        families.update(name.strip() for name in line.split(","))
    return families


def font_face_css() -> str:
    """@font-face rules pointing at the prepared files (file URLs), one per role."""
    rules = []
    for face in FREE_FACES:
        path = prepared_path(face)
        if path.exists():
            rules.append(
                f'@font-face {{ font-family: "{face.family}"; src: url("{path.as_uri()}"); '
                f"font-weight: normal; font-style: normal; }}"
            )
    return "\n".join(rules)
