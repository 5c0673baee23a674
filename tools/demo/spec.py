"""The demo file format: what a `demo.json` may say, checked strictly so a typo is an error, not a silent no-op.

A demo is a titled list of steps. A step is a request, what its response must be, and values to capture for
later steps. docs/demos.md describes every field with examples.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, StringConstraints, field_validator, model_validator

# Placeholders and captures share one namespace of plain lower-case names: `{task_id}`, `{access_token}`.
NAME_PATTERN = r"^[a-z_][a-z0-9_]*$"
Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
# Environment variable names, as the app's settings read them.
SettingName = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]*$")]

Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


class Strict(BaseModel):
    # Unknown keys are refused: `"expects"` for `"expect"` would otherwise check nothing and always pass.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Request(Strict):
    method: Method
    path: Annotated[str, StringConstraints(pattern=r"^/")]
    headers: dict[str, str] = Field(default_factory=dict)
    # Sent as JSON. Absent means no body at all, which is not the same as `"body": null`.
    body: JsonValue = None

    @property
    def has_body(self) -> bool:
        return "body" in self.model_fields_set


class Expect(Strict):
    status: Annotated[int, Field(ge=100, le=599)]
    # Body fields by dotted path (`user.email`, `0.title`, `detail.0.loc`): equal to, different from.
    equals: dict[str, JsonValue] = Field(default_factory=dict)
    differs: dict[str, JsonValue] = Field(default_factory=dict)
    present: list[str] = Field(default_factory=list)
    absent: list[str] = Field(default_factory=list)
    # An int is the length of the body itself (a list); a mapping gives lengths by path.
    length: int | dict[str, int] | None = None
    # The contract's error shape: `detail` is this message (or any string, for `true`), `message` a string.
    error: str | Literal[True] | None = None
    # The contract's 422 shape: `detail` is a list whose `loc`s name these fields (`body.title`, `query.status`).
    invalid: list[str] | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    # No body and no Content-Type, as the contract says of a 204.
    empty: bool = False

    @model_validator(mode="after")
    def consistent(self) -> "Expect":
        if self.error is not None and self.invalid is not None:
            raise ValueError("give `error` (a message) or `invalid` (422 fields), not both")
        if self.empty and (self.equals or self.differs or self.present or self.length is not None):
            raise ValueError("`empty` means no body, so it cannot be combined with body checks")
        return self


class Step(Strict):
    title: Text
    # One line for the audience: why the answer is what it is ("404, not 403: existence is never revealed").
    note: Text | None = None
    request: Request
    expect: Expect
    # Variable name -> dotted path into the response body, for later steps' `{placeholders}`.
    capture: dict[Name, str] = Field(default_factory=dict)
    # Variable name -> response header (`{"etag": "ETag"}`), for what an answer says outside its body.
    capture_headers: dict[Name, str] = Field(default_factory=dict)

    @property
    def captures(self) -> set[str]:
        return set(self.capture) | set(self.capture_headers)


class Demo(Strict):
    title: Text
    note: Text | None = None
    # Set by `make slice` until the demo is written: `make demo` then fails loudly, naming what is left to do.
    todo: Text | None = None
    # Set-ups the runner provides before the first step (see setups.py), so the demo can run alone.
    needs: list[str] = Field(default_factory=list)
    # Settings the throwaway server starts with for this demo to hold; against --base-url they are assumptions.
    server_settings: dict[SettingName, str] = Field(default_factory=dict)
    steps: Annotated[list[Step], Field(min_length=1)]

    @field_validator("needs")
    @classmethod
    def no_repeats(cls, needs: list[str]) -> list[str]:
        repeated = sorted({need for need in needs if needs.count(need) > 1})
        if repeated:
            raise ValueError(f"listed more than once: {', '.join(repeated)}")
        return needs
