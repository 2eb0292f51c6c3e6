"""The tables an SQL text reads and writes, and what it does, read with sqlglot (MaxCompute / Hive SQL).

The download guard receives the query behind a download as ``data.sqlText`` and matches the
tables it reads against sensitive-table globs (:func:`extract_tables`). The change guard reads the
code of a committed, deployed, run or deleted file (:func:`analyse_sql`): its tables, the
functions it calls with the line of each first call (``MAX_PT`` on line 3) and the kinds of its
statements (``DROP_TABLE``, ``INSERT_OVERWRITE``, ``SELECT_STAR``). sqlglot has no MaxCompute
dialect: MaxCompute SQL is parsed with its ``hive`` dialect (``spark`` as a fallback); the text is
prepared first so that what sqlglot does not know does not break the parse:

* DataWorks scheduling parameters (``${bizdate}``, ``$[yyyymmdd-1]``) become identifiers and are
  restored in the table names they were part of (``t_${suffix}``);
* comments are dropped and the script is split on ``;``; ``SET key=value`` statements are skipped;
* MaxCompute ``LIFECYCLE n`` clauses are dropped and script-mode ``@var := query`` statements are
  read as ``query`` (``FROM @var`` is a variable, not a table);
* ``USE project`` changes the project of the unqualified names that follow.

CTE names are not tables; ``MAX_PT('project.table')`` names a table read. SQL that does not parse
(or that sqlglot only keeps as an opaque command) raises ``SqlParseError``: what to do then is the
guard policy's business (e.g. a ``warn`` rule).

Example:
    >>> found = extract_tables("select * from dim_user u join ods.log l on u.id = l.uid",
    ...                        default_project="prod")
    >>> sorted(found.read)
    ['ods.log', 'prod.dim_user']
    >>> match_tables(found.read, ["*.dim_*", "ods.*"])
    [('ods.log', 'ods.*'), ('prod.dim_user', '*.dim_*')]
"""

from __future__ import annotations

import fnmatch
import functools
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from openevent.errors import ConfigError, OpenEventError

if TYPE_CHECKING:
    from sqlglot import expressions as exp

__all__ = ["DEFAULT_DIALECT", "SqlCode", "SqlParseError", "SqlTables", "analyse_sql", "extract_tables",
           "match_tables"]

DEFAULT_DIALECT = "hive"
"""sqlglot's ``hive`` and ``spark`` dialects parse the same MaxCompute corpus; ``hive`` is the
closer relative. The generic dialect rejects backtick-quoted names."""

FALLBACK_DIALECTS: tuple[str, ...] = ("spark",)
CACHE_SIZE = 512
CACHE_TEXT_LIMIT = 64 * 1024
"""Longer texts are not cached, so that the cache stays within CACHE_SIZE × 64 KiB of SQL."""
_MESSAGE_LIMIT = 200

_PLACEHOLDER = re.compile(r"\$\{[^{}\n]*\}|\$\[[^\[\]\n]*\]")
_TOKEN = re.compile(
    r"""(?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`[^`]*`)
      |(?P<comment>--[^\n]*|/\*.*?\*/)
      |(?P<semicolon>;)
      |(?P<code>[^'"`;/-]+|.)""",
    re.DOTALL | re.VERBOSE,
)
_LIFECYCLE = re.compile(r"\blifecycle\s+\d+\b", re.IGNORECASE)
_SET = re.compile(r"set\b", re.IGNORECASE)
_SCRIPT_VARIABLE = re.compile(r"@\w+\s*:=\s*")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_COMMAND_FALLBACK = "Falling back to parsing as a 'Command'"


class SqlParseError(OpenEventError, ValueError):
    """An SQL text could not be parsed; ``statement`` is the 1-based statement that failed.

    Example:
        >>> str(SqlParseError("Invalid expression / Unexpected token. Line 1, Col: 6.", statement=2))
        'statement 2: Invalid expression / Unexpected token. Line 1, Col: 6.'
    """

    def __init__(self, problem: str, *, statement: int | None = None) -> None:
        self.problem = problem
        self.statement = statement
        super().__init__(f"statement {statement}: {problem}" if statement else problem)


@dataclass(frozen=True)
class SqlTables:
    """Lower-cased table names an SQL text reads and writes, and how many statements it had.

    ``written`` holds the targets of INSERT, CREATE TABLE (AS), UPDATE, DELETE, MERGE, ALTER,
    DROP and TRUNCATE; ``statements`` counts the statements analysed (SET statements are skipped
    and not counted).

    Example:
        >>> sorted(SqlTables(read=frozenset({"p.a"}), written=frozenset({"p.b"})).tables)
        ['p.a', 'p.b']
    """

    read: frozenset[str] = frozenset()
    written: frozenset[str] = frozenset()
    statements: int = 0

    @property
    def tables(self) -> frozenset[str]:
        """Every table the text touches, read or written."""
        return self.read | self.written


@dataclass(frozen=True)
class _Failure:
    problem: str
    statement: int | None


def extract_tables(sql: str, *, default_project: str | None = None,
                   dialect: str = DEFAULT_DIALECT) -> SqlTables:
    """Return the tables ``sql`` reads and writes, qualified with ``default_project`` when given.

    Names are lower-cased and kept as written (``table``, ``project.table``,
    ``project.schema.table``); a one-part name gets ``default_project`` (for a download event,
    ``data.queryDwProjectName``) in front. Results are cached per text, project and dialect
    (texts up to ``CACHE_TEXT_LIMIT`` characters).
    Raises ``SqlParseError`` when a statement does not parse and ``ConfigError`` for an unknown
    dialect.

    Example:
        >>> found = extract_tables(
        ...     "set odps.sql.allow.fullscan=true;\\n"
        ...     "insert overwrite table dws_sales partition (ds='${bizdate}')\\n"
        ...     "select sku, sum(amt) from dwd_sales where ds = max_pt('ods.sales') group by sku;",
        ...     default_project="prod")
        >>> sorted(found.read), sorted(found.written), found.statements
        (['ods.sales', 'prod.dwd_sales'], ['prod.dws_sales'], 1)
    """
    project = (default_project or "").strip().lower() or None
    text = sql.replace("\r\n", "\n").strip()
    extract = _extract_cached if len(text) <= CACHE_TEXT_LIMIT else _extract_cached.__wrapped__
    result = extract(text, project, dialect.strip().lower())
    if isinstance(result, _Failure):
        raise SqlParseError(result.problem, statement=result.statement)
    return result


def match_tables(tables: Iterable[str], globs: Iterable[str]) -> list[tuple[str, str]]:
    """Return the sorted ``(table, glob)`` pairs where a table name matches a glob.

    Matching is case-insensitive ``fnmatch``; ``*`` also crosses dots, so ``proj.*`` matches
    every table of project ``proj``. A glob without a dot (``*_pii``, ``dim_user``) is matched
    against the table part of the name (the text after the last dot), whatever its project.
    A glob with a project part never matches an unqualified name: pass ``default_project`` to
    ``extract_tables`` so that names are qualified.

    Example:
        >>> match_tables(["prod.user_pii", "prod.orders", "dev.orders"], ["*_pii", "prod.*"])
        [('prod.orders', 'prod.*'), ('prod.user_pii', '*_pii'), ('prod.user_pii', 'prod.*')]
    """
    patterns = [(glob, glob.strip().lower()) for glob in globs if glob.strip()]
    pairs: list[tuple[str, str]] = []
    for table in sorted({name.strip().lower() for name in tables}):
        short = table.rsplit(".", 1)[-1]
        pairs.extend((table, glob) for glob, pattern in patterns
                     if fnmatch.fnmatchcase(table if "." in pattern else short, pattern))
    return pairs


@dataclass(frozen=True)
class SqlCode:
    """What a script does, for the change guard's ``code.*`` facts (see :func:`analyse_sql`).

    ``calls`` pairs each function the code calls (upper case, as written: ``NVL`` stays ``NVL``)
    with the 1-based script line of its first call; ``statements`` are the kinds of statement in
    the script (``SELECT``, ``INSERT_OVERWRITE``, ``INSERT_INTO``, ``CREATE_TABLE``, ``DROP_TABLE``,
    ``TRUNCATE_TABLE``, ``ALTER_TABLE``, ``DROP_PARTITION``, ``DELETE``, ``UPDATE``, ``MERGE``,
    ``USE``, ``SET``, … and ``SELECT_STAR`` when a query projects ``*``); ``error`` tells why the
    first statement that does not parse was not understood (``None`` when every one parsed).

    Example:
        >>> code = SqlCode(calls=(("MAX_PT", 3),), statements=("SELECT",))
        >>> code.functions, code.first_line, code.parse_error
        (['MAX_PT'], {'MAX_PT': 3}, False)
    """

    read: frozenset[str] = frozenset()
    written: frozenset[str] = frozenset()
    calls: tuple[tuple[str, int], ...] = ()
    statements: tuple[str, ...] = ()
    statement_count: int = 0
    error: str | None = None

    @property
    def functions(self) -> list[str]:
        """The upper-case names of the functions the code calls, sorted."""
        return sorted(name for name, _ in self.calls)

    @property
    def first_line(self) -> dict[str, int]:
        """Function name → the 1-based line of its first call."""
        return dict(self.calls)

    @property
    def parse_error(self) -> bool:
        return self.error is not None


def analyse_sql(sql: str, *, default_project: str | None = None, dialect: str = DEFAULT_DIALECT) -> SqlCode:
    """The tables, function calls (with lines) and statement kinds of a script; never raises for bad SQL.

    Statements are read one by one like :func:`extract_tables` reads them (DataWorks parameters
    such as ``${bizdate}`` are substituted first, so they parse). A statement that does not parse
    sets ``error`` (the first one's problem, with its statement number and line) and is scanned
    for ``name(`` calls instead, so a banned function is still seen in code sqlglot cannot read;
    the tables of such a statement are unknown (the table lists hold what the other statements
    touch). Results are cached like :func:`extract_tables`'. Raises ``ConfigError`` for an
    unknown dialect.

    Example:
        >>> code = analyse_sql("-- dws_gmv_daily\\ninsert overwrite table dws_gmv partition (ds='${bizdate}')\\n"
        ...                    "select shop, sum(gmv) from dwd_orders where ds = max_pt('dwd_orders') group by shop;")
        >>> code.functions, code.first_line["MAX_PT"], code.statements, sorted(code.written)
        (['MAX_PT', 'SUM'], 3, ('INSERT_OVERWRITE',), ['dws_gmv'])
        >>> analyse_sql("selec * frm t where (((").error.startswith("statement 1 (line 1): ")
        True
    """
    project = (default_project or "").strip().lower() or None
    text = sql.replace("\r\n", "\n")
    analyse = _analyse_cached if len(text) <= CACHE_TEXT_LIMIT else _analyse_cached.__wrapped__
    return analyse(text, project, dialect.strip().lower())


@functools.lru_cache(maxsize=CACHE_SIZE)
def _extract_cached(sql: str, project: str | None, dialect: str) -> SqlTables | _Failure:
    text, parameters = _substitute_parameters(sql)
    read: set[str] = set()
    written: set[str] = set()
    count = 0
    for position, (statement, _line) in enumerate(_split_statements(text), start=1):
        if _SET.match(statement):
            continue
        count += 1
        variable = _SCRIPT_VARIABLE.match(statement)
        try:
            tree = _parse(statement[variable.end():] if variable else statement, dialect)
        except SqlParseError as exc:
            return _Failure(exc.problem, position)
        if _is_use(tree):
            project = str(tree.this.name).lower() or project
            continue
        tables = _Tables(project, parameters)
        tables.collect(tree)
        read |= tables.read
        written |= tables.written
    return SqlTables(frozenset(read), frozenset(written), count)


def _substitute_parameters(sql: str) -> tuple[str, dict[str, str]]:
    """Replace DataWorks scheduling parameters with identifiers; return the text and token→parameter."""
    tokens: dict[str, str] = {}

    def token(match: re.Match[str]) -> str:
        parameter = match.group(0)
        for name, original in tokens.items():
            if original == parameter:
                return name
        name = f"__oe_param{len(tokens)}__"
        tokens[name] = parameter
        return name

    return _PLACEHOLDER.sub(token, sql), tokens


class _Statement(NamedTuple):
    text: str
    line: int
    """The 1-based line of the script on which the statement starts."""


def _split_statements(text: str) -> Iterator[_Statement]:
    """Yield the non-empty statements of a script, without comments and LIFECYCLE clauses.

    What is dropped is replaced by blanks that keep its line breaks, so a position inside a
    statement still maps to its line in the script.
    """
    parts: list[str] = []
    line = start = 1
    for match in _TOKEN.finditer(text):
        kind, chunk = match.lastgroup, match.group(0)
        if kind == "semicolon":
            yield from _statement(parts, start)
            parts, start = [], line
        elif kind == "comment":
            parts.append(_blank(chunk))
        elif kind == "code":
            parts.append(_LIFECYCLE.sub(lambda m: _blank(m.group(0)), chunk))
        else:
            parts.append(chunk)
        line += chunk.count("\n")
    yield from _statement(parts, start)


def _statement(parts: list[str], line: int) -> Iterator[_Statement]:
    joined = "".join(parts)
    text = joined.strip()
    if text:
        yield _Statement(text, line + joined[: len(joined) - len(joined.lstrip())].count("\n"))


def _blank(text: str) -> str:
    return "\n" * text.count("\n") or " "


def _parse(statement: str, dialect: str) -> exp.Expr:
    import sqlglot
    from sqlglot import expressions as exp
    from sqlglot.errors import SqlglotError

    _quiet_command_fallback()
    problem = ""
    for name in _dialect_chain(dialect):
        try:
            tree = sqlglot.parse_one(statement, read=name)
        except SqlglotError as exc:
            problem = problem or _one_line(str(exc))
            continue
        except RecursionError:
            problem = problem or "statement is nested too deeply to analyse"
            continue
        except Exception as exc:  # a parser bug must not stop the guard from answering
            problem = problem or _one_line(f"parser failed: {type(exc).__name__}: {exc}")
            continue
        if isinstance(tree, exp.Command):
            # Only the leading keywords: the statement itself may carry sensitive literals.
            problem = problem or f"unsupported statement: {' '.join(statement.split()[:2]).upper()} …"
            continue
        return tree
    raise SqlParseError(problem)


def _dialect_chain(dialect: str) -> list[str]:
    from sqlglot.dialects.dialect import Dialect

    try:
        Dialect.get_or_raise(dialect)
    except ValueError as exc:
        raise ConfigError(f"unknown SQL dialect {dialect!r}") from exc
    return [dialect, *(name for name in FALLBACK_DIALECTS if name != dialect)]


@functools.lru_cache(maxsize=1)
def _quiet_command_fallback() -> None:
    """Drop sqlglot's warning for statements it keeps as opaque commands: those raise here instead."""
    logging.getLogger("sqlglot").addFilter(
        lambda record: _COMMAND_FALLBACK not in record.getMessage())


def _one_line(message: str) -> str:
    line = _ANSI.sub("", message).strip().splitlines()[0] if message.strip() else "unknown parse error"
    line = " ".join(line.split())
    return line if len(line) <= _MESSAGE_LIMIT else line[: _MESSAGE_LIMIT - 1] + "…"


def _is_use(tree: exp.Expr) -> bool:
    from sqlglot import expressions as exp

    return isinstance(tree, exp.Use)


class _Tables:
    """Collects the qualified names of the tables one parsed statement reads and writes."""

    def __init__(self, project: str | None, parameters: dict[str, str]) -> None:
        self.project = project
        self.parameters = parameters
        self.read: set[str] = set()
        self.written: set[str] = set()

    def collect(self, tree: exp.Expr) -> None:
        from sqlglot import expressions as exp

        for table in tree.find_all(exp.Table):
            if isinstance(table.this, exp.Identifier) and not _is_cte_reference(table):
                name = self._qualify([table.catalog, table.db, table.name])
                (self.written if _is_target(table) else self.read).add(name)
        for call in tree.find_all(exp.Anonymous):
            argument = call.expressions[0] if call.expressions else None
            if (str(call.name).lower() == "max_pt" and isinstance(argument, exp.Literal)
                    and argument.is_string):
                self.read.add(self._qualify(str(argument.this).replace("`", "").split(".")))

    def _qualify(self, parts: list[str]) -> str:
        names = [part.strip().lower() for part in parts if part and part.strip()]
        if len(names) == 1 and self.project:
            names.insert(0, self.project)
        name = ".".join(names)
        for token, parameter in self.parameters.items():
            name = name.replace(token, parameter.lower())
        return name


def _is_target(table: exp.Table) -> bool:
    from sqlglot import expressions as exp

    node: exp.Expr = table
    if isinstance(node.parent, exp.Schema) and node.arg_key == "this":
        node = node.parent
    parent = node.parent
    if isinstance(parent, (exp.Drop, exp.TruncateTable)):
        return True
    written_by = (exp.Insert, exp.Create, exp.Update, exp.Delete, exp.Merge, exp.Alter)
    return isinstance(parent, written_by) and node.arg_key == "this"


def _is_cte_reference(table: exp.Table) -> bool:
    """Whether an unqualified name refers to a CTE visible where it is used (not a real table)."""
    from sqlglot import expressions as exp

    if table.db or table.catalog:
        return False
    name = table.name.lower()
    path: list[exp.Expr] = [table]
    node = table.parent
    while node is not None:
        path.append(node)
        node = node.parent
    for index in range(1, len(path)):
        scope = path[index].args.get("with_") or path[index].args.get("with")
        if not isinstance(scope, exp.With):
            continue
        ctes = list(scope.expressions)
        if path[index - 1] is scope:
            # Inside a CTE body: only the CTEs before it are visible (and itself when RECURSIVE).
            position = next(i for i, cte in enumerate(ctes) if cte is path[index - 2])
            ctes = ctes[: position + 1] if scope.args.get("recursive") else ctes[:position]
        if any(cte.alias.lower() == name for cte in ctes):
            return True
    return False


# -- what the code does: calls, statement kinds ---------------------------------------------------
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SQLGLOT_LINE = re.compile(r"\bLine (\d+),")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\S")
_NOT_CALLS = frozenset({
    "AND", "AS", "BETWEEN", "BY", "CASE", "CHAR", "CLUSTERED", "DECIMAL", "DISTINCT", "ELSE", "END", "EXISTS",
    "FROM", "IN", "INTO", "IS", "JOIN", "LIKE", "NOT", "ON", "OR", "OVER", "PARTITION", "PARTITIONED", "RLIKE",
    "SELECT", "TABLE", "TBLPROPERTIES", "THEN", "UNION", "USING", "VALUES", "VARCHAR", "WHEN", "WHERE", "WITH",
})
"""Words followed by ``(`` that are SQL syntax, not calls (the fallback scan of unparseable statements)."""
_DEFINES = frozenset({"TABLE", "INTO", "EXISTS", "VIEW", "FUNCTION", "JOIN", "FROM", "UPDATE", "."})
"""After these a ``name(`` is a table with its columns (``insert into t (a, b)``), not a call."""


@functools.lru_cache(maxsize=CACHE_SIZE)
def _analyse_cached(sql: str, project: str | None, dialect: str) -> SqlCode:
    _dialect_chain(dialect)  # an unknown dialect is the caller's mistake: ConfigError, not a parse error
    text, parameters = _substitute_parameters(sql)
    read: set[str] = set()
    written: set[str] = set()
    calls: dict[str, int] = {}
    kinds: dict[str, None] = {}
    count = 0
    error: str | None = None
    for position, (statement, line) in enumerate(_split_statements(text), start=1):
        if _SET.match(statement):
            kinds["SET"] = None
            continue
        count += 1
        variable = _SCRIPT_VARIABLE.match(statement)
        body = statement[variable.end():] if variable else statement
        first = line + (statement[: variable.end()].count("\n") if variable else 0)
        try:
            tree = _parse(body, dialect)
        except SqlParseError as exc:
            error = error or f"statement {position} (line {first}): {_script_lines(exc.problem, first)}"
            _keep_first(calls, ((name, first + at - 1) for name, at, before in _call_words(body)
                                if name not in _NOT_CALLS and before not in _DEFINES))
            continue
        for kind in _statement_kinds(tree):
            kinds[kind] = None
        if _is_use(tree):
            project = str(tree.this.name).lower() or project
            continue
        tables = _Tables(project, parameters)
        tables.collect(tree)
        read |= tables.read
        written |= tables.written
        _keep_first(calls, ((name, first + at - 1) for name, at in _calls(tree, body)))
    return SqlCode(frozenset(read), frozenset(written), tuple(sorted(calls.items())), tuple(kinds), count, error)


def _script_lines(problem: str, first: int) -> str:
    """sqlglot's ``Line n`` counts from the statement; say the line of the script instead."""
    return _SQLGLOT_LINE.sub(lambda m: f"Line {first + int(m.group(1)) - 1},", problem)


def _keep_first(calls: dict[str, int], found: Iterable[tuple[str, int]]) -> None:
    for name, line in found:
        if name not in calls or line < calls[name]:
            calls[name] = line


def _calls(tree: exp.Expr, text: str) -> Iterator[tuple[str, int]]:
    """``(NAME, line in text)`` of every function call in a parsed statement, named as written.

    sqlglot records where most calls are (``meta``); a call it rebuilt (``cast`` read as
    ``TRY_CAST`` by the hive dialect, ``trim``, ``extract``) is found as ``name(`` in the text, and a
    node it made up without one (``CASE``, a ``datediff`` argument conversion) is no call.
    """
    from sqlglot import expressions as exp

    words: list[tuple[str, int, str]] | None = None
    for node in tree.find_all(exp.Func):
        meta = node.meta
        start, end, line = meta.get("start"), meta.get("end"), meta.get("line")
        if isinstance(start, int) and isinstance(end, int) and isinstance(line, int):
            written = text[start:end + 1]
            if _NAME.fullmatch(written):
                yield written.upper(), line
                continue
        names = {name.upper() for name in node.sql_names()}
        if isinstance(node, exp.Anonymous):
            names.add(str(node.name).upper())
        if isinstance(node, exp.Cast):
            names |= {"CAST", "TRY_CAST"}
        if words is None:
            words = _call_words(text)
        hit = next(((name, at) for name, at, _before in words if name in names), None)
        if hit is not None:
            yield hit


def _call_words(text: str) -> list[tuple[str, int, str]]:
    """``(NAME, line, the word before)`` for every ``name(`` outside string literals, in order."""
    masked = "".join(_blank_literal(m.group(0)) if m.lastgroup == "string" else m.group(0)
                     for m in _TOKEN.finditer(text))
    words = list(_WORD.finditer(masked))
    out: list[tuple[str, int, str]] = []
    for i, word in enumerate(words[:-1]):
        if words[i + 1].group(0) == "(" and _NAME.fullmatch(word.group(0)):
            before = words[i - 1].group(0).upper() if i else ""
            out.append((word.group(0).upper(), masked.count("\n", 0, word.start()) + 1, before))
    return out


def _blank_literal(text: str) -> str:
    return "".join(c if c == "\n" else " " for c in text)


def _statement_kinds(tree: exp.Expr) -> list[str]:
    """The kinds of one parsed statement (``INSERT_OVERWRITE``, ``DROP_TABLE``, … ``SELECT_STAR``)."""
    from sqlglot import expressions as exp

    kinds: list[str]
    if isinstance(tree, exp.Insert):
        kinds = ["INSERT_OVERWRITE" if tree.args.get("overwrite") else "INSERT_INTO"]
    elif isinstance(tree, (exp.Create, exp.Drop, exp.Alter)):
        verb = {exp.Create: "CREATE", exp.Drop: "DROP", exp.Alter: "ALTER"}[type(tree)]
        kinds = [f"{verb}_{str(tree.args.get('kind') or 'OBJECT').upper()}"]
        for action in tree.args.get("actions") or []:
            if isinstance(action, exp.DropPartition):
                kinds.append("DROP_PARTITION")
            elif isinstance(action, exp.AlterRename):
                kinds.append("RENAME_TABLE")
    elif isinstance(tree, exp.TruncateTable):
        kinds = ["TRUNCATE_TABLE"]
    elif isinstance(tree, exp.Query):
        kinds = ["SELECT"]
    else:
        kinds = [tree.key.upper()]
    for select in tree.find_all(exp.Select):
        if any(isinstance(e, exp.Star) or (isinstance(e, exp.Column) and isinstance(e.this, exp.Star))
               for e in select.expressions):
            kinds.append("SELECT_STAR")
            break
    return kinds
