"""`python -m tools.demo [--slice NAME] [--base-url URL]`: walk the slices' demos, print them, exit 1 on a miss.

Exit status: 0 when every step got the answer its demo expects, 1 when any did not, 2 when the demos could not
run at all (a malformed demo file, an unknown slice, a server that would not start or cannot be reached).
"""

import argparse
import sys
from pathlib import Path

import httpx

from tools.demo.catalog import DEMO_FILE, FEATURES_DIR, InvalidDemos, LoadedDemo, load_all, slice_folders
from tools.demo.report import Printer
from tools.demo.runner import Outcome, Runner
from tools.demo.server import ServerError, throwaway_server
from tools.demo.server_settings import ConflictingSettings, assumptions, throwaway_plan

EXIT_PASSED, EXIT_FAILED, EXIT_UNUSABLE = 0, 1, 2
REQUEST_TIMEOUT_SECONDS = 30.0


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    # A terminal that cannot show ✓ gets `?`, not a UnicodeEncodeError halfway through the walk.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    printer = Printer.for_stream(sys.stdout)
    try:
        demos = load_all(arguments.demos_dir)
    except InvalidDemos as invalid:
        for error in invalid.errors:
            print(f"demo: {error}", file=sys.stderr)
        return EXIT_UNUSABLE
    if arguments.demos_dir == FEATURES_DIR:
        _warn_about_slices_without_demos(printer, demos)
    chosen = _choose(demos, arguments.slice)
    if chosen is None:
        known = ", ".join(demo.slice for demo in demos) or "none"
        print(f"demo: no demo for slice {', '.join(arguments.slice)} (slices with a demo: {known})", file=sys.stderr)
        return EXIT_UNUSABLE
    unwritten = [demo for demo in chosen if demo.demo.todo]
    chosen = [demo for demo in chosen if not demo.demo.todo]
    try:
        outcome = _walk_deployed(printer, chosen, arguments.base_url) if arguments.base_url else _walk(printer, chosen)
    except (ServerError, ConflictingSettings) as error:
        print(f"demo: {error}", file=sys.stderr)
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        print("\ndemo: interrupted", file=sys.stderr)
        return 130
    if outcome is None:
        return EXIT_UNUSABLE
    for demo in unwritten:
        message = f"{demo.slice}: its demo is still the template (TODO: {demo.demo.todo})"
        printer.warning(message)
        if not arguments.skip_todo:
            outcome.failed += 1
            outcome.failures.append(message)
    printer.summary(outcome)
    return EXIT_PASSED if outcome.failed == 0 else EXIT_FAILED


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.demo",
        description="Walk each slice's demo.json against the API: every request, its answer, and a check of it.",
    )
    parser.add_argument(
        "--slice", action="append", metavar="NAME", help="run only this slice's demo (repeatable), e.g. toggle_task"
    )
    parser.add_argument(
        "--base-url", metavar="URL", help="a running server, e.g. https://todo.example.com; then nothing is started"
    )
    parser.add_argument(
        "--skip-todo",
        action="store_true",
        help="report demos still marked `todo` without failing (the test suite's walk; `make demo` fails on them)",
    )
    parser.add_argument(
        "--demos-dir",
        type=Path,
        default=FEATURES_DIR,
        metavar="DIR",
        help=f"where <slice>/{DEMO_FILE} files are found (default: app/features)",
    )
    return parser


def _choose(demos: list[LoadedDemo], names: list[str] | None) -> list[LoadedDemo] | None:
    if not names:
        return demos
    by_name = {demo.slice: demo for demo in demos}
    if any(name not in by_name for name in names):
        return None
    return [by_name[name] for name in names]


def _warn_about_slices_without_demos(printer: Printer, demos: list[LoadedDemo]) -> None:
    with_demo = {demo.slice for demo in demos}
    for folder in slice_folders():
        if folder.name not in with_demo:
            printer.warning(f"slice {folder.name} has no {DEMO_FILE}; docs/demos.md says how to write one")


def _walk(printer: Printer, demos: list[LoadedDemo]) -> Outcome:
    plan = throwaway_plan(demos)
    printer.note("starting the app on a throwaway SQLite database with a random BETTER_AUTH_SECRET")
    with throwaway_server(plan.settings) as server:
        printer.note(f"serving at {server.base_url}; it stops, and its database is deleted, when the walk ends")
        for note in plan.notes:
            printer.note(note)
        return _run(printer, demos, server.base_url)


def _walk_deployed(printer: Printer, demos: list[LoadedDemo], base_url: str) -> Outcome | None:
    base_url = base_url.rstrip("/")
    try:
        httpx.get(f"{base_url}/health", timeout=10.0)
    except httpx.HTTPError as error:
        print(f"demo: cannot reach {base_url}: {type(error).__name__}: {error}", file=sys.stderr)
        return None
    printer.note(f"against {base_url}; nothing is started here")
    for note in assumptions(demos):
        printer.note(note)
    return _run(printer, demos, base_url)


def _run(printer: Printer, demos: list[LoadedDemo], base_url: str) -> Outcome:
    with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT_SECONDS) as client:
        return Runner(client, printer).run(demos)


if __name__ == "__main__":
    sys.exit(main())
