"""Every setting the service reads, from the environment or `.env`, validated once at start-up."""

from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./todo.db"
MIN_PRODUCTION_BCRYPT_ROUNDS = 12


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    app_env: Literal["production", "development", "test"] = "production"

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL, validation_alias=AliasChoices("DATABASE_URL", "NEON_DB_URL")
    )
    # None: decided from the URL (Neon's `-pooler` hosts are transaction-mode PgBouncer).
    database_pooled: bool | None = None
    # The pooler keeps protocol-level prepared statements (PgBouncer 1.21+ with max_prepared_statements, as on
    # Neon): statements stay cached and need no transaction around them, one round trip instead of four.
    database_pooler_prepares: bool = False
    auto_migrate: bool = True
    # Fixed: opened on first use, never closed while healthy. Sized for 100+ concurrent requests per worker.
    db_pool_size: int = Field(default=20, ge=1)
    # How long a request may queue for a connection before it is answered 503.
    db_pool_timeout_seconds: float = Field(default=5.0, gt=0)
    # Requests under /api/ being worked on at once in one worker; the rest wait in line, first come first served.
    max_requests_in_flight: int = Field(default=64, ge=1)
    # How long a request may wait in that line before it is answered 503.
    request_queue_timeout_seconds: float = Field(default=10.0, gt=0)
    db_connect_timeout_seconds: float = Field(default=5.0, gt=0)
    db_command_timeout_seconds: float = Field(default=30.0, gt=0)
    # A pooled connection idle for longer than this is pinged before use; 0 pings on every checkout.
    db_ping_idle_seconds: float = Field(default=10.0, ge=0)

    better_auth_secret: SecretStr = Field(min_length=32)
    better_auth_url: str | None = None
    better_auth_jwks_url: str | None = None
    # Better Auth's opaque session tokens (docs/auth.md, "Better Auth sessions"): how long an answer of its
    # get-session is trusted, never past the session's own expiry; 0 asks Better Auth on every request.
    better_auth_session_cache_seconds: float = Field(default=30.0, ge=0, le=300)
    # Opt-in: Better Auth's session cookies, sent by a page with `credentials: "include"`. An unsafe method
    # authenticated by a cookie needs an Origin listed in CORS_ORIGINS (CSRF); the prefix is Better Auth's
    # `advanced.cookiePrefix`.
    better_auth_session_cookies: bool = False
    better_auth_cookie_prefix: str = Field(default="better-auth", min_length=1)

    cors_origins: Annotated[list[str], NoDecode] = Field(
        default=["http://localhost:3000"], validation_alias=AliasChoices("CORS_ORIGINS", "FRONTEND_URL")
    )

    access_token_expire_minutes: int = Field(default=15, ge=1)
    refresh_token_expire_days: int = Field(default=7, ge=1)
    # A retired refresh token presented again this soon after its rotation gets the current pair (two tabs
    # refreshing at once) instead of revoking the sign-in; 0 is strict reuse detection. At most Okta's 60 s.
    refresh_reuse_grace_seconds: float = Field(default=10.0, ge=0, le=60)
    bcrypt_rounds: int = Field(default=MIN_PRODUCTION_BCRYPT_ROUNDS, ge=4, le=31)

    # Time claims of every token, ours and Better Auth's (docs/auth.md, "Time claims"). The leeway forgives clock
    # skew on iat, nbf and exp alike; more than 5 minutes would be a lifetime extension, not skew. A token whose
    # exp lies further ahead than the maximum lifetime (plus the leeway) is refused: 7 days is our refresh token's.
    jwt_leeway_seconds: int = Field(default=30, ge=0, le=300)
    jwt_max_lifetime_seconds: int = Field(default=7 * 86_400, ge=60)

    @model_validator(mode="after")
    def max_lifetime_admits_our_own_tokens(self) -> "Settings":
        ours = max(self.refresh_token_expire_days * 86_400, self.access_token_expire_minutes * 60)
        if self.jwt_max_lifetime_seconds < ours:
            raise ValueError(
                f"JWT_MAX_LIFETIME_SECONDS ({self.jwt_max_lifetime_seconds}) is shorter than our own tokens live "
                f"({ours} s, from REFRESH_TOKEN_EXPIRE_DAYS / ACCESS_TOKEN_EXPIRE_MINUTES); raise it"
            )
        return self

    @model_validator(mode="after")
    def session_cookies_are_safe(self) -> "Settings":
        if not self.better_auth_session_cookies:
            return self
        if not self.better_auth_url:
            raise ValueError("BETTER_AUTH_SESSION_COOKIES needs BETTER_AUTH_URL (its get-session checks the cookie)")
        if "*" in self.cors_origins:
            # Any site could then send a cookie-authenticated request and pass the Origin check.
            raise ValueError("BETTER_AUTH_SESSION_COOKIES cannot be used with CORS_ORIGINS=*: list the origins")
        return self

    redis_url: str | None = None
    rate_limit_enabled: bool = True
    rate_limit_auth: str = "10/minute"
    rate_limit_signin_email: str = "5/minute"
    rate_limit_api: str = "600/minute"
    # Keeps apps that share one Redis (staging and production, two services) from sharing counters.
    rate_limit_key_prefix: str = "todo-api"
    # Peers whose X-Forwarded-For is believed (comma-separated IPs or CIDRs, or *).
    forwarded_allow_ips: Annotated[list[str], NoDecode] = Field(default=["127.0.0.1", "::1"])

    max_body_bytes: int = Field(default=65_536, ge=1)
    retry_after_seconds: int = Field(default=5, ge=1)

    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"

    @field_validator("cors_origins", "forwarded_allow_ips", mode="before")
    @classmethod
    def split_comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("database_url")
    @classmethod
    def database_url_not_blank(cls, value: str) -> str:
        return value.strip() or DEFAULT_DATABASE_URL

    @model_validator(mode="after")
    def production_hashes_are_strong(self) -> "Settings":
        if self.app_env != "test" and self.bcrypt_rounds < MIN_PRODUCTION_BCRYPT_ROUNDS:
            raise ValueError(f"BCRYPT_ROUNDS must be at least {MIN_PRODUCTION_BCRYPT_ROUNDS} outside tests")
        return self

    @property
    def jwks_url(self) -> str | None:
        if self.better_auth_jwks_url:
            return self.better_auth_jwks_url
        if self.better_auth_url:
            return f"{self.better_auth_url.rstrip('/')}/api/auth/jwks"
        return None


class ConfigurationError(SystemExit):
    """Start-up stops with one readable line instead of a traceback."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        problems = "; ".join(_describe(problem) for problem in error.errors())
        raise ConfigurationError(f"Configuration error: {problems}") from None


def _describe(problem: object) -> str:
    details = problem if isinstance(problem, dict) else {}
    field = ".".join(str(part) for part in details.get("loc", ())).upper()
    if field == "BETTER_AUTH_SECRET":
        return (
            "BETTER_AUTH_SECRET must be set to at least 32 characters "
            "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
    message = str(details.get("msg", problem))
    return f"{field}: {message}" if field else message
