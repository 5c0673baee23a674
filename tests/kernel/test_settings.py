"""Settings: every variable of the contract, with its defaults, aliases, and one readable line when wrong."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.shared.settings import ConfigurationError, Settings, load_settings

SECRET = "s" * 32
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No developer .env and none of the variables under test, so defaults are the code's own."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("DATABASE_", "NEON_", "BETTER_AUTH", "CORS_", "FRONTEND_", "RATE_LIMIT", "APP_ENV")):
            monkeypatch.delenv(name)
    monkeypatch.delenv("AUTO_MIGRATE", raising=False)


def test_defaults_follow_the_contract(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BETTER_AUTH_SECRET", SECRET)
    settings = load_settings()
    assert settings.database_url == "sqlite+aiosqlite:///./todo.db"
    assert settings.cors_origins == ["http://localhost:3000"]
    assert (settings.access_token_expire_minutes, settings.refresh_token_expire_days) == (15, 7)
    assert (settings.rate_limit_auth, settings.rate_limit_api, settings.rate_limit_enabled) == (
        "10/minute",
        "600/minute",
        True,
    )
    assert (settings.log_level, settings.log_format, settings.max_body_bytes) == ("INFO", "text", 65_536)
    assert settings.bcrypt_rounds >= 12
    assert settings.redis_url is None
    assert settings.better_auth_url is None


@pytest.mark.parametrize("secret", [None, "", "x" * 31])
def test_a_missing_or_short_secret_stops_start_up_with_one_line(
    monkeypatch: pytest.MonkeyPatch, secret: str | None
) -> None:
    if secret is not None:
        monkeypatch.setenv("BETTER_AUTH_SECRET", secret)
    with pytest.raises(ConfigurationError) as stopped:
        load_settings()
    message = str(stopped.value)
    assert "BETTER_AUTH_SECRET" in message
    assert "\n" not in message


def test_neon_db_url_is_read_when_database_url_is_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BETTER_AUTH_SECRET", SECRET)
    monkeypatch.setenv("NEON_DB_URL", "postgresql://u:p@ep-x-pooler.neon.tech/db?sslmode=require")
    assert load_settings().database_url.startswith("postgresql://u:p@ep-x-pooler")
    monkeypatch.setenv("DATABASE_URL", "sqlite+aiosqlite:///./other.db")
    assert load_settings().database_url == "sqlite+aiosqlite:///./other.db"


@pytest.mark.parametrize("variable", ["CORS_ORIGINS", "FRONTEND_URL"])
def test_cors_origins_are_comma_separated(monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    monkeypatch.setenv("BETTER_AUTH_SECRET", SECRET)
    monkeypatch.setenv(variable, "https://app.example.com, http://localhost:3000")
    assert load_settings().cors_origins == ["https://app.example.com", "http://localhost:3000"]


def test_the_env_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"BETTER_AUTH_SECRET={SECRET}\nRATE_LIMIT_API=5/second\n")
    assert load_settings().rate_limit_api == "5/second"


def test_weak_bcrypt_is_refused_outside_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BETTER_AUTH_SECRET", SECRET)
    monkeypatch.setenv("BCRYPT_ROUNDS", "10")
    with pytest.raises(ConfigurationError, match="BCRYPT_ROUNDS"):
        load_settings()
    monkeypatch.setenv("APP_ENV", "test")
    assert load_settings().bcrypt_rounds == 10


def test_importing_the_app_without_a_secret_exits_with_one_clear_line(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("BETTER_AUTH", "DATABASE_URL"))}
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    result = subprocess.run(
        [sys.executable, "-c", "from app.main import app"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "BETTER_AUTH_SECRET" in lines[0]


def test_settings_class_covers_every_contract_variable() -> None:
    contract = {
        "database_url", "better_auth_secret", "better_auth_url", "cors_origins", "access_token_expire_minutes",
        "refresh_token_expire_days", "redis_url", "rate_limit_auth", "rate_limit_api", "rate_limit_enabled",
        "log_level", "log_format",
    }  # fmt: skip
    assert contract <= set(Settings.model_fields)
