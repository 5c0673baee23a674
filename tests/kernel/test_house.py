"""The house keeps its shape: the README's kernel map matches the tree, and every slice follows the template."""

import ast
import importlib
import re
from pathlib import Path

import pytest
from fastapi import APIRouter
from fastapi.routing import APIRoute

from app.shared.http.discovery import FEATURES_PACKAGE, slice_folders

PROJECT_ROOT = Path(__file__).resolve().parents[2]
KERNEL = PROJECT_ROOT / "app" / "shared"
MAP = re.compile(r"<!-- kernel-map -->(.*?)<!-- /kernel-map -->", re.S)
TEMPLATE_FILES = {"__init__.py", "query.py", "handler.py", "route.py"}
SLICES = [folder.name for folder in slice_folders(FEATURES_PACKAGE)]


def mapped_modules() -> list[str]:
    readme = (PROJECT_ROOT / "README.md").read_text()
    found = MAP.search(readme)
    assert found, "README.md has no <!-- kernel-map --> table"
    return re.findall(r"^\| `([^`]+)` \|", found.group(1), re.M)


def test_the_readme_kernel_map_names_every_kernel_module_once() -> None:
    modules = sorted(str(path.relative_to(KERNEL)) for path in KERNEL.rglob("*.py") if path.name != "__init__.py")
    mapped = mapped_modules()
    assert sorted(mapped) == modules, "README.md's kernel map and app/shared/ disagree"
    assert len(mapped) == len(set(mapped))


def test_every_kernel_room_says_what_it_holds() -> None:
    rooms = [path for path in KERNEL.iterdir() if path.is_dir() and not path.name.startswith("_")]
    assert rooms
    for room in rooms:
        assert ast.get_docstring(ast.parse((room / "__init__.py").read_text())), room


@pytest.mark.parametrize("name", SLICES)
def test_a_slice_has_the_template_files(name: str) -> None:
    folder = PROJECT_ROOT / "app" / "features" / name
    present = {path.name for path in folder.glob("*.py")}
    assert present >= TEMPLATE_FILES, f"{name} lacks {sorted(TEMPLATE_FILES - present)}"
    assert present <= TEMPLATE_FILES | {"request.py"}, f"{name} has files the template does not name"
    for path in folder.glob("*.py"):
        assert ast.get_docstring(ast.parse(path.read_text())), f"{path} has no module docstring"


@pytest.mark.parametrize("name", SLICES)
def test_a_slice_handler_has_one_entry_function_named_handle(name: str) -> None:
    handler = importlib.import_module(f"{FEATURES_PACKAGE}.{name}.handler")
    assert callable(getattr(handler, "handle", None)), f"{name}/handler.py defines no handle()"
    tree = ast.parse(Path(handler.__file__ or "").read_text())
    public = [node.name for node in tree.body if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef)]
    assert [function for function in public if not function.startswith("_")] == ["handle"]


@pytest.mark.parametrize("name", SLICES)
def test_a_slice_route_has_one_tagged_router_and_documented_routes(name: str) -> None:
    module = importlib.import_module(f"{FEATURES_PACKAGE}.{name}.route")
    routers = [value for value in vars(module).values() if isinstance(value, APIRouter)]
    assert routers == [module.router]
    assert module.router.tags, f"{name}'s router has no tag"
    routes = [route for route in module.router.routes if isinstance(route, APIRoute)]
    assert routes
    for route in routes:
        doc = (route.endpoint.__doc__ or "").strip()
        assert doc, f"{name}: {route.path} needs a docstring"
        assert "\n" not in doc, f"{name}: {route.path} needs a one-line docstring"


@pytest.mark.parametrize("name", SLICES)
def test_request_models_are_named_noun_then_role(name: str) -> None:
    path = PROJECT_ROOT / "app" / "features" / name / "request.py"
    if not path.exists():
        pytest.skip(f"{name} takes nothing but the path")
    classes = [node.name for node in ast.parse(path.read_text()).body if isinstance(node, ast.ClassDef)]
    assert classes
    for class_name in classes:
        assert re.fullmatch(r"(?:[A-Z][a-z]+){2,}", class_name), class_name
        assert not class_name.endswith(("Request", "Schema", "Model")), f"{class_name}: name its role, not its kind"


# A link is a markdown link or an autolink to a web address; the service's own addresses are not "outside".
OUTSIDE_LINK = re.compile(r"(?:\]\(|<)(https?://(?!(?:127\.0\.0\.1|localhost)[:/])[^)>\s]+)")


def test_the_docs_link_nothing_outside_the_repository() -> None:
    """The project carries its own reference: a reader offline, or years on, still finds every page it names."""
    pages = [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]
    pages += [PROJECT_ROOT / folder / "README.md" for folder in ("bench", "client", "tests/better_auth")]
    outside = {
        f"{page.relative_to(PROJECT_ROOT)}: {link}"
        for page in pages
        if page.is_file()
        for link in OUTSIDE_LINK.findall(page.read_text())
    }
    assert not outside, sorted(outside)
