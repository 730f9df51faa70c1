# 一泓 — two commands: `make demo` (set up, load the demo, serve) and `make test` (set up, run the suite).
# Every step is idempotent: running it twice is harmless and quick.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_FROM ?= 2025-01-01
# The demo ledger's history runs up to this date (settings.YIHONG_DEMO_DATE).
DEMO_UNTIL ?= 2025-09-30

# Debian packages the product needs: CJK fonts for the official documents (仿宋/宋体/黑体/楷体 free
# faces), Pango for WeasyPrint, poppler for checking PDFs, Chromium for the browser tests.
SYSTEM_PACKAGES := fonts-noto-cjk fonts-lxgw-wenkai fonts-arphic-gkai00mp texlive-lang-chinese \
	libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils chromium chromium-driver wrk

.PHONY: demo test setup system-packages venv migrate fonts serve clean

demo: setup
	YIHONG_DEMO_DATE=$(DEMO_UNTIL) $(MANAGE) load_demo > var/demo-logins.txt
	@# The calendar's history first (its notices are numbered in date order), with the demo's people
	@# signing, answering and letting some letters go overdue; then the hand-made notices of every kind.
	$(MANAGE) demo_history --date $(DEMO_FROM) --until $(DEMO_UNTIL) --quiet
	$(MANAGE) generate_demo_notices
	@cat var/demo-logins.txt
	@echo ""
	@echo "一泓已启动，挂图作战：http://$(HOST):$(PORT)/dashboard/"
	@echo "  从首页 http://$(HOST):$(PORT)/ 登录后，各角色进入各自的工作页；管理后台：http://$(HOST):$(PORT)/admin/ ，按 Ctrl+C 停止"
	$(MANAGE) runserver $(HOST):$(PORT) --noreload

test: system-packages venv fonts
	$(VENV)/bin/pytest

setup: system-packages venv migrate fonts

system-packages:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then echo "系统软件包已齐全"; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
		echo "安装系统软件包:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	else \
		echo "缺少系统软件包，请以 root 身份安装：apt-get install$$missing"; exit 1; \
	fi

$(PY):
	$(PYTHON) -m venv $(VENV)

# The product's requirements and the tests' tools (requirements-test.txt includes requirements.txt).
$(VENV)/.requirements-installed: requirements.txt requirements-test.txt | $(PY)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements-test.txt
	touch $@

venv: $(VENV)/.requirements-installed

migrate: venv
	@mkdir -p var
	$(MANAGE) migrate --noinput -v0

fonts: venv
	@if $(MANAGE) help prepare_fonts >/dev/null 2>&1; then $(MANAGE) prepare_fonts; fi

serve: setup
	$(MANAGE) runserver $(HOST):$(PORT) --noreload

clean:
	rm -rf var/yihong.sqlite3 var/media var/mail
