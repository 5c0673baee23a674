"""Field types shared by the create and update requests, so both validate a title the same way."""

from typing import Annotated

from pydantic import StringConstraints

from app.shared.database.storable_text import NoNulCharacters
from app.shared.database.tables import DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH

TaskTitle = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_MAX_LENGTH), NoNulCharacters
]
TaskDescription = Annotated[str, StringConstraints(max_length=DESCRIPTION_MAX_LENGTH), NoNulCharacters] | None
