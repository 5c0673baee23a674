"""The container image, built from the project's Dockerfile with podman and run as a deployment would run it.

On PostgreSQL: a sign-up and a task make the round trip through the container, every process in it is the
unprivileged user, and its HEALTHCHECK says healthy (and fails when nothing answers). On the embedded SQLite
default: what one container wrote on the /data volume is there for the next. And the final stage holds the app and
its runtime dependencies only.
"""

import json
import secrets
import subprocess
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.conftest import TEST_SECRET, throwaway_postgres_database
from tests.deploy.containers import Container, running_container
from tests.deploy.image import BuiltImage, built_image

pytestmark = pytest.mark.slow

APP_USER_ID = "10001"
PASSWORD = "correct horse battery"
# One worker: the tests need one process that serves; the supervisor above it is what the image runs anyway.
ENVIRONMENT = {"BETTER_AUTH_SECRET": TEST_SECRET, "WORKERS": "1"}


@pytest.fixture(scope="module")
def image() -> BuiltImage:
    return built_image()


@pytest.fixture(scope="module")
async def postgres_url() -> AsyncIterator[str]:
    async with throwaway_postgres_database() as url:
        yield url


@pytest.fixture(scope="module")
def on_postgres(image: BuiltImage, postgres_url: str) -> Iterator[Container]:
    with running_container(image, ENVIRONMENT | {"DATABASE_URL": postgres_url}) as container:
        yield container


def sign_up(http: httpx.Client, email: str) -> dict[str, str]:
    answer = http.post("/api/auth/signup", json={"email": email, "password": PASSWORD, "name": "Ada"})
    assert answer.status_code == 201, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_a_sign_up_and_a_task_make_the_round_trip_through_the_container(on_postgres: Container) -> None:
    with httpx.Client(base_url=on_postgres.base_url, timeout=10) as http:
        auth = sign_up(http, "ada@example.com")
        created = http.post("/api/tasks", headers=auth, json={"title": "Ship the image", "description": "podman"})
        assert created.status_code == 201, created.text
        fetched = http.get(f"/api/tasks/{created.json()['id']}", headers=auth)
        listed = http.get("/api/tasks", headers=auth)
    assert fetched.status_code == 200
    assert (fetched.json()["title"], fetched.json()["description"]) == ("Ship the image", "podman")
    assert [task["id"] for task in listed.json()] == [created.json()["id"]]


def test_every_process_in_the_container_runs_as_the_unprivileged_user(on_postgres: Container) -> None:
    top = on_postgres.podman_output("top", on_postgres.name, "huser", "args")
    assert top.returncode == 0, top.stderr
    processes = [line.split(None, 1) for line in top.stdout.splitlines()[1:] if line.strip()]
    # The supervisor, its worker and multiprocessing's resource tracker.
    assert len(processes) >= 2, top.stdout
    assert {user for user, _ in processes} == {APP_USER_ID}, top.stdout
    assert any("-m app.serving" in command for _, command in processes), top.stdout


def test_the_healthcheck_passes_when_ready_and_fails_when_nothing_answers(on_postgres: Container) -> None:
    healthy = on_postgres.podman_output("healthcheck", "run", on_postgres.name)
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    health = on_postgres.podman_output("inspect", "--format", "{{json .State.Health}}", on_postgres.name)
    assert json.loads(health.stdout)["Status"] == "healthy"
    # The same probe the HEALTHCHECK runs, pointed at a port where nothing listens.
    nobody = on_postgres.podman_output("exec", "--env", "PORT=1", on_postgres.name, "python", "-m", "app.serving.probe")
    assert nobody.returncode == 1
    assert "http://127.0.0.1:1/health/ready" in nobody.stderr


def test_the_embedded_sqlite_default_keeps_its_data_on_the_volume(image: BuiltImage) -> None:
    volume = f"todo-api-test-{secrets.token_hex(4)}"
    subprocess.run([*image.podman, "volume", "create", volume], capture_output=True, check=True, timeout=60)
    try:
        with running_container(image, ENVIRONMENT, volume=volume) as first:
            with httpx.Client(base_url=first.base_url, timeout=10) as http:
                auth = sign_up(http, "grace@example.com")
                assert http.post("/api/tasks", headers=auth, json={"title": "Outlive the container"}).status_code == 201
            assert "sqlite" in first.logs()
        with (
            running_container(image, ENVIRONMENT, volume=volume) as second,
            httpx.Client(base_url=second.base_url, timeout=10) as http,
        ):
            signed_in = http.post("/api/auth/signin", json={"email": "grace@example.com", "password": PASSWORD})
            assert signed_in.status_code == 200, signed_in.text
            tasks = http.get("/api/tasks", headers={"Authorization": f"Bearer {signed_in.json()['access_token']}"})
        assert [task["title"] for task in tasks.json()] == ["Outlive the container"]
    finally:
        subprocess.run([*image.podman, "volume", "rm", "--force", volume], capture_output=True, timeout=60)


# What the final stage holds, seen from inside: its user, its working directory, and what its Python can import.
INSPECTION = """
import importlib.util, json, os, shutil
print(json.dumps({
    "uid": os.getuid(),
    "files": sorted(os.listdir(".")),
    "importable": [m for m in ("pip", "setuptools", "pytest", "ruff", "mypy") if importlib.util.find_spec(m)],
    "tools": [t for t in ("gcc", "cc", "make", "curl") if shutil.which(t)],
    "app": [m for m in ("fastapi", "uvicorn", "asyncpg", "alembic") if importlib.util.find_spec(m)],
}))
"""


def test_the_final_stage_holds_the_app_and_its_runtime_only(image: BuiltImage) -> None:
    done = subprocess.run(
        [*image.podman, "run", "--rm", "--network=none", image.name, "python", "-c", INSPECTION],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    inside = json.loads(done.stdout)
    assert inside["uid"] == int(APP_USER_ID)
    assert inside["files"] == ["alembic.ini", "app", "migrations"]
    assert inside["importable"] == []
    assert inside["tools"] == []
    assert inside["app"] == ["fastapi", "uvicorn", "asyncpg", "alembic"]
