"""What POST /api/auth/signup (and its alias /api/auth/register) accepts."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.shared.for_slices import NAME_MAX_LENGTH, EmailAddress, NoNulCharacters

AccountName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX_LENGTH), NoNulCharacters
]


class AccountCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"email": "ada@example.com", "password": "correct horse battery", "name": "Ada"}]
        }
    )

    email: EmailAddress
    # Any length up to 128 is safe: passwords are pre-hashed, so bcrypt's 72-byte limit never truncates them.
    password: str = Field(min_length=8, max_length=128)
    name: AccountName | None = Field(default=None, description="default: the part of the email before `@`")
    # What some hackathon frontends send instead of `name`; `name` wins when both are given.
    full_name: AccountName | None = None

    @property
    def account_name(self) -> str:
        """The name the account gets: `name`, else `full_name`, else the email's local part."""
        return self.name or self.full_name or self.email.rsplit("@", 1)[0]
