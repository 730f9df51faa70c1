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
# The demo's outreach channels point at a local receiver (outreach/sandbox.py) on this port, with
# the demo's own keys (outreach/demo_accounts.py); production sets these in the environment.
OUTREACH_PORT ?= 8190
DEMO_OUTREACH_ENV := YIHONG_OUTREACH_SANDBOX_PORT=$(OUTREACH_PORT) \
	YIHONG_WECOM_WEBHOOK_URL=http://127.0.0.1:$(OUTREACH_PORT)/cgi-bin/webhook/send \
	YIHONG_DINGTALK_WEBHOOK_URL=http://127.0.0.1:$(OUTREACH_PORT)/robot/send \
	YIHONG_SMS_ENDPOINT=127.0.0.1:$(OUTREACH_PORT) YIHONG_SMS_PROTOCOL=http YIHONG_SMS_SIGN_NAME=一泓专班 \
	YIHONG_SMS_TEMPLATES='{"new_letter":"SMS_90000","ack_due":"SMS_90001","ack_overdue":"SMS_90002","answer_due":"SMS_90003","answer_overdue":"SMS_90004","weekly_unreported":"SMS_90005","instruction":"SMS_90006"}' \
	YIHONG_DEMO_WECOM_KEY=demo-wecom-key-0001 YIHONG_DEMO_DING_TOKEN=demo-ding-token-0001 \
	YIHONG_DEMO_DING_SECRET=SECdemo0001 ALIBABA_CLOUD_ACCESS_KEY_ID=LTAIdemo \
	ALIBABA_CLOUD_ACCESS_KEY_SECRET=demo-sms-secret YIHONG_SITE_URL=http://$(HOST):$(PORT)

# Debian packages the product needs: CJK fonts for the official documents (仿宋/宋体/黑体/楷体 free
# faces), Pango for WeasyPrint, poppler for checking PDFs, Chromium for the browser tests.
SYSTEM_PACKAGES := fonts-noto-cjk fonts-lxgw-wenkai fonts-arphic-gkai00mp texlive-lang-chinese \
	libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils chromium chromium-driver wrk

.PHONY: demo test lint setup system-packages venv migrate fonts serve clean

demo: setup
	@# Outreach: a local stand-in for 企业微信, 钉钉 and SMS, running beside the server until
	@# it stops; every step below sends only to it (outside production nothing leaves 127.0.0.1).
	@rm -f var/outreach-sandbox.jsonl
	$(DEMO_OUTREACH_ENV) $(MANAGE) outreach_sandbox --port $(OUTREACH_PORT) & echo $$! > var/outreach-sandbox.pid; sleep 2
	YIHONG_DEMO_DATE=$(DEMO_UNTIL) $(MANAGE) load_demo > var/demo-logins.txt
	@# The calendar's history first (its notices are numbered in date order), with the demo's people
	@# signing, answering and letting some letters go overdue; then the hand-made notices of every kind.
	$(DEMO_OUTREACH_ENV) $(MANAGE) demo_history --date $(DEMO_FROM) --until $(DEMO_UNTIL) --quiet
	$(DEMO_OUTREACH_ENV) $(MANAGE) generate_demo_notices
	$(DEMO_OUTREACH_ENV) $(MANAGE) outreach_demo || (kill $$(cat var/outreach-sandbox.pid); exit 1)
	@cat var/demo-logins.txt
	@echo ""
	@echo "一泓已启动，挂图作战：http://$(HOST):$(PORT)/dashboard/"
	@echo "  从首页 http://$(HOST):$(PORT)/ 登录后，各角色进入各自的工作页；管理后台：http://$(HOST):$(PORT)/admin/ ，按 Ctrl+C 停止"
	trap 'kill $$(cat var/outreach-sandbox.pid) 2>/dev/null' EXIT INT TERM; \
	$(DEMO_OUTREACH_ENV) $(MANAGE) runserver $(HOST):$(PORT) --noreload

# The suite in two parts. Most tests spread over TEST_WORKERS processes (pytest-xdist; each
# process has its own test database and media folder), one test file per process at a time. The
# browser tests and the slow fault/topology tests (markers `browser`, `once`) start their own
# servers and drive Chromium: they run one at a time, after. TEST_PARTS=parallel runs only the
# first part (.ci/run's SQLite pass leaves the second to its PostgreSQL pass); PYTEST_ARGS is
# passed to both (e.g. PYTEST_ARGS='tests/notices -x').
TEST_WORKERS ?= 2
TEST_PARTS ?= parallel serial
test: lint system-packages venv fonts
ifneq ($(filter parallel,$(TEST_PARTS)),)
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile -m "not browser and not once" $(PYTEST_ARGS)
endif
ifneq ($(filter serial,$(TEST_PARTS)),)
	$(VENV)/bin/pytest -m "browser or once" $(PYTEST_ARGS)
endif

# The checks configured in pyproject.toml, before the suite (a few seconds): ruff, mypy over the
# apps (files and the django-stubs plugin configured there), the import-linter layers.
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

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
