"""Tasks are enqueued by reference: the import graph shows who enqueues what, and a name that
does not exist cannot be sent. These checks keep it so."""

from __future__ import annotations

import ast
import pathlib

from celery import current_app

from config.celery_app import app

ROOT = pathlib.Path(__file__).resolve().parent.parent
APPS = (
    "config", "core", "offices", "tracker", "notices", "dispatch", "outreach", "ledgers", "dashboard", "demo",
)


def _product_modules():
    for name in APPS:
        yield from (path for path in (ROOT / name).rglob("*.py") if "migrations" not in path.parts)


def test_every_scheduled_task_name_is_a_registered_task():
    # given beat's schedule (declared once, handed to Celery by dispatch)
    schedule = current_app.conf.beat_schedule
    # then every entry's task is registered in every process that loads the apps
    missing = sorted(entry["task"] for entry in schedule.values() if entry["task"] not in app.tasks)
    assert schedule and not missing, f"定时任务未注册：{missing}"


def test_no_product_code_enqueues_a_task_by_its_name():
    # given every product module's source
    by_name = []
    for path in _product_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            # app.send_task("…"), current_app.tasks["…"], signature("…")
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "send_task"):
                by_name.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "signature" and node.args and \
                    isinstance(node.args[0], ast.Constant):
                by_name.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and \
                    node.value.attr == "tasks" and isinstance(node.slice, ast.Constant):
                by_name.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    # then none enqueues by a string: each imports the task and calls it
    assert by_name == [], f"按名称发送任务（应导入任务对象）：{by_name}"


def test_every_task_of_the_product_has_a_stable_name_of_its_app():
    # given the tasks the product registers (Celery's own start with "celery.")
    ours = {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}
    # then each is named "<app>.<what it does>" after the app whose module defines it
    wrong = sorted(name for name, task in ours.items()
                   if name.split(".")[0] != task.__module__.split(".")[0] or name.count(".") != 1)
    assert ours and not wrong, f"任务名与所在应用不符：{wrong}"
