"""compose.yaml and the files it mounts and builds: linted, checked by the tools that will read them, and the
api's environment read by the app's own settings. PgBouncer runs here with the committed settings and entrypoint,
on this machine and in its image, and the app migrates, signs up and keeps a task through it in pooled mode.
(compose itself needs images from a registry.)
"""

import contextlib
import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import pytest
import yaml

from app.serving.settings import ServingSettings
from app.shared.settings import Settings
from tests import node_packages
from tests.conftest import client_for, running_app, test_settings, throwaway_postgres_database
from tests.deploy.containers import started_container
from tests.deploy.image import PROJECT_ROOT, built_pgbouncer_image, unavailable
from tests.resilience.components import POSTGRES_OS_USER, free_port, wait_for_port
from tools.cluster.pgbouncer import pgbouncer_binary

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


class Upstream(NamedTuple):
    """The PostgreSQL database that compose's PgBouncer is put in front of, and the password clients must give."""

    url: str
    password: str

    def environment(self) -> dict[str, str]:
        """What compose.yaml gives the pgbouncer service, pointed at this database."""
        parts = urlsplit(self.url)
        return {
            "POSTGRES_HOST": parts.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_DB": parts.path.lstrip("/"),
            "POSTGRES_USER": parts.username or "postgres",
            "POSTGRES_PASSWORD": self.password,
        }

    def through(self, port: int) -> str:
        settings = self.environment()
        user, database = settings["POSTGRES_USER"], settings["POSTGRES_DB"]
        return f"postgresql://{user}:{self.password}@127.0.0.1:{port}/{database}"


@contextlib.contextmanager
def pgbouncer_on_this_machine(upstream: Upstream) -> Iterator[int]:
    """deploy/pgbouncer's entrypoint and settings, run with this machine's PgBouncer (the image's package)."""
    if pgbouncer_binary() is None:
        unavailable("pgbouncer is not installed (.ci/run installs it)")
    runtime = Path(tempfile.mkdtemp(prefix="todo-compose-pgbouncer-"))
    user: list[str] = []
    if os.geteuid() == 0:  # PgBouncer will not run as root
        shutil.chown(runtime, POSTGRES_OS_USER)
        user = ["runuser", "-u", POSTGRES_OS_USER, "--"]
    port = free_port()
    environment = upstream.environment() | {
        "PATH": os.environ["PATH"] + ":/usr/sbin",
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
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
        shutil.rmtree(runtime, ignore_errors=True)


@contextlib.contextmanager
def pgbouncer_in_its_image(upstream: Upstream) -> Iterator[int]:
    """The pgbouncer service as compose builds it (deploy/pgbouncer/Dockerfile), with compose's environment."""
    image = built_pgbouncer_image()
    with started_container(image, upstream.environment(), port_variable="PGBOUNCER_PORT") as container:
        wait_for_port(container.port, timeout=60)
        yield container.port


@pytest.mark.parametrize("pgbouncer", [pgbouncer_on_this_machine, pgbouncer_in_its_image])
async def test_the_app_migrates_and_serves_through_the_compose_pgbouncer_in_pooled_mode(
    pgbouncer: Callable[[Upstream], AbstractContextManager[int]],
) -> None:
    async with throwaway_postgres_database() as url:
        upstream = Upstream(url, secrets.token_urlsafe(16))
        with pgbouncer(upstream) as port:
            # Pooled mode, migrations included (their advisory lock is transaction-scoped, which PgBouncer keeps).
            settings = test_settings(upstream.through(port), database_pooled=True)
            async with running_app(settings) as app, client_for(app) as http:
                assert app.state.kernel.database.schema_ready
                credentials = {"email": "ada@example.com", "password": "correct horse battery"}
                signed_up = await http.post("/api/auth/signup", json=credentials | {"name": "Ada"})
                assert signed_up.status_code == 201, signed_up.text
                auth = {"Authorization": f"Bearer {signed_up.json()['access_token']}"}
                assert (await http.post("/api/tasks", headers=auth, json={"title": "Pooled"})).status_code == 201
                listed = await http.get("/api/tasks", headers=auth)
    assert [task["title"] for task in listed.json()] == ["Pooled"]
