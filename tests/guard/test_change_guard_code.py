"""Specification of the change guard's code facts: function calls and their lines, statement kinds, parse errors.

MaxCompute SQL is read with sqlglot's hive dialect (sqlglot has no MaxCompute dialect).
"""

from __future__ import annotations

from typing import Any

import pytest

from openevent.errors import ConfigError
from openevent.guard.code import code_facts
from openevent.guard.sql import analyse_sql

ODPS_SQL, PYODPS3, SHELL, HOLOGRES = 10, 1221, 6, 1093


def code(sql: str, file_type: int | None = ODPS_SQL) -> dict[str, Any]:
    return code_facts(sql, file_type)


# -- function calls ---------------------------------------------------------------------------------
def test_called_functions_are_listed_upper_case() -> None:
    assert code("select max_pt('ods.orders'), Sum(amt) from t")["functions"] == ["MAX_PT", "SUM"]


def test_a_function_keeps_the_name_it_was_written_with() -> None:
    assert code("select nvl(a, 0), coalesce(b, 1) from t")["functions"] == ["COALESCE", "NVL"]


def test_a_cast_is_a_cast_although_the_hive_dialect_reads_it_as_try_cast() -> None:
    assert code("select cast(a as string) from t")["functions"] == ["CAST"]


def test_the_first_line_of_each_function_counts_comments_and_blank_lines_of_the_script() -> None:
    sql = ("--odps sql\n/* author: li\n   daily */\n\n"
           "select count(*)\nfrom t\nwhere ds = MAX_PT('t')\n  and x = max_pt('u');")
    assert code(sql)["first_line"] == {"COUNT": 5, "MAX_PT": 7}


def test_lines_continue_across_statements() -> None:
    sql = "set odps.sql.allow.fullscan=true;\nselect 1 from a;\n\nselect upper(x) from b;"
    assert code(sql)["first_line"] == {"UPPER": 4}


def test_a_function_named_in_a_comment_or_a_string_is_not_called() -> None:
    sql = "-- MAX_PT('t') is banned\nselect 'max_pt(t)' as note from t where ds = '${bizdate}'"
    assert code(sql)["functions"] == []


def test_a_table_with_its_column_list_is_not_a_call() -> None:
    assert code("insert into table dws_x (a, b) select a, b from t")["functions"] == []


def test_syntax_that_sqlglot_builds_itself_is_not_a_call() -> None:
    assert code("select case when a is null then 1 end, current_date from t")["functions"] == []


# -- DataWorks parameters ------------------------------------------------------------------------------
def test_scheduling_parameters_do_not_break_the_parse() -> None:
    facts = code("select * from dwd_orders_${region}\nwhere ds = ${bizdate} and hh = '$[hh24]' and d = $[yyyymmdd-1];")
    assert (facts["parse_error"], facts["tables_read"]) == (False, ["dwd_orders_${region}"])


# -- statements and tables ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("sql", "kinds"), [
    ("insert overwrite table t partition (ds='1') select a from s", ["INSERT_OVERWRITE"]),
    ("insert into table t select a from s", ["INSERT_INTO"]),
    ("drop table if exists t", ["DROP_TABLE"]),
    ("truncate table t", ["TRUNCATE_TABLE"]),
    ("alter table t drop if exists partition (ds='1')", ["ALTER_TABLE", "DROP_PARTITION"]),
    ("create table if not exists t (id bigint) lifecycle 30", ["CREATE_TABLE"]),
    ("select a.* from a", ["SELECT", "SELECT_STAR"]),
    ("set odps.sql.type.system=true;\nselect 1 from a", ["SET", "SELECT"]),
], ids=["insert-overwrite", "insert-into", "drop-table", "truncate", "drop-partition", "create-table", "select-star",
        "set"])
def test_statement_kinds(sql: str, kinds: list[str]) -> None:
    assert code(sql)["statements"] == kinds


def test_counting_rows_is_not_select_star() -> None:
    assert code("select count(*) from a")["statements"] == ["SELECT"]


def test_tables_read_and_written_are_listed_as_written() -> None:
    facts = code("insert overwrite table dws_gmv select shop, sum(gmv) from sales_dw.dwd_orders group by shop")
    assert (facts["tables_read"], facts["tables_written"], facts["statement_count"]) == (
        ["sales_dw.dwd_orders"], ["dws_gmv"], 1)


def test_hologres_sql_is_read_with_the_postgres_dialect() -> None:
    facts = code("select id::text, now() from public.orders", HOLOGRES)
    assert (facts["parse_error"], facts["tables_read"]) == (False, ["public.orders"])


# -- code that does not parse -------------------------------------------------------------------------------
def test_unparseable_sql_sets_parse_error_naming_the_statement_and_its_line() -> None:
    facts = code("select 1 from a;\n\nselec * frm\nwhere (((;")
    assert facts["parse_error"] is True
    assert facts["error"].startswith("statement 2 (line 3): ")


def test_sqlglots_line_in_the_error_is_the_scripts_line() -> None:
    assert "Line 4," in code("select 1 from a;\n\nselec * frm\n  where (((;")["error"]


def test_a_function_in_a_statement_that_does_not_parse_is_still_found_with_its_line() -> None:
    facts = code("select 1 from a;\nselect MAX_PT('t') frm where (((;")
    assert (facts["parse_error"], facts["first_line"]) == (True, {"MAX_PT": 2})


def test_the_tables_of_the_statements_that_parse_are_kept() -> None:
    facts = code("insert overwrite table b select * from a;\nselec * frm where (((;")
    assert (facts["tables_read"], facts["tables_written"]) == (["a"], ["b"])


# -- other file types ----------------------------------------------------------------------------------------
def test_non_sql_code_gets_only_its_text() -> None:
    facts = code("from odps import ODPS\nprint(max_pt('t'))", PYODPS3)
    assert (facts["language"], facts["text"].startswith("from odps"), facts["functions"], facts["parse_error"]) == (
        "python", True, [], False)


def test_a_shell_node_is_shell() -> None:
    assert code("echo hello", SHELL)["language"] == "shell"


def test_no_content_gives_empty_code_facts() -> None:
    facts = code_facts(None, ODPS_SQL)
    assert (facts["functions"], facts["statements"], facts["parse_error"]) == ([], [], False)


def test_an_unknown_dialect_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError):
        analyse_sql("select 1", dialect="no_such_dialect")
