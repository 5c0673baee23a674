"""SQLAlchemy Core statements compiled once per dialect and run straight on the driver.

Running a statement through SQLAlchemy's session builds a cache key, an execution context and a result object on
every call: about a quarter of a request's time under load. A slice declares its statements once, at import, with
named bind parameters; the first time a dialect runs one, the kernel keeps the SQL text, the order of its
parameters and the converters SQLAlchemy's column types would apply. A request then only fills in values.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement

Row = dict[str, Any]
Converter = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class CompiledStatement:
    sql: str
    parameters: tuple[str, ...]
    bind_converters: tuple[Converter, ...]
    columns: tuple[str, ...]
    result_converters: tuple[Converter, ...]
    # Values the dialect bound itself (SQLite says LIMIT -1 for "no limit"), used when the caller gives none.
    defaults: Mapping[str, Any]

    def arguments(self, values: Mapping[str, Any]) -> list[Any]:
        arguments = []
        for name, convert in zip(self.parameters, self.bind_converters, strict=True):
            if name in values:
                value = values[name]
            elif name in self.defaults:
                value = self.defaults[name]
            else:
                raise TypeError(f"statement needs a value for {name!r}: {self.sql}")
            arguments.append(value if convert is None or value is None else convert(value))
        return arguments

    def row(self, record: Sequence[Any]) -> Row:
        return {
            name: value if convert is None or value is None else convert(value)
            for name, convert, value in zip(self.columns, self.result_converters, record, strict=True)
        }


class Statement:
    """A statement with named `bindparam`s, declared once; `compiled_for(dialect)` is cached per dialect.

    Give one clause, or (for the rare statement written differently per database, such as an upsert) a mapping
    from dialect name to clause.
    """

    def __init__(self, clause: ClauseElement | Mapping[str, ClauseElement]) -> None:
        self._clauses = clause if isinstance(clause, Mapping) else None
        self._clause = None if isinstance(clause, Mapping) else clause
        self._compiled: dict[str, CompiledStatement] = {}

    def compiled_for(self, dialect: Dialect) -> CompiledStatement:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = _compile(self.clause_for(dialect.name), dialect)
        return compiled

    def clause_for(self, dialect_name: str) -> ClauseElement:
        if self._clauses is not None:
            return self._clauses[dialect_name]
        assert self._clause is not None
        return self._clause


def _compile(clause: ClauseElement, dialect: Dialect) -> CompiledStatement:
    compiled = clause.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    if any(bind.expanding for bind in compiled.binds.values()):
        raise ValueError("expanding (IN-list) parameters change the SQL per call; declare one statement per shape")
    parameters = tuple(compiled.positiontup or ())
    binds = compiled.binds
    # The columns a SELECT or a RETURNING clause yields, with the types that say how to read them back.
    result_columns: Sequence[ColumnElement[Any]] = list(getattr(clause, "exported_columns", ()))
    return CompiledStatement(
        sql=compiled.string,
        parameters=parameters,
        bind_converters=tuple(binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in parameters),
        columns=tuple(str(column.key) for column in result_columns),
        result_converters=tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in result_columns
        ),
        defaults={name: bind.value for name, bind in binds.items() if not bind.required},
    )
