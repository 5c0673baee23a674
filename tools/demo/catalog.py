"""Finds every slice's `demo.json`, loads and checks it, and puts the demos in the order a person walks the API.

Everything that can be wrong with a demo file without a server is found here, before anything starts, and is
reported naming the file: bad JSON, an unknown or misspelt key, a set-up that does not exist, a `{placeholder}`
that nothing before it provides.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import JsonValue, ValidationError

from tools.demo.placeholders import names_in
from tools.demo.setups import BUILTIN_NAMES, SETUPS, Setup, resolve
from tools.demo.spec import Demo, Expect, Request

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FEATURES_DIR = PROJECT_ROOT / "app" / "features"
DEMO_FILE = "demo.json"

# The order a judge walks the API in. A slice missing from this list still runs, after these, so a new slice is
# never skipped; adding it here only gives it its place in the story.
WALK_ORDER = (
    "service_status",
    "auth_signup",
    "auth_signin",
    "create_task",
    "list_tasks",
    "toggle_task",
    "update_task",
    "get_task",
    "delete_task",
    "auth_refresh",
    "auth_signout",
    "auth_me",
)


@dataclass(frozen=True, slots=True)
class LoadedDemo:
    slice: str
    path: Path
    demo: Demo
    setups: tuple[Setup, ...]


class DemoFileError(Exception):
    """One demo file and what is wrong with it, each problem on its own line."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        super().__init__(path, problems)
        self.path = path
        self.problems = problems

    def __str__(self) -> str:
        shown = _display(self.path)
        if len(self.problems) == 1:
            return f"{shown}: {self.problems[0]}"
        return "\n".join([f"{shown}:", *(f"  - {problem}" for problem in self.problems)])


class InvalidDemos(Exception):
    """Every malformed demo file found, so one run reports them all."""

    def __init__(self, errors: list[DemoFileError]) -> None:
        super().__init__(errors)
        self.errors = errors


def slice_folders(features_dir: Path = FEATURES_DIR) -> list[Path]:
    """Folders that are slices, by the kernel's rule: not `_`- or `.`-prefixed, and holding a route.py."""
    return sorted(
        path
        for path in features_dir.iterdir()
        if path.is_dir() and not path.name.startswith(("_", ".")) and (path / "route.py").is_file()
    )


def find_demo_files(features_dir: Path = FEATURES_DIR) -> dict[str, Path]:
    """Every `<slice>/demo.json` under a folder, route.py or not, so a demo laid out anywhere (tests) loads."""
    return {path.parent.name: path for path in sorted(features_dir.glob(f"*/{DEMO_FILE}"))}


def load_all(features_dir: Path = FEATURES_DIR) -> list[LoadedDemo]:
    """All demos under a folder, in walk order; raises InvalidDemos naming every malformed file."""
    loaded: list[LoadedDemo] = []
    errors: list[DemoFileError] = []
    for slice_name, path in find_demo_files(features_dir).items():
        try:
            loaded.append(load_demo(path, slice_name))
        except DemoFileError as error:
            errors.append(error)
    if errors:
        raise InvalidDemos(errors)
    return in_walk_order(loaded)


def in_walk_order(demos: list[LoadedDemo]) -> list[LoadedDemo]:
    position = {name: index for index, name in enumerate(WALK_ORDER)}
    return sorted(demos, key=lambda demo: (position.get(demo.slice, len(WALK_ORDER)), demo.slice))


def load_demo(path: Path, slice_name: str | None = None) -> LoadedDemo:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DemoFileError(path, [f"cannot be read: {error}"]) from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        problem = f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        raise DemoFileError(path, [problem]) from None
    try:
        demo = Demo.model_validate(raw)
    except ValidationError as error:
        raise DemoFileError(path, _describe_all(error, raw)) from None
    unknown = [need for need in demo.needs if need not in SETUPS]
    if unknown:
        known = ", ".join(sorted(SETUPS))
        raise DemoFileError(path, [f"needs: no set-up called {name!r} (there are: {known})" for name in unknown])
    setups = tuple(resolve(demo.needs))
    problems = _undefined_placeholders(demo, setups)
    if problems:
        raise DemoFileError(path, problems)
    return LoadedDemo(slice=slice_name or path.parent.name, path=path, demo=demo, setups=setups)


def _undefined_placeholders(demo: Demo, setups: tuple[Setup, ...]) -> list[str]:
    """Every `{name}` must come from a built-in, a set-up in `needs`, or an earlier step's capture.

    A step's expectations may also use what that same step captures (a `Location` header naming the new id).
    """
    known = set(BUILTIN_NAMES).union(*(setup.provides for setup in setups))
    problems: list[str] = []
    for number, step in enumerate(demo.steps, start=1):
        captured = step.captures
        for where, used, available in (
            ("request", _request_names(step.request), known),
            ("expect", _expect_names(step.expect), known | captured),
        ):
            for name in sorted(used - available):
                hint = _hint(name)
                problems.append(
                    f"step {number} ({step.title!r}): {where} uses {{{name}}}, which nothing before it provides{hint}"
                )
        known |= captured
    return problems


def _request_names(request: Request) -> set[str]:
    values: list[JsonValue] = [request.path, *request.headers.values()]
    if request.has_body:
        values.append(request.body)
    return names_in(values)


def _expect_names(expect: Expect) -> set[str]:
    values: list[JsonValue] = [*expect.equals.values(), *expect.differs.values(), *expect.headers.values()]
    if isinstance(expect.error, str):
        values.append(expect.error)
    return names_in(values)


def _hint(name: str) -> str:
    offering = sorted(setup.name for setup in SETUPS.values() if name in setup.provides)
    return f" (add {' or '.join(repr(setup) for setup in offering)} to needs)" if offering else ""


def _describe_all(error: ValidationError, raw: object) -> list[str]:
    """One line per place: a union (`length` is a number or a mapping) fails once per member, said as one."""
    messages: dict[str, list[str]] = {}
    got: dict[str, str] = {}
    for problem in error.errors():
        where = _where(list(problem["loc"]), raw)
        kind = problem["type"]
        message = "unknown key (a typo? docs/demos.md lists the keys)" if kind == "extra_forbidden" else problem["msg"]
        messages.setdefault(where, []).append(message)
        if kind not in {"missing", "extra_forbidden"}:
            got[where] = f" (got {_short(repr(problem['input']))})"
    return [
        f"{where + ': ' if where else ''}{' or '.join(dict.fromkeys(found))}{got.get(where, '')}"
        for where, found in messages.items()
    ]


def _where(location: list[object], raw: object) -> str:
    """`steps.1.expect.status` as a person counts: `step 2 ('Toggle it back') > expect > status`."""
    parts: list[str] = []
    index = 0
    while index < len(location):
        part = location[index]
        following = location[index + 1] if index + 1 < len(location) else None
        if part == "steps" and isinstance(following, int):
            parts.append(f"step {following + 1}{_step_title(raw, following)}")
            index += 2
            continue
        # Union members show up as `int`, `dict[str,int]`… in locations; they say nothing to a demo's author.
        if isinstance(part, str) and ("[" in part or part in {"int", "str", "bool", "literal[True]"}):
            index += 1
            continue
        parts.append(str(part))
        index += 1
    return " > ".join(parts)


def _step_title(raw: object, index: int) -> str:
    steps = raw.get("steps") if isinstance(raw, dict) else None
    step = steps[index] if isinstance(steps, list) and index < len(steps) else None
    title = step.get("title") if isinstance(step, dict) else None
    return f" ({title!r})" if isinstance(title, str) else ""


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
