"""What auth routes answer: the user (never a password hash, it has no field here) and token pairs."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, computed_field
from pydantic.config import JsonDict

USER_EXAMPLE: JsonDict = {
    "id": "0b6a8d4e-5c1f-4e8e-9d7a-2f0c3b4a5d6e",
    "email": "ada@example.com",
    "name": "Ada Lovelace",
    "created_at": "2026-01-11T09:00:00.000000Z",
}
TOKENS_EXAMPLE: JsonDict = {
    "access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.…",
    "refresh_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.…",
    "token_type": "bearer",
    "expires_in": 900,
    "token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.…",
}


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"example": USER_EXAMPLE})

    id: str
    email: str
    name: str
    created_at: datetime


class TokenPair(BaseModel):
    model_config = ConfigDict(json_schema_extra={"example": TOKENS_EXAMPLE})

    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int  # the access token's lifetime, in seconds

    @computed_field  # type: ignore[prop-decorator]
    @property
    def token(self) -> str:
        """The access token again, under the name many hackathon frontends read; derived, so it never differs."""
        return self.access_token


class AuthSession(TokenPair):
    """What sign-up and sign-in answer: the user and a fresh token pair."""

    model_config = ConfigDict(json_schema_extra={"example": TOKENS_EXAMPLE | {"user": USER_EXAMPLE}})

    user: UserPublic
