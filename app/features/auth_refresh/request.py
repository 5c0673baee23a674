"""What POST /api/auth/refresh accepts."""

from pydantic import BaseModel, ConfigDict, Field


class TokenRefresh(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"refresh_token": "eyJhbGciOiJIUzI1NiIs..."}]})

    refresh_token: str = Field(min_length=1, max_length=4096)
