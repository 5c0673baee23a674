"""The database room: URLs, pools, compiled statements and the session requests run them on."""

from app.shared.database.core import Database
from app.shared.database.session import Session
from app.shared.database.statements import Row, Statement

__all__ = ["Database", "Row", "Session", "Statement"]
