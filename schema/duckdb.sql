-- DuckDB tables for jixiao output, schema_version 1 (see schema/record-format.md).
--
--   records     one row per project  (jixiao extract ... --emit projects,   the default)
--   indicators  one row per indicator (jixiao extract ... --emit indicators)
--
-- Placeholders: `{records}` and `{indicators}` below stand for the paths of the
-- two JSON Lines files (a glob such as 'out/shard-*/part-*.jsonl' works too).
-- Replace them before running, e.g. with the DuckDB CLI:
--
--   sed -e 's|{records}|out/records.jsonl|' -e 's|{indicators}|out/indicators.jsonl|' \
--       schema/duckdb.sql | duckdb warehouse.duckdb
--
-- (tests/warehouse/test_warehouse.py does the same with str.replace). If you
-- only have the records file, drop the last INSERT and use the commented
-- `INSERT INTO indicators ... FROM records` at the end of this file instead:
-- it derives the same rows from records.indicators.
--
-- Why every option is spelled out:
--   * columns={...}: explicit types, so DuckDB never samples rows to guess
--     them. Without it, a key that is null in every sampled row (20,480 by
--     default) gets type "NULL", and a key first seen after the sample is
--     dropped without a word. The columns={...} types repeat the CREATE TABLE
--     types on purpose. Note that even with columns={...} read_json ignores
--     keys it is not given and reads a missing key as NULL: a newer
--     schema_version needs a new file (tests/warehouse checks json_keys()).
--   * money is DECIMAL(18,2): jixiao writes yuan with at most two decimals and
--     keeps every amount below 2^53 fen, so it fits exactly.
--   * indicator value/value_max are DOUBLE, not DECIMAL: they are whatever
--     number the target cell held (0.5, 99.99, 1e20 for a 21-digit cell);
--     there is no fixed scale.
--   * planned_start/planned_end are VARCHAR, not DATE: a month without a day is
--     written '2023-12'. Use TRY_CAST(planned_start AS DATE) for full dates.
--   * extra is JSON: its keys are the source's own Chinese labels and differ
--     from project to project. Query it with extra->>'联系人'.
--   * maximum_object_size: jixiao lines may be up to 16 MiB, DuckDB's default
--     limit is exactly 16 MiB; 64 MiB leaves room.
--   * record_id is not declared PRIMARY KEY: it is derived from the document's
--     bytes, so the same file stored at two paths gives the same record_id
--     twice. (source.path, source.member, source.index) is unique per run.

CREATE TABLE records (
    schema_version         INTEGER NOT NULL,
    record_id              VARCHAR NOT NULL,
    source                 STRUCT(
                               path      VARCHAR,
                               member    VARCHAR,
                               sha256    VARCHAR,
                               format    VARCHAR,
                               encoding  VARCHAR,
                               sheet     VARCHAR,
                               "index"   INTEGER,
                               first_row INTEGER,
                               last_row  INTEGER
                           ) NOT NULL,
    year                   INTEGER,
    title                  VARCHAR,
    department             VARCHAR,
    project_name           VARCHAR,
    project_category       VARCHAR,
    planned_start          VARCHAR,
    planned_end            VARCHAR,
    government_procurement BOOLEAN,
    performance_type       VARCHAR,
    overview               VARCHAR,
    basis                  VARCHAR,
    necessity              VARCHAR,
    safeguards             VARCHAR,
    implementation_plan    VARCHAR,
    goals                  VARCHAR,
    budget                 STRUCT(
                               total               DECIMAL(18,2),
                               current_year        DECIMAL(18,2),
                               prior_year_budget   DECIMAL(18,2),
                               prior_year_executed DECIMAL(18,2)
                           ) NOT NULL,
    indicators             STRUCT(
                               level1    VARCHAR,
                               level2    VARCHAR,
                               level3    VARCHAR,
                               target    VARCHAR,
                               op        VARCHAR,
                               value     DOUBLE,
                               value_max DOUBLE,
                               unit      VARCHAR,
                               kind      VARCHAR
                           )[] NOT NULL,
    extra                  JSON NOT NULL,
    warnings               STRUCT(code VARCHAR, message VARCHAR)[] NOT NULL
);

CREATE TABLE indicators (
    schema_version  INTEGER NOT NULL,
    record_id       VARCHAR NOT NULL,
    indicator_index INTEGER NOT NULL,
    year            INTEGER,
    department      VARCHAR,
    project_name    VARCHAR,
    level1          VARCHAR NOT NULL,
    level2          VARCHAR NOT NULL,
    level3          VARCHAR NOT NULL,
    target          VARCHAR NOT NULL,
    op              VARCHAR,
    value           DOUBLE,
    value_max       DOUBLE,
    unit            VARCHAR,
    kind            VARCHAR NOT NULL
);

INSERT INTO records
SELECT * FROM read_json(
    '{records}',
    format = 'newline_delimited',
    records = true,
    maximum_object_size = 67108864,
    columns = {
        schema_version:         'INTEGER',
        record_id:              'VARCHAR',
        source:                 'STRUCT(path VARCHAR, member VARCHAR, sha256 VARCHAR, format VARCHAR, encoding VARCHAR, sheet VARCHAR, "index" INTEGER, first_row INTEGER, last_row INTEGER)',
        year:                   'INTEGER',
        title:                  'VARCHAR',
        department:             'VARCHAR',
        project_name:           'VARCHAR',
        project_category:       'VARCHAR',
        planned_start:          'VARCHAR',
        planned_end:            'VARCHAR',
        government_procurement: 'BOOLEAN',
        performance_type:       'VARCHAR',
        overview:               'VARCHAR',
        basis:                  'VARCHAR',
        necessity:              'VARCHAR',
        safeguards:             'VARCHAR',
        implementation_plan:    'VARCHAR',
        goals:                  'VARCHAR',
        budget:                 'STRUCT(total DECIMAL(18,2), current_year DECIMAL(18,2), prior_year_budget DECIMAL(18,2), prior_year_executed DECIMAL(18,2))',
        indicators:             'STRUCT(level1 VARCHAR, level2 VARCHAR, level3 VARCHAR, target VARCHAR, op VARCHAR, value DOUBLE, value_max DOUBLE, unit VARCHAR, kind VARCHAR)[]',
        extra:                  'JSON',
        warnings:               'STRUCT(code VARCHAR, message VARCHAR)[]'
    }
);

INSERT INTO indicators
SELECT * FROM read_json(
    '{indicators}',
    format = 'newline_delimited',
    records = true,
    maximum_object_size = 67108864,
    columns = {
        schema_version:  'INTEGER',
        record_id:       'VARCHAR',
        indicator_index: 'INTEGER',
        year:            'INTEGER',
        department:      'VARCHAR',
        project_name:    'VARCHAR',
        level1:          'VARCHAR',
        level2:          'VARCHAR',
        level3:          'VARCHAR',
        target:          'VARCHAR',
        op:              'VARCHAR',
        value:           'DOUBLE',
        value_max:       'DOUBLE',
        unit:            'VARCHAR',
        kind:            'VARCHAR'
    }
);

-- Without an --emit indicators file, the same rows come from records:
--
-- INSERT INTO indicators
-- SELECT r.schema_version, r.record_id, i - 1, r.year, r.department, r.project_name,
--        r.indicators[i].level1, r.indicators[i].level2, r.indicators[i].level3,
--        r.indicators[i].target, r.indicators[i].op, r.indicators[i].value,
--        r.indicators[i].value_max, r.indicators[i].unit, r.indicators[i].kind
-- FROM records r, generate_series(1, len(r.indicators)) AS g(i)
-- ORDER BY r.source.path, r.source.member NULLS FIRST, r.source."index", i;
