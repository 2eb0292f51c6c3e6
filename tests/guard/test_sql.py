"""Specification of SQL table extraction for the download guard (MaxCompute / Hive SQL)."""

from __future__ import annotations

import pytest

from openevent.errors import ConfigError, OpenEventError
from openevent.guard.sql import CACHE_TEXT_LIMIT, SqlParseError, SqlTables, extract_tables, match_tables


def read(sql: str, project: str | None = "prod") -> list[str]:
    return sorted(extract_tables(sql, default_project=project).read)


def written(sql: str, project: str | None = "prod") -> list[str]:
    return sorted(extract_tables(sql, default_project=project).written)


# --- names -------------------------------------------------------------------------------------


def test_a_simple_select_reads_its_table_qualified_with_the_default_project() -> None:
    assert read("select sku_code, sku_name from dim_sku") == ["prod.dim_sku"]


def test_names_are_kept_as_written_without_a_default_project() -> None:
    assert read("select * from dim_sku d join ods.orders o on d.id = o.sku", project=None) == [
        "dim_sku", "ods.orders"]


def test_a_project_qualified_name_keeps_its_own_project() -> None:
    assert read("SELECT a.id FROM prod_dw.dwd_orders a WHERE a.ds = '20240101'") == ["prod_dw.dwd_orders"]


def test_a_three_part_name_keeps_project_schema_and_table() -> None:
    assert read("select * from mc_proj.default.user_info") == ["mc_proj.default.user_info"]


def test_names_are_lower_cased() -> None:
    assert read("SELECT * FROM Prod_DW.DIM_User") == ["prod_dw.dim_user"]


def test_backtick_quoted_names_lose_their_quotes() -> None:
    assert read("select `u`.`id` from `prod_dw`.`dim_user` `u`") == ["prod_dw.dim_user"]


def test_the_default_project_is_normalised_like_the_names() -> None:
    assert read("select * from t1", project="  Prod ") == ["prod.t1"]


# --- query shapes ------------------------------------------------------------------------------


def test_a_cte_name_is_not_a_table_even_when_it_shadows_a_real_one() -> None:
    sql = """
    with dim_user as (select id, name from ods.user_raw where ds = '20240101'),
         active as (select id from dim_user where name is not null)
    select a.id from active a join dim_user d on a.id = d.id
    """
    assert read(sql) == ["ods.user_raw"]


def test_a_cte_body_naming_itself_reads_the_real_table() -> None:
    sql = "with dim_user as (select * from dim_user where ds = '1') select * from dim_user"
    assert read(sql) == ["prod.dim_user"]


def test_a_qualified_name_is_a_table_even_when_a_cte_has_its_table_name() -> None:
    sql = "with dim_user as (select 1 as id) select * from dim_user join prod_dw.dim_user x on true"
    assert read(sql) == ["prod_dw.dim_user"]


def test_tables_inside_nested_subqueries_are_read() -> None:
    sql = "select * from (select id from (select id, ds from ods.inner_t where ds > '1') x) y"
    assert read(sql) == ["ods.inner_t"]


def test_every_table_of_a_three_way_join_is_read() -> None:
    sql = """
    select o.order_id, u.name, r.region_name
    from dwd_orders o
    join dim_user u on o.user_id = u.id
    left outer join ods.dim_region r on r.id = o.region_id
    """
    assert read(sql) == ["ods.dim_region", "prod.dim_user", "prod.dwd_orders"]


def test_comma_separated_tables_are_all_read() -> None:
    assert read("SELECT * FROM t1, t2 WHERE t1.id = t2.id") == ["prod.t1", "prod.t2"]


def test_every_branch_of_a_union_all_is_read() -> None:
    sql = "select id from t1 union all select id from t2 union all select id from archive.t3"
    assert read(sql) == ["archive.t3", "prod.t1", "prod.t2"]


def test_in_and_exists_subqueries_are_read() -> None:
    sql = """
    select * from orders o
    where o.user_id in (select id from vip_user)
      and not exists (select 1 from blacklist b where b.id = o.user_id)
    """
    assert read(sql) == ["prod.blacklist", "prod.orders", "prod.vip_user"]


def test_a_scalar_subquery_in_the_select_list_is_read() -> None:
    assert read("select (select max(ds) from t2) as latest, id from t1") == ["prod.t1", "prod.t2"]


def test_a_lateral_view_explode_is_not_a_table() -> None:
    sql = "select id, tag from user_tags lateral view explode(split(tags, ',')) tt as tag"
    assert read(sql) == ["prod.user_tags"]


def test_window_functions_do_not_disturb_extraction() -> None:
    sql = """
    select user_id, event_time,
           row_number() over (partition by user_id order by event_time desc) as rn,
           sum(amount) over (partition by user_id) as total
    from dwd_events where ds = '20240101'
    """
    assert read(sql) == ["prod.dwd_events"]


def test_a_map_join_hint_does_not_disturb_extraction() -> None:
    sql = "select /*+ mapjoin(b) */ a.id from big_t a join small_t b on a.id = b.id"
    assert read(sql) == ["prod.big_t", "prod.small_t"]


def test_max_pt_names_a_table_read() -> None:
    sql = "select * from dwd_orders where ds = MAX_PT('prod_dw.dim_user')"
    assert read(sql) == ["prod.dwd_orders", "prod_dw.dim_user"]


def test_max_pt_with_a_double_quoted_unqualified_name_gets_the_default_project() -> None:
    assert read('select * from t1 where ds = max_pt("secret_t")') == ["prod.secret_t", "prod.t1"]


def test_a_query_without_tables_reads_nothing() -> None:
    assert extract_tables("select 1 + 1", default_project="prod") == SqlTables(statements=1)


# --- writes ------------------------------------------------------------------------------------


def test_insert_overwrite_with_a_scheduling_parameter_partition_writes_its_target() -> None:
    sql = """
    INSERT OVERWRITE TABLE dws_sales_1d PARTITION (ds='${bizdate}')
    SELECT sku, SUM(amount) FROM dwd_sales WHERE ds = '${bizdate}' GROUP BY sku
    """
    found = extract_tables(sql, default_project="prod")
    assert (sorted(found.read), sorted(found.written)) == (["prod.dwd_sales"], ["prod.dws_sales_1d"])


def test_insert_into_with_a_column_list_writes_its_target() -> None:
    found = extract_tables("insert into table t_out (a, b) select a, b from t_in", default_project="prod")
    assert (sorted(found.read), sorted(found.written)) == (["prod.t_in"], ["prod.t_out"])


def test_create_table_as_writes_its_target_and_reads_its_query() -> None:
    found = extract_tables("create table if not exists tmp_users lifecycle 7 as select * from dim_user",
                           default_project="prod")
    assert (sorted(found.read), sorted(found.written)) == (["prod.dim_user"], ["prod.tmp_users"])


def test_a_hive_multi_insert_reads_its_source_and_writes_every_target() -> None:
    sql = "from src insert overwrite table d1 select a insert overwrite table d2 select b"
    found = extract_tables(sql, default_project="prod")
    assert (sorted(found.read), sorted(found.written)) == (["prod.src"], ["prod.d1", "prod.d2"])


def test_a_cte_before_an_insert_is_not_a_table() -> None:
    sql = "with a as (select * from s) insert overwrite table d partition (ds='1') select * from a"
    found = extract_tables(sql, default_project="prod")
    assert (sorted(found.read), sorted(found.written)) == (["prod.s"], ["prod.d"])


# --- scripts -----------------------------------------------------------------------------------


def test_a_script_skips_set_statements_and_comments() -> None:
    sql = """--odps sql
-- author: someone; purpose: export
set odps.sql.allow.fullscan=true;
SET odps.sql.type.system.odps2=true;
set odps.sql.timezone=Asia/Shanghai;
/* first query ; still a comment */
select * from t1 where note = '-- not a comment; nor this';
select * from t2 -- trailing comment
;
"""
    assert extract_tables(sql, default_project="prod") == SqlTables(
        read=frozenset({"prod.t1", "prod.t2"}), statements=2)


def test_a_script_of_only_set_statements_has_no_statements() -> None:
    assert extract_tables("set a.b=1; set c.d = x/y;") == SqlTables()


def test_use_changes_the_project_of_the_names_that_follow() -> None:
    sql = "select * from a; use other_proj; select * from b"
    assert read(sql) == ["other_proj.b", "prod.a"]


def test_a_script_mode_variable_is_not_a_table_but_its_query_is_read() -> None:
    sql = "@recent := select * from dwd_orders where ds > '20240101'; select count(*) from @recent"
    assert read(sql) == ["prod.dwd_orders"]


# --- scheduling parameters ---------------------------------------------------------------------


def test_bracket_scheduling_parameters_do_not_break_parsing() -> None:
    sql = "select * from dwd_log where ds = '$[yyyymmdd]' and hh = $[hh24] and ds > '$[yyyymmdd-7]'"
    assert read(sql) == ["prod.dwd_log"]


def test_a_bare_brace_scheduling_parameter_does_not_break_parsing() -> None:
    assert read("select * from dwd_log where ds = ${bizdate} limit ${n}") == ["prod.dwd_log"]


def test_a_scheduling_parameter_inside_a_table_name_is_kept_in_the_name() -> None:
    assert read("select * from ods.t_${suffix} join t_$[yyyymm] on true") == [
        "ods.t_${suffix}", "prod.t_$[yyyymm]"]


# --- errors and configuration ------------------------------------------------------------------


def test_sql_that_does_not_parse_raises_a_one_line_sql_parse_error() -> None:
    with pytest.raises(SqlParseError) as caught:
        extract_tables("selec * frm dim_user where")
    assert "\n" not in str(caught.value)
    assert "Line 1" in str(caught.value)
    assert isinstance(caught.value, OpenEventError)


def test_the_parse_error_names_the_failing_statement_of_a_script() -> None:
    with pytest.raises(SqlParseError) as caught:
        extract_tables("set odps.sql.allow.fullscan=true;\nselect * from t1;\nselect * frm t2 where")
    assert caught.value.statement == 3
    assert str(caught.value).startswith("statement 3: ")


def test_a_statement_sqlglot_keeps_only_as_an_opaque_command_raises_a_parse_error() -> None:
    with pytest.raises(SqlParseError, match="unsupported statement: SHOW PARTITIONS …"):
        extract_tables("show partitions dim_user")


def test_an_unterminated_string_raises_a_parse_error() -> None:
    with pytest.raises(SqlParseError):
        extract_tables("select * from t1 where name = 'oops")


def test_a_parse_error_is_raised_again_for_the_same_text() -> None:
    for _ in range(2):
        with pytest.raises(SqlParseError):
            extract_tables("select from where")


def test_an_unknown_dialect_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown SQL dialect 'no_such_sql'"):
        extract_tables("select * from t1", dialect="no_such_sql")


def test_the_spark_dialect_can_be_chosen() -> None:
    assert sorted(extract_tables("select * from `p`.`t1`", dialect="spark").read) == ["p.t1"]


# --- caching -----------------------------------------------------------------------------------


def test_the_same_text_gives_the_same_cached_result() -> None:
    sql = "select * from cached_t1 join cached_t2 on true"
    assert extract_tables(sql) is extract_tables("  " + sql + "\n")


def test_a_text_longer_than_the_cache_limit_is_extracted_without_caching() -> None:
    sql = "select * from long_t where note = '" + "x" * CACHE_TEXT_LIMIT + "'"
    first = extract_tables(sql)
    assert first == SqlTables(read=frozenset({"long_t"}), statements=1)
    assert extract_tables(sql) is not first


def test_the_default_project_is_part_of_the_cache_key() -> None:
    sql = "select * from cache_key_t"
    assert read(sql, project="a") == ["a.cache_key_t"]
    assert read(sql, project="b") == ["b.cache_key_t"]


# --- glob matching -----------------------------------------------------------------------------


def test_a_qualified_glob_matches_qualified_names() -> None:
    assert match_tables(["prod.dim_user", "prod.orders"], ["prod.dim_*"]) == [("prod.dim_user", "prod.dim_*")]


def test_a_glob_without_a_project_matches_the_table_part_of_any_project() -> None:
    tables = ["prod.user_pii", "dev.phone_pii", "prod.orders", "user_pii"]
    assert match_tables(tables, ["*_pii"]) == [
        ("dev.phone_pii", "*_pii"), ("prod.user_pii", "*_pii"), ("user_pii", "*_pii")]


def test_a_plain_table_glob_matches_that_table_in_any_project() -> None:
    assert match_tables(["prod.dim_user", "dev.dim_user", "prod.dim_user_ext"], ["dim_user"]) == [
        ("dev.dim_user", "dim_user"), ("prod.dim_user", "dim_user")]


def test_a_project_glob_matches_every_table_of_that_project_including_schemas() -> None:
    tables = ["secure.a", "secure.default.b", "secure_x.c", "other.secure"]
    assert match_tables(tables, ["secure.*"]) == [("secure.a", "secure.*"), ("secure.default.b", "secure.*")]


def test_glob_matching_ignores_case_and_reports_the_glob_as_configured() -> None:
    assert match_tables(["Prod.Dim_User"], ["PROD.DIM_*"]) == [("prod.dim_user", "PROD.DIM_*")]


def test_a_qualified_glob_does_not_match_an_unqualified_name() -> None:
    assert match_tables(["dim_user"], ["prod.dim_user"]) == []


def test_every_matching_glob_is_reported_in_table_order() -> None:
    assert match_tables({"p.b_pii", "p.a"}, ["p.*", "*_pii", ""]) == [
        ("p.a", "p.*"), ("p.b_pii", "p.*"), ("p.b_pii", "*_pii")]


def test_extracted_tables_can_be_matched_directly() -> None:
    found = extract_tables(
        "select u.phone from dim_user_pii u join ods.orders o on u.id = o.uid", default_project="prod")
    assert match_tables(found.tables, ["*_pii", "finance.*"]) == [("prod.dim_user_pii", "*_pii")]
