"""The deployment files: compose topology, Dockerfile, systemd units and the documented variables.

No Docker engine runs here (and the docker client has no compose plugin), so the compose file is
checked as data: the services, their scaling rules, volumes and health checks.
"""
from __future__ import annotations

import configparser
import json
import re
from pathlib import Path

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SETTINGS = Path(__file__).resolve().parents[2] / "config" / "settings"

# Variables read by settings that only make sense on a developer machine.
DEVELOPMENT_ONLY_VARIABLES = {"YIHONG_DEMO_DATE", "DJANGO_DEBUG"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))


def documented_variables() -> set[str]:
    text = (DEPLOY / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def test_compose_runs_web_worker_beat_redis_postgres_and_migrations_first(compose):
    # given / when
    services = compose["services"]

    # then
    assert {"web", "worker", "beat", "redis", "db", "migrate"} <= set(services)
    assert "gunicorn" in services["web"]["command"]
    assert services["worker"]["command"][:5] == ["celery", "-A", "config.celery_app", "--quiet", "worker"]
    assert services["beat"]["command"][:5] == ["celery", "-A", "config.celery_app", "--quiet", "beat"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert services[name]["depends_on"]["db"] == {"condition": "service_healthy"}
        assert services[name]["environment"]["DJANGO_SETTINGS_MODULE"] == "config.settings.production"


def test_worker_scales_and_beat_cannot(compose):
    # given
    worker, beat = compose["services"]["worker"], compose["services"]["beat"]

    # then: `--scale worker=N` needs no fixed name and no published port;
    # a fixed container_name makes `--scale beat=2` fail instead of doubling every job.
    assert "container_name" not in worker and "ports" not in worker
    assert beat["container_name"]
    assert "ports" not in beat


def test_database_and_media_live_on_named_volumes(compose):
    # given
    services = compose["services"]

    # then
    assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]
    for name in ("web", "worker", "beat"):
        assert "media:/data/media" in services[name]["volumes"]
    assert {"pgdata", "media", "redis-data"} <= set(compose["volumes"])


def test_every_long_running_service_has_a_health_check(compose):
    for name in ("web", "worker", "beat", "redis", "db"):
        check = compose["services"][name]["healthcheck"]
        assert check["test"] and not check.get("disable"), name
    assert "/healthz/" in " ".join(compose["services"]["web"]["healthcheck"]["test"])


def test_every_variable_the_compose_file_uses_is_documented(compose):
    # given
    text = (DEPLOY / "docker-compose.yml").read_text(encoding="utf-8")
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]+)", text)) - {"HOSTNAME"}

    # then
    assert used - documented_variables() == set()


def test_every_variable_the_settings_read_is_documented():
    # given: env("NAME" …), env_bool(…), env_list(…), os.environ.get(…), _required(…)
    source = "".join(path.read_text(encoding="utf-8") for path in SETTINGS.glob("*.py"))
    read = set(re.findall(r"(?:env|env_bool|env_list|environ\.get|_required)\(\s*\"([A-Z][A-Z0-9_]+)\"",
                          source))
    read |= set(re.findall(r"alternative=\"([A-Z][A-Z0-9_]+)\"", source))

    # then
    assert read, "the settings read no variables: the pattern is wrong"
    missing = read - DEVELOPMENT_ONLY_VARIABLES - documented_variables()
    assert missing == set(), f"document these variables in deploy/.env.example: {sorted(missing)}"


def test_env_example_holds_no_secret_values():
    # given
    lines = (DEPLOY / ".env.example").read_text(encoding="utf-8").splitlines()
    values = dict(line.split("=", 1) for line in lines if re.match(r"^[A-Z][A-Z0-9_]+=", line))

    # then: secrets are left empty for the administrator to fill in
    for name in ("DJANGO_SECRET_KEY", "POSTGRES_PASSWORD", "EMAIL_HOST_PASSWORD"):
        assert values[name] == "", name


def _stages(dockerfile: str) -> list[str]:
    return re.split(r"^FROM ", dockerfile, flags=re.MULTILINE)[1:]


def test_dockerfile_final_stage_is_non_root_with_fonts_and_pango_and_no_build_tools():
    # given
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    stages = _stages(dockerfile)
    final = stages[-1]

    # then
    assert len(stages) >= 2, "multi-stage build"
    assert re.search(r"^USER (?!root|0\b)\S+", final, flags=re.MULTILINE)
    for package in ("fonts-noto-cjk", "fonts-lxgw-wenkai", "libpango-1.0-0", "libpangoft2-1.0-0"):
        assert package in final, package
    assert "fandol" in final
    for tool in ("build-essential", "gcc", "texlive-lang-chinese"):
        assert not re.search(rf"apt-get install[^\n]*(\\\n[^\n]*)*{tool}", final), tool
    assert "prepare_fonts" in final and "collectstatic" in final
    assert "check --deploy --fail-level WARNING" in final


@pytest.mark.parametrize(
    ("unit", "program"),
    [("yihong-web.service", "gunicorn"), ("yihong-worker@.service", "celery"),
     ("yihong-beat.service", "celery")],
)
def test_systemd_units_run_the_right_program_as_an_unprivileged_user(unit, program):
    # given
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(DEPLOY / "systemd" / unit, encoding="utf-8")

    # then
    service = parser["Service"]
    assert service["User"] == "yihong"
    assert service["EnvironmentFile"] == "/etc/yihong/yihong.env"
    assert f"/bin/{program} " in service["ExecStart"]
    assert "config.settings.production" in service["Environment"] or any(
        "config.settings.production" in line for line in (DEPLOY / "systemd" / unit).read_text().splitlines()
    )
    assert parser["Install"]["WantedBy"] == "yihong.target"


def test_readme_covers_install_upgrade_backup_restore_logs_and_scaling():
    # given
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")

    # then
    for heading in ("首次安装", "升级", "备份", "恢复", "日志", "扩展", "English summary"):
        assert heading in readme, heading
    for command in ("pg_dump", "pg_restore", "migrate", "--scale worker=", "yihong-worker@", "journalctl"):
        assert command in readme, command


# --- `docker compose config`, offline ----------------------------------------------------------
# The docker client here has no compose plugin and there is no engine; what `docker compose config`
# does first — interpolate ${…} from .env and validate against the Compose Specification — is
# done here with the schema vendored beside this file (compose_spec.json, Apache-2.0).

INTERPOLATION = re.compile(r"\$(?:\$|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\})")


class ComposeInterpolationError(ValueError):
    pass


def compose_interpolate(text: str, variables: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error} and $$."""

    def replace(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name"), match.group("op"), match.group("arg")
        value = variables.get(name)
        if op in (":?", "?") and (value is None or (op == ":?" and value == "")):
            raise ComposeInterpolationError(f"{name}: {arg}")
        if op == ":-" and not value:
            return arg
        if op == "-" and value is None:
            return arg
        return value or ""

    return INTERPOLATION.sub(replace, text)


def env_file_values(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if re.match(r"^[A-Z][A-Z0-9_]*=", line))


def test_compose_refuses_to_start_until_the_database_password_is_set():
    # given: .env copied from the example, secrets not filled in yet
    variables = env_file_values((DEPLOY / ".env.example").read_text(encoding="utf-8"))

    # when / then
    with pytest.raises(ComposeInterpolationError, match="POSTGRES_PASSWORD"):
        compose_interpolate((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"), variables)


def test_compose_file_is_valid_against_the_compose_specification_once_configured():
    # given: .env as the administrator fills it in
    import jsonschema

    variables = env_file_values((DEPLOY / ".env.example").read_text(encoding="utf-8"))
    variables.update(POSTGRES_PASSWORD="s3cret-db-password", DJANGO_SECRET_KEY="x" * 60)
    schema = json.loads((Path(__file__).parent / "compose_spec.json").read_text(encoding="utf-8"))

    # when
    config = yaml.safe_load(compose_interpolate((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"),
                                                variables))

    # then
    jsonschema.Draft201909Validator(schema).validate(config)
    web = config["services"]["web"]
    assert web["environment"]["DATABASE_URL"] == "postgres://yihong:s3cret-db-password@db:5432/yihong"
    assert web["ports"] == ["127.0.0.1:8000:8000"]
    assert "$HOSTNAME" in config["services"]["worker"]["healthcheck"]["test"][1]
    assert "--concurrency=2" in config["services"]["worker"]["command"]


def test_compose_schema_check_catches_a_misspelt_key():
    # given: the check must be able to fail
    import jsonschema

    schema = json.loads((Path(__file__).parent / "compose_spec.json").read_text(encoding="utf-8"))
    broken = {"services": {"web": {"image": "yihong", "helthcheck": {"test": ["CMD", "true"]}}}}

    # when / then
    with pytest.raises(jsonschema.ValidationError, match="helthcheck"):
        jsonschema.Draft201909Validator(schema).validate(broken)


# --- requirements: the image installs requirements.txt only ----------------------------------

def _pinned(name: str) -> dict[str, str]:
    pins = {}
    for line in (DEPLOY.parent / name).read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-r"):
            package, _, version = line.partition("==")
            assert version, f"{name}: {line} is not an exact pin"
            pins[_distribution_key(package)] = version
    return pins


def _distribution_key(name: str) -> str:
    """PEP 503 normalised name: Faker, faker; time-machine, time_machine."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _product_imports() -> set[str]:
    """Top-level module names imported anywhere in the product's own packages."""
    import ast

    names = set()
    for package in ("config", "tracker", "notices", "dispatch"):
        for path in (DEPLOY.parent / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names.add(node.module.split(".")[0])
    return names


def test_product_code_imports_nothing_only_the_tests_install():
    from importlib.metadata import packages_distributions

    # given the two pin files: the product's, and the tests' tools on top of it
    runtime, test_only = _pinned("requirements.txt"), _pinned("requirements-test.txt")
    assert not set(runtime) & set(test_only), "a package is pinned in both files"
    assert "-r requirements.txt" in (DEPLOY.parent / "requirements-test.txt").read_text(encoding="utf-8")
    assert "-r requirements.txt" in (DEPLOY / "Dockerfile").read_text(encoding="utf-8").replace(
        "/tmp/requirements.txt", "requirements.txt")
    # when the product's imports are mapped to the distributions that provide them
    distributions = packages_distributions()
    imported = {_distribution_key(dist)
                for module in _product_imports() for dist in distributions.get(module, [])}
    # then none of them is installed only for the tests (the image would fail to import it)
    assert not imported & set(test_only), sorted(imported & set(test_only))
    assert {"django", "celery", "weasyprint"} <= imported
