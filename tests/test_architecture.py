"""The house's shape: dependencies point one way, no two modules import each other, and no
product module is longer than a newcomer can read (500 lines)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("config", "core", "tracker", "notices", "outreach", "dispatch", "ledgers", "dashboard", "demo")
MAX_MODULE_LINES = 500


def _product_modules() -> list[Path]:
    return sorted(
        path for app in APPS for path in (ROOT / app).rglob("*.py") if "migrations" not in path.parts
    )


def test_apps_import_only_the_apps_below_them():
    # when: import-linter's contracts in pyproject.toml
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True, text=True
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

