"""The kernel's public face: everything a slice may use, and the only kernel module slices import.

A slice's imports then say what it uses, and the rooms behind this page can move without touching a slice
(`tests/kernel/test_house.py` holds every slice to it).
"""

# Accounts, passwords and token pairs (the auth slices).
from app.shared.auth.fields import EmailAddress
from app.shared.auth.ownership import OWNER_ID, owned_by, owner_values, raise_if_signed_out, sign_in_is_live
from app.shared.auth.passwords import PasswordHasher
from app.shared.auth.principal import Principal
from app.shared.auth.public import AuthSession, TokenPair, UserPublic
from app.shared.auth.sign_ins import INSERT_SIGN_IN, issue_tokens, revoke_sign_in, start_sign_in
from app.shared.auth.tokens import TokenService
from app.shared.database import Row, Session, Statement
from app.shared.database.column_types import utc_now
from app.shared.database.storable_text import NoNulCharacters
from app.shared.database.tables import NAME_MAX_LENGTH, USER_PUBLIC_COLUMNS, SignIn, Task, User
from app.shared.entity_tags import TagCondition
from app.shared.errors import (
    AuthenticationError,
    ConflictError,
    DuplicateValueError,
    InvalidCredentialsError,
    ServiceUnavailableError,
)
from app.shared.http.conditional import IfMatch, IfNoneMatch, task_response
from app.shared.http.dependencies import (
    AuthRateLimit,
    CurrentUser,
    PasswordsDep,
    SessionDep,
    SettingsDep,
    SignInEmailLimit,
    TokensDep,
)
from app.shared.http.idempotency import Idempotent
from app.shared.http.messages import ErrorMessage, Message
from app.shared.http.pages import TOTAL_COUNT, page_response, total_of
from app.shared.http.responses import json_response
from app.shared.http.task_routes import TaskRouter
from app.shared.observability.security_events import security_event
from app.shared.tasks.fields import COMPLETED_KEYS, TaskDescription, TaskTitle, reject_conflicting_completed
from app.shared.tasks.public import TaskPublic
from app.shared.tasks.rows import (
    CALLERS_TASK,
    TASK_COLUMNS,
    callers_task,
    found_or_rejected,
    parse_task_id,
    reject_missing_task,
)
from app.shared.tasks.versions import FIRST_VERSION, VERSIONED_TASK_COLUMNS, TaskWrite

__all__ = [
    "CALLERS_TASK",
    "COMPLETED_KEYS",
    "FIRST_VERSION",
    "INSERT_SIGN_IN",
    "NAME_MAX_LENGTH",
    "OWNER_ID",
    "TASK_COLUMNS",
    "TOTAL_COUNT",
    "USER_PUBLIC_COLUMNS",
    "VERSIONED_TASK_COLUMNS",
    "AuthRateLimit",
    "AuthSession",
    "AuthenticationError",
    "ConflictError",
    "CurrentUser",
    "DuplicateValueError",
    "EmailAddress",
    "ErrorMessage",
    "Idempotent",
    "IfMatch",
    "IfNoneMatch",
    "InvalidCredentialsError",
    "Message",
    "NoNulCharacters",
    "PasswordHasher",
    "PasswordsDep",
    "Principal",
    "Row",
    "ServiceUnavailableError",
    "Session",
    "SessionDep",
    "SettingsDep",
    "SignIn",
    "SignInEmailLimit",
    "Statement",
    "TagCondition",
    "Task",
    "TaskDescription",
    "TaskPublic",
    "TaskRouter",
    "TaskTitle",
    "TaskWrite",
    "TokenPair",
    "TokenService",
    "TokensDep",
    "User",
    "UserPublic",
    "callers_task",
    "found_or_rejected",
    "issue_tokens",
    "json_response",
    "owned_by",
    "owner_values",
    "page_response",
    "parse_task_id",
    "raise_if_signed_out",
    "reject_conflicting_completed",
    "reject_missing_task",
    "revoke_sign_in",
    "security_event",
    "sign_in_is_live",
    "start_sign_in",
    "task_response",
    "total_of",
    "utc_now",
]
