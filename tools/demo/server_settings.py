"""The settings a throwaway server needs for the chosen demos, and the notes that say why.

Everything else stays at the app's defaults, rate limits included: the demos show the API as it is deployed.
The one exception is the per-IP auth limit when the walk needs more auth requests than it allows in a minute,
because every demo signs up its own fresh users; the output says so whenever it happens.
"""

from dataclasses import dataclass

from tools.demo.catalog import LoadedDemo

# RATE_LIMIT_AUTH's default, per client IP, on sign-up, sign-in and refresh.
DEFAULT_AUTH_LIMIT_PER_MINUTE = 10
AUTH_PREFIX = "/api/auth/"


class ConflictingSettings(ValueError):
    """Two demos want the same server setting at different values; one server cannot hold both."""


@dataclass(frozen=True, slots=True)
class ServerPlan:
    settings: dict[str, str]
    notes: list[str]


def auth_requests(demos: list[LoadedDemo]) -> int:
    """POSTs under /api/auth/ in set-ups and steps. Sign-out is among them though it is not limited: a margin."""
    steps = [step for demo in demos for setup in demo.setups for step in setup.steps]
    steps += [step for demo in demos for step in demo.demo.steps]
    return sum(1 for step in steps if step.request.method == "POST" and step.request.path.startswith(AUTH_PREFIX))


def demo_settings(demos: list[LoadedDemo]) -> dict[str, tuple[str, str]]:
    """Setting -> (value, the slice that asked), refusing two different values for one setting."""
    wanted: dict[str, tuple[str, str]] = {}
    for demo in demos:
        for name, value in demo.demo.server_settings.items():
            if name in wanted and wanted[name][0] != value:
                other_value, other_slice = wanted[name]
                raise ConflictingSettings(
                    f"{other_slice} wants {name}={other_value} but {demo.slice} wants {name}={value}; "
                    "run them separately with --slice"
                )
            wanted.setdefault(name, (value, demo.slice))
    return wanted


def throwaway_plan(demos: list[LoadedDemo]) -> ServerPlan:
    settings: dict[str, str] = {}
    notes: list[str] = []
    needed = auth_requests(demos)
    if needed > DEFAULT_AUTH_LIMIT_PER_MINUTE:
        settings["RATE_LIMIT_AUTH"] = f"{needed}/minute"
        notes.append(
            f"RATE_LIMIT_AUTH={needed}/minute on this server: the walk makes {needed} auth requests from one IP "
            f"(every demo signs up its own users), and the default {DEFAULT_AUTH_LIMIT_PER_MINUTE}/minute would "
            "answer 429; every other limit is at its default"
        )
    for name, (value, slice_name) in demo_settings(demos).items():
        settings[name] = value
        notes.append(f"{name}={value} on this server, as {slice_name}'s demo asks")
    return ServerPlan(settings=settings, notes=notes)


def assumptions(demos: list[LoadedDemo]) -> list[str]:
    """Against a deployed server nothing can be set; say what the demos assume of it instead."""
    notes = [
        f"{slice_name}'s demo assumes the server runs with {name}={value}"
        for name, (value, slice_name) in demo_settings(demos).items()
    ]
    if auth_requests(demos) > DEFAULT_AUTH_LIMIT_PER_MINUTE:
        notes.append(
            f"the walk makes {auth_requests(demos)} auth requests; past the server's limit it waits out each 429 "
            "as Retry-After says"
        )
    return notes
