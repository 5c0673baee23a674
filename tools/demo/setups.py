"""What a demo can ask for in `needs`, provided generically through the API itself before its first step.

Each set-up is written as ordinary demo steps, so it is sent, checked and printed by the same code as a demo.
Every demo gets fresh ones (a new random user each time): demos never depend on each other, any one of them
runs alone, and running them twice against the same server never collides on an email.
"""

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pydantic import JsonValue

from tools.demo.spec import Expect, Request, Step

BEARER = {"Authorization": "Bearer {access_token}"}


@dataclass(frozen=True, slots=True)
class Setup:
    name: str
    description: str
    requires: tuple[str, ...]
    # Fresh values for each run (a random email, a password), also variables the demo can use.
    given: Callable[[], dict[str, JsonValue]]
    steps: tuple[Step, ...]
    # What the printed line says once done, with placeholders: "signed up {email}".
    summary: str

    @property
    def provides(self) -> set[str]:
        captured = {name for step in self.steps for name in step.capture}
        return set(self.given()) | captured


def builtins() -> dict[str, JsonValue]:
    """Variables every demo has: `{unique}` makes an email or title nobody used before."""
    return {"unique": secrets.token_hex(4)}


BUILTIN_NAMES = frozenset(builtins())


def _fresh_user(prefix: str) -> Callable[[], dict[str, JsonValue]]:
    def given() -> dict[str, JsonValue]:
        email = f"{prefix}-{secrets.token_hex(4)}@example.com"
        return {f"{prefix}_email": email, f"{prefix}_password": secrets.token_urlsafe(12)}

    return given


def _signed_in_user() -> dict[str, JsonValue]:
    return {
        "email": f"demo-{secrets.token_hex(4)}@example.com",
        "password": secrets.token_urlsafe(12),
        "name": "Demo User",
    }


def _sign_up(email: str, password: str, name: str, captures: dict[str, str]) -> Step:
    return Step(
        title="sign up a fresh user",
        request=Request(
            method="POST", path="/api/auth/signup", body={"email": email, "password": password, "name": name}
        ),
        expect=Expect(status=201, present=["access_token", "refresh_token", "user.id"]),
        capture=captures,
    )


SETUPS: dict[str, Setup] = {
    setup.name: setup
    for setup in (
        Setup(
            name="signed_in",
            description="a fresh user, signed up through the API: {email}, {password}, {name}, {user_id}, "
            "{access_token}, {refresh_token}",
            requires=(),
            given=_signed_in_user,
            steps=(
                _sign_up(
                    "{email}",
                    "{password}",
                    "{name}",
                    {"access_token": "access_token", "refresh_token": "refresh_token", "user_id": "user.id"},
                ),
            ),
            summary="signed up {email}",
        ),
        Setup(
            name="stranger",
            description="a second fresh user: {stranger_email}, {stranger_password}, {stranger_user_id}, "
            "{stranger_access_token}",
            requires=(),
            given=_fresh_user("stranger"),
            steps=(
                _sign_up(
                    "{stranger_email}",
                    "{stranger_password}",
                    "Stranger",
                    {"stranger_access_token": "access_token", "stranger_user_id": "user.id"},
                ),
            ),
            summary="a stranger signed up too: {stranger_email}",
        ),
        Setup(
            name="a_task",
            description="a task of the signed-in user, created through the API: {task_id}, {task_title}",
            requires=("signed_in",),
            given=lambda: {"task_title": "Water the plants"},
            steps=(
                Step(
                    title="create a task",
                    request=Request(method="POST", path="/api/tasks", headers=BEARER, body={"title": "{task_title}"}),
                    expect=Expect(status=201, equals={"title": "{task_title}", "completed": False}),
                    capture={"task_id": "id"},
                ),
            ),
            summary='created the task "{task_title}" ({task_id})',
        ),
    )
}


def resolve(needs: Iterable[str]) -> list[Setup]:
    """The set-ups to run, required ones included, in the order they can run (a task needs its user first)."""
    wanted: list[str] = []

    def add(name: str) -> None:
        for required in SETUPS[name].requires:
            add(required)
        if name not in wanted:
            wanted.append(name)

    for name in needs:
        add(name)
    return [SETUPS[name] for name in wanted]
