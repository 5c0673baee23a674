"""compose.yaml and the files it mounts and builds: linted, checked by the tools that will read them, and the
api's environment read by the app's own settings. PgBouncer runs here with the committed settings and entrypoint,
and the app signs up and keeps a task through it in pooled mode. (compose itself needs images from a registry.)
"""

import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from app.serving.settings import ServingSettings
from app.shared.settings import Settings
from tests import node_packages
from tests.conftest import client_for, running_app, test_settings, throwaway_postgres_database
from tests.deploy.image import PROJECT_ROOT, unavailable
from tests.resilience.components import POSTGRES_OS_USER, free_port, pgbouncer_binary, wait_for_port

pytestmark = pytest.mark.slow

COMPOSE = PROJECT_ROOT / "compose.yaml"
COMPOSE_LINT = PROJECT_ROOT / "tools" / "compose-lint"
HAPROXY_CONFIG = PROJECT_ROOT / "deploy" / "haproxy.cfg"
PGBOUNCER = PROJECT_ROOT / "deploy" / "pgbouncer"
# ${NAME}, ${NAME:?error} or ${NAME:-default}
VARIABLE = re.compile(r"\$\{(\w+)(?::([?-])([^}]*))?\}")
REQUIRED_VALUE = "x" * 40


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())  # type: ignore[no-any-return]


def test_compose_yaml_lints_clean_with_dclint() -> None:
    node_packages.ensure_node_modules(COMPOSE_LINT)
    dclint = COMPOSE_LINT / "node_modules" / ".bin" / "dclint"
    done = subprocess.run(
        [str(dclint), "--max-warnings", "0", "--color", "false", str(COMPOSE)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_haproxy_accepts_its_configuration() -> None:
    haproxy = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin")
    if haproxy is None:
        unavailable("haproxy is not installed (.ci/run installs it)")
    done = subprocess.run([haproxy, "-c", "-f", str(HAPROXY_CONFIG)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    # It balances the api service on the port the image listens on, and checks readiness.
    port = ServingSettings.model_fields["port"].default
    assert f"api:{port}" in HAPROXY_CONFIG.read_text()
    assert "option httpchk GET /health/ready" in HAPROXY_CONFIG.read_text()


def test_every_api_variable_is_a_setting_and_together_they_configure_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    api = compose()["services"]["api"]
    environment = {name: _interpolated(str(value)) for name, value in api["environment"].items()}
    known = {
        alias
        for model in (Settings, ServingSettings)
        for name, field in model.model_fields.items()
        for alias in [name.upper(), *_aliases(field)]
    }
    assert set(environment) <= known, set(environment) - known
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.database_pooled is True
    assert settings.database_url.startswith("postgresql://todo:")
    assert settings.redis_url == "redis://redis:6379/0"
    haproxy_address = compose()["services"]["haproxy"]["networks"]["backend"]["ipv4_address"]
    assert settings.forwarded_allow_ips == [haproxy_address]
    assert api["deploy"]["replicas"] >= 2


def _interpolated(value: str) -> str:
    """The value compose would give, with REQUIRED_VALUE for every variable without a default."""
    return VARIABLE.sub(lambda match: match.group(3) if match.group(2) == "-" else REQUIRED_VALUE, value)


def _aliases(field: Any) -> list[str]:
    choices = getattr(field.validation_alias, "choices", [])
    return [str(choice).upper() for choice in choices]


@pytest.fixture
def compose_pgbouncer() -> Iterator[tuple[Path, list[str]]]:
    """deploy/pgbouncer's entrypoint and settings, run with this machine's PgBouncer (the image's package)."""
    binary = pgbouncer_binary()
    if binary is None:
        unavailable("pgbouncer is not installed (.ci/run installs it)")
    runtime = Path(tempfile.mkdtemp(prefix="todo-compose-pgbouncer-"))
    user: list[str] = []
    if os.geteuid() == 0:  # PgBouncer will not run as root
        shutil.chown(runtime, POSTGRES_OS_USER)
        user = ["runuser", "-u", POSTGRES_OS_USER, "--"]
    yield runtime, user
    shutil.rmtree(runtime, ignore_errors=True)


async def test_the_app_serves_through_the_compose_pgbouncer_in_pooled_mode(
    compose_pgbouncer: tuple[Path, list[str]],
) -> None:
    runtime, user = compose_pgbouncer
    password = secrets.token_urlsafe(16)
    port = free_port()
    async with throwaway_postgres_database() as url:
        upstream = urlsplit(url)
        database = upstream.path.lstrip("/")
        environment = {
            "PATH": os.environ["PATH"] + ":/usr/sbin",
            "POSTGRES_HOST": upstream.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(upstream.port or 5432),
            "POSTGRES_DB": database,
            "POSTGRES_USER": upstream.username or "postgres",
            "POSTGRES_PASSWORD": password,
            "PGBOUNCER_RUNTIME_DIR": str(runtime),
            "PGBOUNCER_SETTINGS": str(PGBOUNCER / "pgbouncer.ini"),
            "PGBOUNCER_PORT": str(port),
        }
        with (runtime / "pgbouncer.log").open("wb") as log:
            process = subprocess.Popen(
                [*user, "sh", str(PGBOUNCER / "entrypoint.sh")],
                env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        try:
            wait_for_port(port, process=process)
            pooled_url = f"postgresql://{environment['POSTGRES_USER']}:{password}@127.0.0.1:{port}/{database}"
            # Pooled mode, migrations included (their advisory lock is transaction-scoped, which PgBouncer keeps).
            async with running_app(test_settings(pooled_url, database_pooled=True)) as app, client_for(app) as http:
                assert app.state.kernel.database.schema_ready, (runtime / "pgbouncer.log").read_text()
                credentials = {"email": "ada@example.com", "password": "correct horse battery"}
                signed_up = await http.post("/api/auth/signup", json=credentials | {"name": "Ada"})
                assert signed_up.status_code == 201, signed_up.text
                auth = {"Authorization": f"Bearer {signed_up.json()['access_token']}"}
                assert (await http.post("/api/tasks", headers=auth, json={"title": "Pooled"})).status_code == 201
                listed = await http.get("/api/tasks", headers=auth)
            assert [task["title"] for task in listed.json()] == ["Pooled"]
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
