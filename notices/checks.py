"""System checks: say clearly when documents fall back from the official faces."""
from django.core import checks


@checks.register(checks.Tags.compatibility)
def official_fonts_check(app_configs, **kwargs):
    from notices import fonts, rendering

    messages = []
    missing_prepared = fonts.missing_prepared_faces()
    if missing_prepared:
        messages.append(checks.Warning(
            "公文免费字体尚未预处理：" + "、".join(f.family for f in missing_prepared),
            hint="运行 manage.py prepare_fonts（否则 PDF 渲染会很慢或缺字）",
            id="notices.W001",
        ))
    fallback_roles = rendering.official_faces_missing()
    if fallback_roles:
        names = {"fangsong": "仿宋", "xiaobiaosong": "小标宋", "songti": "宋体", "heiti": "黑体", "kaiti": "楷体"}
        messages.append(checks.Warning(
            "未找到公文规定字体，改用免费替代字体：" + "、".join(names.get(r, r) for r in fallback_roles),
            hint="如需与政府机关电脑一致的版面，请安装仿宋_GB2312、方正小标宋简体、宋体、黑体、楷体_GB2312 字体",
            id="notices.W002",
        ))
    return messages
