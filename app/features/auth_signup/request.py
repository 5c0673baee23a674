"""What POST /api/auth/signup accepts."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.shared.for_slices import NAME_MAX_LENGTH, EmailAddress, NoNulCharacters


class AccountCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"email": "ada@example.com", "password": "correct horse battery", "name": "Ada"}]
        }
    )

    email: EmailAddress
    # Any length up to 128 is safe: passwords are pre-hashed, so bcrypt's 72-byte limit never truncates them.
    password: str = Field(min_length=8, max_length=128)
    name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX_LENGTH), NoNulCharacters
    ]
