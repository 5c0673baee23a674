"""What POST /api/auth/signin accepts."""

from pydantic import BaseModel, ConfigDict, Field

from app.shared.for_slices import EmailAddress


class AccountSignIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"email": "ada@example.com", "password": "correct horse battery"}]}
    )

    email: EmailAddress
    password: str = Field(min_length=1, max_length=128)
