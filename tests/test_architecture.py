"""The house's shape: dependencies point one way, no two modules import each other, no
product module is longer than a newcomer can read (500 lines), no line of Python is wider than
110 characters, and the pages' Chinese text is in the translation catalogue."""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import grimp
import pytest
from django.template.base import Lexer, TokenType
from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parent.parent
APPS = (
    "config", "core", "offices", "tracker", "notices", "outreach", "dispatch", "ledgers", "dashboard", "demo",
)
MAX_MODULE_LINES = 500
# Counted in characters: ruff's E501 (switched off in pyproject.toml) counts display columns, two
# for each Chinese character, which would hold a Chinese label to half an English one's length.
MAX_LINE_CHARACTERS = 110


def _product_modules() -> list[Path]:
    return sorted(
        path for app in APPS for path in (ROOT / app).rglob("*.py") if "migrations" not in path.parts
    )


def _python_files() -> list[Path]:
    """The product, its tests, the benchmarks and the deployment's Python; not the migrations,
    which Django writes."""
    return sorted(
        path for folder in (*APPS, "tests", "bench", "deploy") for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts
    ) + [ROOT / "manage.py"]


def test_apps_import_only_the_apps_below_them():
    # when: import-linter's contracts in pyproject.toml
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True,
        text=True
    )
    # then
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


@pytest.fixture(scope="module")
def import_graph():
    sys.path.insert(0, str(ROOT))
    return grimp.build_graph(*APPS, cache_dir=None, exclude_type_checking_imports=True)


def test_no_two_modules_import_each_other_even_through_others(import_graph):
    # given: every module-to-module import of the product (function-level imports included)
    modules = sorted(import_graph.modules)
    # when: strongly connected components of the import graph (Tarjan)
    cycles = [component for component in _strongly_connected(import_graph, modules) if len(component) > 1]
    # then
    assert not cycles, "这些模块相互导入（循环依赖）：" + "；".join(" ↔ ".join(sorted(c)) for c in cycles)


def _strongly_connected(graph, modules: list[str]) -> list[set[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    counter = [0]

    def visit(start: str) -> None:
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                components.append(component)

    for module in modules:
        if module not in index:
            visit(module)
    return components


def test_no_product_module_is_longer_than_500_lines():
    long = {
        str(path.relative_to(ROOT)): lines
        for path in _product_modules()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"这些模块超过{MAX_MODULE_LINES}行，请按职责拆分：{long}"


def test_no_python_line_is_longer_than_110_characters():
    # given
    files = _python_files()
    # when
    long = [
        f"{path.relative_to(ROOT)}:{number}（{len(line)}字符）"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if len(line) > MAX_LINE_CHARACTERS
    ]
    # then
    assert not long, f"这些行超过{MAX_LINE_CHARACTERS}个字符，请换行：" + "；".join(long)


# A page's text is translated in {% translate %} / {% blocktranslate %} or, inside another tag,
# as _("…"); the official documents (templates/notices/pdf/) are the letter itself, laid out to
# GB/T 9704, and stay as they are.
CHINESE = re.compile(r"[\u4e00-\u9fff]")
TRANSLATED_LITERAL = re.compile(r"""_\(\s*(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*\)""")
UNTRANSLATED_TEMPLATES = ROOT / "templates" / "notices" / "pdf"
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# What makemessages hands to xgettext: templatize() turns each tag into gettext('…') or _("…").
MESSAGE_CALL = re.compile(r"""(?:\bgettext|\b_)\((u?(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"))\)""")


def _page_templates() -> list[Path]:
    return sorted(
        path for path in (ROOT / "templates").rglob("*.html") if UNTRANSLATED_TEMPLATES not in path.parents
    )


def untranslated_chinese(source: str) -> list[str]:
    """The lines of a template where Chinese text is shown without going through the catalogue."""
    found = []
    inside = None  # "blocktranslate" or "comment"
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.COMMENT:
            continue
        name = token.contents.split()[0] if token.token_type == TokenType.BLOCK and token.contents else ""
        if inside == "comment":
            inside = None if name == "endcomment" else inside
            continue
        if inside == "blocktranslate":
            inside = None if name in ("endblocktranslate", "endblocktrans") else inside
            if (token.token_type != TokenType.BLOCK
                    or name in ("endblocktranslate", "endblocktrans", "plural")):
                continue
        if name == "comment":
            inside = "comment"
            continue
        if name in ("translate", "trans"):
            continue
        if name in ("blocktranslate", "blocktrans"):
            inside = "blocktranslate"
        shown = TRANSLATED_LITERAL.sub(lambda literal: re.sub(r"[^\n]", " ", literal.group()), token.contents)
        lines = shown.split("\n")
        found += [
            f"第{token.lineno + offset}行：{line.strip()[:60]}"
            for offset, line in enumerate(lines) if CHINESE.search(line)
        ]
    return found


def test_untranslated_chinese_is_found_outside_translation_tags():
    # given
    source = (
        '{% load i18n %}{# 注释 #}{% comment %}说明{% endcomment %}<p title="{% translate "标题" %}">'
        '{% blocktranslate with n=x.y %}共 {{ n }} 项{% endblocktranslate %}{{ a|default:_("无") }}\n'
        '</p><p>未标记</p><input placeholder="{{ b|default:"也未标记" }}">'
    )
    # when
    found = untranslated_chinese(source)
    # then
    assert found == ['第2行：</p><p>未标记</p><input placeholder="', '第2行：b|default:"也未标记"']


def test_page_templates_show_chinese_only_through_the_translation_catalogue():
    # given: every page template (the official documents' own templates aside)
    templates = _page_templates()
    # when
    untranslated = {
        str(path.relative_to(ROOT)): lines
        for path in templates
        if (lines := untranslated_chinese(path.read_text(encoding="utf-8")))
    }
    # then
    assert templates
    assert not untranslated, "这些模板中的中文未经翻译标记（{% translate %}、{% blocktranslate %}、_()）：" + str(untranslated)


def _catalogue_msgids(po_text: str) -> set[str]:
    msgids, parts = set(), None
    for line in po_text.splitlines():
        if line.startswith("msgid "):
            parts = [line[len("msgid "):]]
        elif parts is not None and line.startswith('"'):
            parts.append(line)
        elif parts is not None:
            msgids.add("".join(ast.literal_eval(part) for part in parts))
            parts = None
    return msgids


def test_translation_catalogue_holds_every_page_message():
    # given: the messages makemessages would collect from the page templates
    messages = {
        ast.literal_eval(literal): str(path.relative_to(ROOT))
        for path in _page_templates()
        for literal in MESSAGE_CALL.findall(templatize(path.read_text(encoding="utf-8"), origin=str(path)))
    }
    # when
    catalogue = _catalogue_msgids(CATALOGUE.read_text(encoding="utf-8"))
    # then
    assert messages
    missing = {msgid: path for msgid, path in messages.items() if msgid not in catalogue}
    assert not missing, (
        "翻译目录中缺少这些文字，请运行 manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var "
        f"--ignore=tests --ignore=bench：{missing}"
    )
