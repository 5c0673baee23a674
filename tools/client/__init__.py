"""`make client`: the typed frontend client in client/, generated from the app's own OpenAPI document.

`openapi_text()` is client/openapi.json as it should read now: the document the app serves at /openapi.json,
built in-process from a throwaway configuration, with sorted keys, an indent of 2 and a trailing newline, so
that a change to the API shows as a small diff. `schema_types()` is openapi-typescript's rendering of the
committed openapi.json with its default options: client/src/schema.d.ts as it should read.
"""

import json
import secrets
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from app.main import create_app
from app.shared.settings import Settings

CLIENT_DIR = Path(__file__).resolve().parents[2] / "client"
OPENAPI_FILE = CLIENT_DIR / "openapi.json"
SCHEMA_FILE = CLIENT_DIR / "src" / "schema.d.ts"
NPX_TIMEOUT_SECONDS = 120


class _ThrowawaySettings(Settings):
    """Only what is passed in: neither .env nor the environment may change the document."""

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource, *_: Any, **__: Any
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def openapi_text() -> str:
    # Building the app opens nothing: the database file is never created, and the secret is never used.
    settings = _ThrowawaySettings(
        database_url=f"sqlite+aiosqlite:///{tempfile.gettempdir()}/todo-api-client-schema.db",
        better_auth_secret=secrets.token_urlsafe(32),
        log_level="WARNING",
    )
    document = create_app(settings).openapi()
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def schema_types(npx: str) -> str:
    """openapi-typescript on the committed openapi.json, read from its standard output."""
    # A fixed argv of our own (no shell), so S603's warning about untrusted input does not apply.
    done = subprocess.run(  # noqa: S603
        [npx, "--no-install", "openapi-typescript", OPENAPI_FILE.name],
        cwd=CLIENT_DIR,
        capture_output=True,
        text=True,
        timeout=NPX_TIMEOUT_SECONDS,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"openapi-typescript failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")
    return done.stdout
