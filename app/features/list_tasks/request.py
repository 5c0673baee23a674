"""What GET /api/tasks accepts."""

from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_PAGE_SIZE = 1000
Status = Literal["all", "pending", "completed"]
SortKey = Literal["created", "updated", "title"]
STATUSES: tuple[Status, ...] = get_args(Status)
SORT_KEYS: tuple[SortKey, ...] = get_args(SortKey)
# Far past any real list, and inside what every database takes as an OFFSET.
MAX_OFFSET = 2**31 - 1
# Other names hackathon frontends send, read as ours before validation; anything else unknown is still 422.
STATUS_SYNONYMS = {"active": "pending", "incomplete": "pending", "done": "completed"}
SORT_SYNONYMS = {"created_at": "created", "updated_at": "updated"}


class TaskListQuery(BaseModel):
    # Unknown *values* are 422; unknown parameter *names* are ignored, as most REST APIs do.
    model_config = ConfigDict(extra="ignore")

    status: Status = Field(default="all", description="also `active`, `incomplete` (= pending), `done` (= completed)")
    sort: SortKey = Field(default="created", description="also `created_at`, `updated_at`")
    order: Literal["asc", "desc"] | None = Field(default=None, description="default: desc for dates, asc for title")
    limit: int | None = Field(default=None, ge=1, le=MAX_PAGE_SIZE)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)

    @field_validator("status", mode="before")
    @classmethod
    def status_synonym(cls, value: Any) -> Any:
        return STATUS_SYNONYMS.get(value, value) if isinstance(value, str) else value

    @field_validator("sort", mode="before")
    @classmethod
    def sort_synonym(cls, value: Any) -> Any:
        return SORT_SYNONYMS.get(value, value) if isinstance(value, str) else value

    @property
    def direction(self) -> Literal["asc", "desc"]:
        return self.order or ("asc" if self.sort == "title" else "desc")
