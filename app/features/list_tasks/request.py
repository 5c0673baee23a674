"""What GET /api/tasks accepts."""

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

MAX_PAGE_SIZE = 1000
Status = Literal["all", "pending", "completed"]
SortKey = Literal["created", "updated", "title"]
STATUSES: tuple[Status, ...] = get_args(Status)
SORT_KEYS: tuple[SortKey, ...] = get_args(SortKey)
# Far past any real list, and inside what every database takes as an OFFSET.
MAX_OFFSET = 2**31 - 1


class TaskListQuery(BaseModel):
    # Unknown *values* are 422; unknown parameter *names* are ignored, as most REST APIs do.
    model_config = ConfigDict(extra="ignore")

    status: Status = "all"
    sort: SortKey = "created"
    order: Literal["asc", "desc"] | None = Field(default=None, description="default: desc for dates, asc for title")
    limit: int | None = Field(default=None, ge=1, le=MAX_PAGE_SIZE)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)

    @property
    def direction(self) -> Literal["asc", "desc"]:
        return self.order or ("asc" if self.sort == "title" else "desc")
