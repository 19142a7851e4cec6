"""The one way Python puts text into SQL: as a quoted literal (prefer `?` parameters where DuckDB takes them).

Member names come from whoever made the archive and `ISO_DATA_DIR` from the user: a `'` in either must never
change what a statement means. The dbt side has the same rule in the macro `sql_literal` (macros/sql_literal.sql).
"""

from __future__ import annotations

from collections.abc import Iterable


def sql_literal(text: object) -> str:
    """`it's` -> `'it''s'` (a SQL string literal; NUL bytes are refused)."""
    value = str(text)
    if "\x00" in value:
        raise ValueError("a NUL byte cannot be put into SQL text")
    return "'" + value.replace("'", "''") + "'"


def sql_list(texts: Iterable[object]) -> str:
    """`['a', "b'c"]` -> `['a', 'b''c']` (a DuckDB list literal of strings)."""
    return "[" + ", ".join(sql_literal(t) for t in texts) + "]"
