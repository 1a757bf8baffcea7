-- DuckDB tables for jixiao output, schema_version 2 (see schema/record-format.md).
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
-- Sums of money: the same project often appears more than once in an archive
-- (the same table in another encoding, in a zip, on a department's and a
-- ministry's page). Every record after the first of a project has
-- duplicate_of set, so count each project once:
--
--   SELECT year, sum(budget.current_year) FROM records
--   WHERE duplicate_of IS NULL GROUP BY year;
--
-- duplicate_of is run-scoped: a sharded run (--shard-index) compares only the
-- records of its own shard, so loading several shards can still hold a
-- project twice.
--
-- Joins: (source.path, source.member, source."index") is unique per run and is
-- the key from an indicator to its record (an indicator's source_path,
-- source_member, source_index). Compare member with IS NOT DISTINCT FROM: it
-- is NULL for plain files.
--
--   SELECT r.project_name, i.level3, i.target
--   FROM indicators i JOIN records r
--     ON  r.source.path = i.source_path
--     AND r.source.member IS NOT DISTINCT FROM i.source_member
--     AND r.source."index" = i.source_index;
--
-- Why every option is spelled out:
--   * columns={...}: explicit types, so DuckDB never samples rows to guess
--     them. Without it, a key that is null in every sampled row (20,480 by
--     default) gets type "NULL", and a key first seen after the sample is
--     dropped without a word. The columns={...} types repeat the CREATE TABLE
--     types on purpose. Note that even with columns={...} read_json ignores
--     keys it is not given and reads a missing key as NULL: a newer
--     schema_version needs a new file (tests/warehouse checks json_keys()).
--   * money is DECIMAL(18,2) (budget amounts and budget.sources[].amount):
--     jixiao writes yuan with at most two decimals and keeps every amount
--     below 2^53 fen, so it fits exactly.
--   * indicator value/value_max/weight are DOUBLE, not DECIMAL: they are
--     whatever number the cell held (0.5, 99.99, 1e20 for a 21-digit cell);
--     there is no fixed scale.
--   * planned_start/planned_end are VARCHAR, not DATE: a month without a day is
--     written '2023-12'. Use TRY_CAST(planned_start AS DATE) for full dates.
--   * extra (of a record, and of each indicator) is JSON: its keys are the
--     source's own Chinese labels or column headers and differ from project to
--     project. Query it with extra->>'联系人' or indicators[1].extra->>'备注'.
--   * category and period are VARCHAR, not ENUM: a loader of an older file
--     set should not fail on a value added later; the values are listed in
--     schema/record.schema.json.
--   * "index" and "row" are quoted: both are keywords in some positions.
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
                               page      INTEGER,
                               "index"   INTEGER,
                               first_row INTEGER,
                               last_row  INTEGER
                           ) NOT NULL,
    duplicate_of           STRUCT(
                               record_id VARCHAR,
                               path      VARCHAR,
                               member    VARCHAR,
                               "index"   INTEGER
                           ),
    year                   INTEGER,
    title                  VARCHAR,
    department             VARCHAR,
    department_code        VARCHAR,
    implementing_unit      VARCHAR,
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
    goals_long_term        VARCHAR,
    budget                 STRUCT(
                               total               DECIMAL(18,2),
                               current_year        DECIMAL(18,2),
                               prior_year_budget   DECIMAL(18,2),
                               prior_year_executed DECIMAL(18,2),
                               sources             STRUCT(name VARCHAR, amount DECIMAL(18,2))[]
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
                               kind      VARCHAR,
                               category  VARCHAR,
                               period    VARCHAR,
                               core      BOOLEAN,
                               weight    DOUBLE,
                               extra     JSON,
                               "row"     INTEGER
                           )[] NOT NULL,
    extra                  JSON NOT NULL,
    warnings               STRUCT(code VARCHAR, message VARCHAR)[] NOT NULL
);

CREATE TABLE indicators (
    schema_version    INTEGER NOT NULL,
    record_id         VARCHAR NOT NULL,
    source_path       VARCHAR NOT NULL,
    source_member     VARCHAR,
    source_index      INTEGER NOT NULL,
    indicator_index   INTEGER NOT NULL,
    year              INTEGER,
    department        VARCHAR,
    implementing_unit VARCHAR,
    project_name      VARCHAR,
    duplicate_of      VARCHAR,
    level1            VARCHAR,
    level2            VARCHAR,
    level3            VARCHAR NOT NULL,
    target            VARCHAR NOT NULL,
    op                VARCHAR,
    value             DOUBLE,
    value_max         DOUBLE,
    unit              VARCHAR,
    kind              VARCHAR NOT NULL,
    category          VARCHAR,
    period            VARCHAR,
    core              BOOLEAN NOT NULL,
    weight            DOUBLE,
    extra             JSON NOT NULL,
    "row"             INTEGER NOT NULL
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
        source:                 'STRUCT(path VARCHAR, member VARCHAR, sha256 VARCHAR, format VARCHAR, encoding VARCHAR, sheet VARCHAR, page INTEGER, "index" INTEGER, first_row INTEGER, last_row INTEGER)',
        duplicate_of:           'STRUCT(record_id VARCHAR, path VARCHAR, member VARCHAR, "index" INTEGER)',
        year:                   'INTEGER',
        title:                  'VARCHAR',
        department:             'VARCHAR',
        department_code:        'VARCHAR',
        implementing_unit:      'VARCHAR',
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
        goals_long_term:        'VARCHAR',
        budget:                 'STRUCT(total DECIMAL(18,2), current_year DECIMAL(18,2), prior_year_budget DECIMAL(18,2), prior_year_executed DECIMAL(18,2), sources STRUCT(name VARCHAR, amount DECIMAL(18,2))[])',
        indicators:             'STRUCT(level1 VARCHAR, level2 VARCHAR, level3 VARCHAR, target VARCHAR, op VARCHAR, value DOUBLE, value_max DOUBLE, unit VARCHAR, kind VARCHAR, category VARCHAR, period VARCHAR, core BOOLEAN, weight DOUBLE, extra JSON, "row" INTEGER)[]',
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
        schema_version:    'INTEGER',
        record_id:         'VARCHAR',
        source_path:       'VARCHAR',
        source_member:     'VARCHAR',
        source_index:      'INTEGER',
        indicator_index:   'INTEGER',
        year:              'INTEGER',
        department:        'VARCHAR',
        implementing_unit: 'VARCHAR',
        project_name:      'VARCHAR',
        duplicate_of:      'VARCHAR',
        level1:            'VARCHAR',
        level2:            'VARCHAR',
        level3:            'VARCHAR',
        target:            'VARCHAR',
        op:                'VARCHAR',
        value:             'DOUBLE',
        value_max:         'DOUBLE',
        unit:              'VARCHAR',
        kind:              'VARCHAR',
        category:          'VARCHAR',
        period:            'VARCHAR',
        core:              'BOOLEAN',
        weight:            'DOUBLE',
        extra:             'JSON',
        "row":             'INTEGER'
    }
);

-- Without an --emit indicators file, the same rows come from records:
--
-- INSERT INTO indicators
-- SELECT r.schema_version, r.record_id, r.source.path, r.source.member, r.source."index",
--        i - 1, r.year, r.department, r.implementing_unit, r.project_name,
--        r.duplicate_of.record_id,
--        r.indicators[i].level1, r.indicators[i].level2, r.indicators[i].level3,
--        r.indicators[i].target, r.indicators[i].op, r.indicators[i].value,
--        r.indicators[i].value_max, r.indicators[i].unit, r.indicators[i].kind,
--        r.indicators[i].category, r.indicators[i].period, r.indicators[i].core,
--        r.indicators[i].weight, r.indicators[i].extra, r.indicators[i]."row"
-- FROM records r, generate_series(1, len(r.indicators)) AS g(i)
-- ORDER BY r.source.path, r.source.member NULLS FIRST, r.source."index", i;
