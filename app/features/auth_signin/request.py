"""What POST /api/auth/signin accepts, and its alias POST /api/auth/login, which also takes an OAuth2 form."""

from typing import Any
from urllib.parse import parse_qsl

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.shared.for_slices import EmailAddress

# An OAuth2 password form has six fields at most; more is not a form we read.
MAX_FORM_FIELDS = 16


class AccountSignIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"email": "ada@example.com", "password": "correct horse battery"}]}
    )

    email: EmailAddress
    password: str = Field(min_length=1, max_length=128)


class AccountLogin(AccountSignIn):
    """`/login`'s body: the JSON `/signin` takes, or an OAuth2 password form (`username` = email, `password`).

    FastAPI hands a body that is not JSON over as bytes; those are read as a form here, so both arrive as one
    model, with FastAPI's own 422s (and `username` named in them when the form lacks it).
    """

    @model_validator(mode="before")
    @classmethod
    def from_password_form(cls, data: Any) -> Any:
        if not isinstance(data, bytes):
            return data
        try:
            fields = dict(parse_qsl(data.decode(), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS))
        except (UnicodeDecodeError, ValueError):
            raise ValueError("expected JSON or an application/x-www-form-urlencoded form") from None
        if fields.get("grant_type", "password") != "password":
            raise ValueError("grant_type must be `password`")
        if "username" not in fields:
            raise ValueError("the form needs `username` (your email) and `password`")
        return {"email": fields["username"], "password": fields.get("password")}


# The form as OpenAPI shows it (Swagger's password flow sends it); FastAPI documents only the JSON body by itself.
PASSWORD_FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["username", "password"],
    "properties": {
        "username": {"type": "string", "description": "your email"},
        "password": {"type": "string"},
        "grant_type": {"type": "string", "enum": ["password"]},
        "scope": {"type": "string", "description": "ignored"},
        "client_id": {"type": "string", "description": "ignored"},
        "client_secret": {"type": "string", "description": "ignored"},
    },
    "example": {"username": "ada@example.com", "password": "correct horse battery", "grant_type": "password"},
}
