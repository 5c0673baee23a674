"""Field types shared by the create and update requests, so both validate a title the same way."""

from typing import Annotated

from pydantic import StringConstraints

from app.shared.models import DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH
from app.shared.text import NoNulCharacters

TaskTitle = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_MAX_LENGTH), NoNulCharacters
]
TaskDescription = Annotated[str, StringConstraints(max_length=DESCRIPTION_MAX_LENGTH), NoNulCharacters] | None
