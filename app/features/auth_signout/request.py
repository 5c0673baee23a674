"""What POST /api/auth/signout accepts."""

from pydantic import BaseModel, ConfigDict, Field


class TokenRevoke(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"refresh_token": "eyJhbGciOiJIUzI1NiIs..."}]})

    refresh_token: str | None = Field(default=None, max_length=4096)
