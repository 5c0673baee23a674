"""Slices are found and mounted by the kernel: adding a folder with a route.py is the whole registration."""

import textwrap
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from loguru import logger

from app.shared.http.discovery import SliceError, mount_slices

ROUTE = """
from fastapi import APIRouter

router = APIRouter(tags=["{name}"])


@router.get("/{name}")
async def {name}() -> dict[str, str]:
    return {{"slice": "{name}"}}
"""


def make_package(root: Path, monkeypatch: pytest.MonkeyPatch, slices: dict[str, str | None]) -> str:
    """A features package in tmp_path: each slice gets the given route.py text, or no route.py for None."""
    package = f"features_{uuid.uuid4().hex[:8]}"
    (root / package).mkdir()
    (root / package / "__init__.py").write_text("")
    for name, route in slices.items():
        (root / package / name).mkdir()
        (root / package / name / "__init__.py").write_text("")
        if route is not None:
            (root / package / name / "route.py").write_text(textwrap.dedent(route))
    monkeypatch.syspath_prepend(str(root))
    return package


async def get(app: FastAPI, path: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        return await client.get(path)


async def test_every_slice_with_a_route_is_mounted_in_sorted_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = make_package(
        tmp_path, monkeypatch, {"zeta": ROUTE.format(name="zeta"), "alpha": ROUTE.format(name="alpha"), "notes": None}
    )
    warnings: list[str] = []
    sink = logger.add(lambda message: warnings.append(message.record["message"]), level="WARNING")
    try:
        app = FastAPI()
        mounted = mount_slices(app, package=package)
    finally:
        logger.remove(sink)
    assert mounted == ["alpha", "zeta"]
    assert (await get(app, "/alpha")).json() == {"slice": "alpha"}
    assert (await get(app, "/zeta")).json() == {"slice": "zeta"}
    assert any("notes" in warning and "route.py" in warning for warning in warnings)


async def test_adding_a_folder_adds_its_routes_with_no_other_edit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = make_package(tmp_path, monkeypatch, {"first": ROUTE.format(name="first")})
    before = FastAPI()
    mount_slices(before, package=package)
    assert (await get(before, "/second")).status_code == 404
    (tmp_path / package / "second").mkdir()
    (tmp_path / package / "second" / "__init__.py").write_text("")
    (tmp_path / package / "second" / "route.py").write_text(ROUTE.format(name="second"))
    after = FastAPI()
    assert mount_slices(after, package=package) == ["first", "second"]
    assert (await get(after, "/second")).json() == {"slice": "second"}


def test_a_route_that_fails_to_import_stops_start_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = "raise RuntimeError('boom in slice')\n"
    package = make_package(tmp_path, monkeypatch, {"ok": ROUTE.format(name="ok"), "broken": broken})
    with pytest.raises(RuntimeError, match="boom in slice"):
        mount_slices(FastAPI(), package=package)


def test_a_route_without_a_router_stops_start_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = make_package(tmp_path, monkeypatch, {"odd": "ROUTER = None\n"})
    with pytest.raises(SliceError, match="router"):
        mount_slices(FastAPI(), package=package)


def test_the_real_app_mounts_every_slice_folder(app: FastAPI) -> None:
    features = Path(__file__).resolve().parents[2] / "app" / "features"
    folders = {path.name for path in features.iterdir() if (path / "route.py").is_file()}
    # FastAPI keeps each included router as one entry that remembers the router it came from.
    routers = [getattr(entry, "original_router", None) for entry in app.routes]
    endpoints = [route.endpoint for router in routers if router is not None for route in router.routes]
    mounted: set[Any] = {
        endpoint.__module__.split(".")[2] for endpoint in endpoints if endpoint.__module__.startswith("app.features.")
    }
    assert folders == mounted
    assert "service_status" in folders  # never a vacuous pass on two empty sets
