-- ClickHouse tables for jixiao output, schema_version 2 (see schema/record-format.md).
--
-- Load the JSON Lines exactly as jixiao writes them, no transformation:
--
--   clickhouse-client --multiquery < schema/clickhouse.sql
--   clickhouse-client --query "INSERT INTO jixiao_records FORMAT JSONEachRow" < out/records.jsonl
--   clickhouse-client --query "INSERT INTO jixiao_indicators FORMAT JSONEachRow" < out/indicators.jsonl
--
-- Type choices, all of which JSONEachRow reads straight from jixiao's lines:
--   * objects (source, budget) are named Tuples: JSONEachRow reads a JSON object
--     into a named Tuple by key (input_format_json_named_tuples_as_objects, on by
--     default); every key jixiao writes is present, so no Tuple default is needed.
--   * duplicate_of (an object or null) is a named Tuple of Nullable elements: a
--     Tuple cannot be Nullable, so a null duplicate_of reads as a tuple of NULLs
--     (input_format_null_as_default, on by default). Test it by its record_id:
--     sum budgets of distinct projects with
--       SELECT sum(budget.current_year) FROM jixiao_records
--       WHERE duplicate_of.record_id IS NULL
--     (run-scoped: shards of a sharded run are compared only within themselves).
--   * indicators, warnings and budget.sources are Array(Tuple(...)) rather than
--     Nested: a JSON array of objects maps onto Array(Tuple) without
--     input_format_import_nested_json, and arrayJoin(indicators) / ARRAY JOIN
--     give one row per indicator.
--   * extra (of a record, and of each indicator) is Map(String, Nullable(String)):
--     its keys are the source's own labels or column headers (Chinese, may
--     contain spaces, dots and brackets such as `联系人 (2)`), different in every
--     project, and its values are text or null. A Map keeps them exactly; the
--     JSON type would split keys on dots into sub-paths. Query it with
--     extra['联系人'].
--   * money is Nullable(Decimal(18,2)) (budget amounts, budget.sources.amount):
--     yuan with at most two decimals, below 2^53 fen. Indicator value/value_max/
--     weight are Nullable(Float64): any magnitude, no fixed scale (1e20 is
--     possible).
--   * category and period are LowCardinality(Nullable(String)), not Enum: a
--     value added in a later version must not fail an insert of older tables.
--   * (source.path, source.member, source.index) is unique per run, and is the
--     key from a jixiao_indicators row (source_path, source_member,
--     source_index) to its record; record_id is not (the same bytes under two
--     paths share it).
--   * planned_start/planned_end are Nullable(String): '2023-12' (a month without
--     a day) occurs; toDateOrNull(planned_start) gives the full dates.
--   * ORDER BY avoids Nullable columns (not allowed in a sorting key by default);
--     record_id is not unique if the same file is stored at two paths, so the
--     key is not meant as a primary key.

CREATE TABLE IF NOT EXISTS jixiao_records
(
    schema_version         UInt8,
    record_id              String,
    source                 Tuple(
                               path      String,
                               member    Nullable(String),
                               sha256    FixedString(64),
                               format    LowCardinality(String),
                               encoding  LowCardinality(Nullable(String)),
                               sheet     Nullable(String),
                               page      Nullable(UInt32),
                               index     UInt32,
                               first_row UInt32,
                               last_row  UInt32
                           ),
    duplicate_of           Tuple(
                               record_id Nullable(String),
                               path      Nullable(String),
                               member    Nullable(String),
                               index     Nullable(UInt32)
                           ),
    year                   Nullable(UInt16),
    title                  Nullable(String),
    department             Nullable(String),
    department_code        Nullable(String),
    implementing_unit      Nullable(String),
    project_name           Nullable(String),
    project_category       Nullable(String),
    planned_start          Nullable(String),
    planned_end            Nullable(String),
    government_procurement Nullable(Bool),
    performance_type       Nullable(String),
    overview               Nullable(String),
    basis                  Nullable(String),
    necessity              Nullable(String),
    safeguards             Nullable(String),
    implementation_plan    Nullable(String),
    goals                  Nullable(String),
    goals_long_term        Nullable(String),
    budget                 Tuple(
                               total               Nullable(Decimal(18, 2)),
                               current_year        Nullable(Decimal(18, 2)),
                               prior_year_budget   Nullable(Decimal(18, 2)),
                               prior_year_executed Nullable(Decimal(18, 2)),
                               sources             Array(Tuple(
                                                       name   String,
                                                       amount Nullable(Decimal(18, 2))
                                                   ))
                           ),
    indicators             Array(Tuple(
                               level1    Nullable(String),
                               level2    Nullable(String),
                               level3    String,
                               target    String,
                               op        LowCardinality(Nullable(String)),
                               value     Nullable(Float64),
                               value_max Nullable(Float64),
                               unit      LowCardinality(Nullable(String)),
                               kind      LowCardinality(String),
                               category  LowCardinality(Nullable(String)),
                               period    LowCardinality(Nullable(String)),
                               core      Bool,
                               weight    Nullable(Float64),
                               extra     Map(String, Nullable(String)),
                               row       UInt32
                           )),
    extra                  Map(String, Nullable(String)),
    warnings               Array(Tuple(
                               code    LowCardinality(String),
                               message String
                           ))
)
ENGINE = MergeTree
ORDER BY (ifNull(year, 0), ifNull(department, ''), record_id);

CREATE TABLE IF NOT EXISTS jixiao_indicators
(
    schema_version    UInt8,
    record_id         String,
    source_path       String,
    source_member     Nullable(String),
    source_index      UInt32,
    indicator_index   UInt32,
    year              Nullable(UInt16),
    department        Nullable(String),
    implementing_unit Nullable(String),
    project_name      Nullable(String),
    duplicate_of      Nullable(String),
    level1            Nullable(String),
    level2            Nullable(String),
    level3            String,
    target            String,
    op                LowCardinality(Nullable(String)),
    value             Nullable(Float64),
    value_max         Nullable(Float64),
    unit              LowCardinality(Nullable(String)),
    kind              LowCardinality(String),
    category          LowCardinality(Nullable(String)),
    period            LowCardinality(Nullable(String)),
    core              Bool,
    weight            Nullable(Float64),
    extra             Map(String, Nullable(String)),
    row               UInt32
)
ENGINE = MergeTree
ORDER BY (ifNull(year, 0), ifNull(department, ''), record_id, indicator_index);
