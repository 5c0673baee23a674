"""Finds and mounts every slice under app/features, so adding a slice never means editing a central list.

Slices are imported by name (a string), which keeps the kernel free of imports from app.features.
"""

import importlib
from collections.abc import Sequence
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from loguru import logger
from starlette.routing import BaseRoute

FEATURES_PACKAGE = "app.features"


class SliceError(RuntimeError):
    """A slice that cannot be mounted stops start-up: a slice must never vanish silently."""


def mount_slices(app: FastAPI, package: str = FEATURES_PACKAGE) -> list[str]:
    mounted: list[str] = []
    for folder in slice_folders(package):
        if not (folder / "route.py").is_file():
            logger.warning("Slice folder {} has no route.py; skipped", folder.name)
            continue
        module_name = f"{package}.{folder.name}.route"
        module = importlib.import_module(module_name)  # an import error propagates and stops start-up
        router = getattr(module, "router", None)
        if not isinstance(router, APIRouter):
            raise SliceError(f"{module_name} must define `router = APIRouter(...)`")
        app.include_router(router)
        mounted.append(folder.name)
    return mounted


def slice_folders(package: str) -> list[Path]:
    root_file = importlib.import_module(package).__file__
    if root_file is None:
        raise SliceError(f"{package} is not a regular package")
    root = Path(root_file).parent
    return sorted(path for path in root.iterdir() if path.is_dir() and not path.name.startswith(("_", ".")))


def mounted_routes(routes: Sequence[BaseRoute]) -> list[APIRoute]:
    """Every APIRoute an app serves, through the included routers FastAPI keeps whole and routes through."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif (included := getattr(route, "original_router", None)) is not None:
            found += mounted_routes(included.routes)
    return found
