"""The files a new slice starts from. Each holds a TODO that fails loudly until the slice is written."""

from dataclasses import dataclass


@dataclass(frozen=True)
class SliceNames:
    """Every name the template needs, derived from the slice's folder name (`archive_task`)."""

    slice: str

    @property
    def verb(self) -> str:
        return self.slice.split("_", 1)[0]

    @property
    def noun(self) -> str:
        return self.slice.split("_", 1)[1]

    @property
    def model(self) -> str:
        """`<Noun><Role>`: archive_task → TaskArchive."""
        return "".join(part.title() for part in self.noun.split("_")) + self.verb.title()

    @property
    def path(self) -> str:
        return "/api/" + self.slice.replace("_", "-")

    @property
    def tag(self) -> str:
        """One tag per area of the API (`Tasks`), as the OpenAPI document declares them."""
        return f"{self.noun.replace('_', ' ').title()}s"


FILES: dict[str, str] = {
    "app/features/{slice}/__init__.py": '''"""The {slice} slice — POST {path}: TODO say what it does."""
''',
    "app/features/{slice}/request.py": '''"""What POST {path} accepts."""

from pydantic import BaseModel, ConfigDict, Field


class {model}(BaseModel):
    # TODO({slice}): the fields this endpoint takes, with their limits and an example.
    model_config = ConfigDict(json_schema_extra={{"examples": [{{"note": "an example"}}]}})

    note: str = Field(min_length=1, max_length=200)
''',
    "app/features/{slice}/query.py": '''"""The statements POST {path} runs, declared once, each scoped to its caller."""

from app.shared.for_slices import Principal, Row, Session


async def run_{slice}(*, session: Session, owner: Principal) -> Row:
    # TODO({slice}): declare the statement once at module level (Statement(...), owned_by(...)), then run it here.
    # A write to one task: `TaskWrite(update(Task).values(...))` adds the owner, the version bump and If-Match.
    raise NotImplementedError("{slice}: query.py is still the template; write its statement")
''',
    "app/features/{slice}/handler.py": '''"""The use case behind POST {path}."""

from app.features.{slice}.query import run_{slice}
from app.features.{slice}.request import {model}
from app.shared.for_slices import Principal, Row, Session


async def handle(*, session: Session, owner: Principal, data: {model}) -> Row:
    # TODO({slice}): the use case: plain values in, a row or a domain exception out.
    return await run_{slice}(session=session, owner=owner)
''',
    "app/features/{slice}/route.py": '''"""POST {path}: TODO say what it does."""

from fastapi import APIRouter
from starlette.responses import Response

from app.features.{slice}.handler import handle
from app.features.{slice}.request import {model}
from app.shared.for_slices import CurrentUser, Idempotent, Message, SessionDep, json_response

router = APIRouter(tags=["{tag}"])


@router.post("{path}", response_model=Message)
async def {slice}(data: {model}, owner: CurrentUser, session: SessionDep, once: Idempotent) -> Response:
    """TODO({slice}): one line that becomes the OpenAPI text."""

    async def answer() -> Response:
        return json_response(await handle(session=session, owner=owner, data=data))

    # A retry with the same `Idempotency-Key` gets this answer again and runs nothing. A write to one task also
    # declares `if_match: IfMatch` (passed to its TaskWrite); a read of one, `if_none_match: IfNoneMatch`.
    return await once.answer(answer)
''',
    "app/features/{slice}/demo.json": """{{
  "title": "TODO({slice}): what this demo shows a judge",
  "todo": "write the steps of this demo, then delete this line",
  "needs": ["signed_in"],
  "steps": [
    {{
      "title": "TODO: the first thing a person would try",
      "request": {{
        "method": "POST",
        "path": "{path}",
        "headers": {{"Authorization": "Bearer {{access_token}}"}},
        "body": {{"note": "an example"}}
      }},
      "expect": {{"status": 200}}
    }}
  ]
}}
""",
    "tests/features/test_{slice}.py": '''"""POST {path}: TODO say what the slice promises, and test it."""

import httpx

from app.shared.kernel import Kernel
from tests.factories import signed_in_user


async def test_{slice}_answers_the_caller(client: httpx.AsyncClient, kernel: Kernel) -> None:
    # TODO({slice}): this fails until the slice is written; then assert what the response must hold.
    me = await signed_in_user(kernel)
    response = await client.post("{path}", json={{"note": "an example"}}, headers=me.headers)
    assert response.status_code == 200, response.text
''',
}
