"""Font preparation and the system check that reports falling back from the official faces."""
from io import StringIO
from unittest import mock

from django.core.management import call_command

from notices import checks, fonts, rendering


def test_prepare_fonts_is_idempotent_and_covers_gb2312():
    # given the prepared faces (the set-up ran prepare_fonts)
    call_command("prepare_fonts", stdout=StringIO())
    before = {face.file_stem: fonts.prepared_path(face).stat().st_mtime for face in fonts.FREE_FACES}
    # when it runs again
    out = StringIO()
    call_command("prepare_fonts", stdout=out)
    # then nothing is rebuilt and every face still maps the whole of GB 2312
    assert "已生成" not in out.getvalue()
    assert before == {face.file_stem: fonts.prepared_path(face).stat().st_mtime for face in fonts.FREE_FACES}
    from fontTools.ttLib import TTFont

    cmap = TTFont(str(fonts.prepared_path(fonts.FREE_FACES[0]))).getBestCmap()
    for char in "临汾〔〕号，。：；（）—1234567890":
        assert ord(char) in cmap, char


def test_check_warns_when_only_free_faces_are_found():
    # given a machine without the official faces
    with mock.patch.object(rendering, "_available_families", return_value=frozenset({"DejaVu Sans"})):
        # when the checks run
        messages = checks.official_fonts_check(None)
    # then a warning names the fallback
    assert [m.id for m in messages] == ["notices.W002"]
    assert "仿宋" in messages[0].msg


def test_check_is_quiet_with_official_faces():
    official = frozenset({"仿宋_GB2312", "方正小标宋简体", "SimSun", "SimHei", "楷体_GB2312"})
    with mock.patch.object(rendering, "_available_families", return_value=official):
        assert checks.official_fonts_check(None) == []
    with mock.patch.object(rendering, "_available_families", return_value=official):
        families = rendering.font_families()
    assert families["fangsong"].startswith('"仿宋_GB2312"')
