"""Field types and rules shared by the create and update requests, so both validate a task the same way."""

from typing import Annotated, Any

from pydantic import AliasChoices, StringConstraints

from app.shared.database.storable_text import NoNulCharacters
from app.shared.database.tables import DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH

TaskTitle = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_MAX_LENGTH), NoNulCharacters
]
TaskDescription = Annotated[str, StringConstraints(max_length=DESCRIPTION_MAX_LENGTH), NoNulCharacters] | None
# Many hackathon frontends send `is_completed`: `Field(validation_alias=COMPLETED_KEYS)` reads it as `completed`
# (given where the field is assigned, since pydantic drops an alias nested in `X | None`); errors name the key sent.
COMPLETED_KEYS = AliasChoices("completed", "is_completed")
COMPLETED_CONFLICT = "completed and is_completed disagree: send one of them, or the same value in both"


def reject_conflicting_completed(data: Any) -> Any:
    """A request model's `mode="before"` check: both keys sent with different values is a 422, never a silent pick.

    Types count too (1 is not True), so any disagreement is refused, not only a valid one.
    """
    if isinstance(data, dict) and "completed" in data and "is_completed" in data:
        completed, is_completed = data["completed"], data["is_completed"]
        if (type(completed), completed) != (type(is_completed), is_completed):
            raise ValueError(COMPLETED_CONFLICT)
    return data
