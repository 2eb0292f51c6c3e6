"""The ``code.*`` facts of the change guard: what a file's code does, by its Data Studio file type.

SQL file types (ODPS SQL, ODPS Script, EMR Hive / Spark SQL / Presto / Impala, Hologres SQL) are
read with sqlglot (:func:`openevent.guard.sql.analyse_sql`; MaxCompute SQL through sqlglot's
``hive`` dialect, since sqlglot has no MaxCompute dialect); other types (Shell, PyODPS, …) only
get ``code.text``, for ``contains``/``glob`` rules. A file whose type is not known is read as
MaxCompute SQL, the commonest kind.

Facts (all present for every file; lists are empty when there is no SQL to read):

``code.text`` (the content), ``code.language`` (``sql`` | ``python`` | ``shell`` | ``other``),
``code.functions`` (upper-case names of the functions called, e.g. ``MAX_PT``),
``code.first_line`` (name → 1-based line of its first call: ``{code.first_line.MAX_PT}`` in a
message), ``code.tables_read`` / ``code.tables_written`` (lower case, as written: ``ods.orders``,
``dim_user``), ``code.statements`` (``SELECT``, ``INSERT_OVERWRITE``, ``DROP_TABLE``,
``SELECT_STAR``, …), ``code.statement_count``, ``code.parse_error`` (true when a statement does
not parse; functions are then still found by a ``name(`` scan) and ``code.error``.

Example:
    >>> facts = code_facts("select *\\nfrom ods_orders\\nwhere ds = max_pt('ods_orders')", 10)
    >>> facts["functions"], facts["first_line"], facts["statements"], facts["tables_read"]
    (['MAX_PT'], {'MAX_PT': 3}, ['SELECT', 'SELECT_STAR'], ['ods_orders'])
    >>> code_facts("python3 run.py", 6)["language"], code_facts("python3 run.py", 6)["functions"]
    ('shell', [])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["LANGUAGES", "SQL_DIALECTS", "code_facts", "language_of"]

SQL_DIALECTS: Mapping[int, str] = {
    10: "hive",  # ODPS SQL (MaxCompute: sqlglot has no MaxCompute dialect; hive is the closest)
    24: "hive",  # ODPS Script
    227: "hive",  # EMR Hive
    229: "spark",  # EMR Spark SQL
    259: "presto",  # EMR Presto
    260: "hive",  # EMR Impala (no impala dialect in sqlglot)
    1093: "postgres",  # Hologres SQL
}
"""Data Studio ``fileType`` → sqlglot dialect, for the file types that hold SQL."""

LANGUAGES: Mapping[int, str] = {6: "shell", 257: "shell", 258: "shell", 221: "python", 1221: "python"}
"""Non-SQL file types the guard names (Shell, EMR Shell, EMR Spark Shell, PyODPS 2 and 3)."""


def language_of(file_type: int | None) -> str:
    """``sql``, ``python``, ``shell`` or ``other`` for a ``fileType`` (unknown: ``sql``).

    Example:
        >>> language_of(10), language_of(1221), language_of(23), language_of(None)
        ('sql', 'python', 'other', 'sql')
    """
    if file_type is None or file_type in SQL_DIALECTS:
        return "sql"
    return LANGUAGES.get(file_type, "other")


def code_facts(content: str | None, file_type: int | None, *, default_project: str | None = None) -> dict[str, Any]:
    """The ``code`` facts of a file's content (see the module docstring)."""
    language = language_of(file_type)
    out: dict[str, Any] = {
        "text": content, "language": language, "functions": [], "first_line": {}, "tables_read": [],
        "tables_written": [], "statements": [], "statement_count": 0, "parse_error": False, "error": None,
    }
    if language != "sql" or not content or not content.strip():
        return out
    from openevent.guard.sql import DEFAULT_DIALECT, analyse_sql

    dialect = SQL_DIALECTS.get(file_type, DEFAULT_DIALECT) if file_type is not None else DEFAULT_DIALECT
    code = analyse_sql(content, default_project=default_project, dialect=dialect)
    out.update({
        "functions": code.functions, "first_line": code.first_line, "tables_read": sorted(code.read),
        "tables_written": sorted(code.written), "statements": list(code.statements),
        "statement_count": code.statement_count, "parse_error": code.parse_error, "error": code.error,
    })
    return out
