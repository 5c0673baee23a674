"""The email field sign-up and sign-in share: trimmed and lower-cased before it is validated or looked up."""

from typing import Annotated

from pydantic import BeforeValidator, EmailStr


def _normalise(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


EmailAddress = Annotated[EmailStr, BeforeValidator(_normalise)]
