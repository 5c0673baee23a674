"""Public shapes returned by more than one slice. Password hashes have no field here, so they cannot leak."""

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict
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
}


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"example": USER_EXAMPLE})

    id: str
    email: str
    name: str
    created_at: datetime


class TaskPublic(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "example": {
                "id": "3f2c9a0e-8f7b-4a55-9a53-0c6f1f0d2b1e",
                "title": "Buy milk",
                "description": "2 litres, oat",
                "completed": False,
                "created_at": "2026-01-11T09:30:00.123456Z",
                "updated_at": "2026-01-11T09:30:00.123456Z",
                "user_id": "0b6a8d4e-5c1f-4e8e-9d7a-2f0c3b4a5d6e",
            }
        },
    )

    id: UUID
    title: str
    description: str | None
    completed: bool
    created_at: datetime
    updated_at: datetime
    user_id: str


class Message(BaseModel):
    model_config = ConfigDict(json_schema_extra={"example": {"detail": "Task not found"}})

    detail: str


class TokenPair(BaseModel):
    model_config = ConfigDict(json_schema_extra={"example": TOKENS_EXAMPLE})

    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int  # the access token's lifetime, in seconds


class AuthSession(TokenPair):
    """What sign-up and sign-in answer: the user and a fresh token pair."""

    model_config = ConfigDict(json_schema_extra={"example": TOKENS_EXAMPLE | {"user": USER_EXAMPLE}})

    user: UserPublic
