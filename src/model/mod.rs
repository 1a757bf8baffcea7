//! The serde model of the output contract (`schema/record-format.md`, and
//! the JSON Schemas beside it).
//!
//! Field order here is the key order on the wire, every key is always
//! written (`Option` serialises as `null`, never skipped), and numbers are
//! written the way a warehouse can load them without loss: whole numbers as
//! JSON integers, money with at most two decimals.

use std::borrow::Cow;
use std::fmt;

use compact_str::CompactString;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use smallvec::SmallVec;

mod json;
pub use json::duplicate_of_json;
mod warning;
pub use warning::{Warning, WarningCode};

pub const SCHEMA_VERSION: u32 = 2;

/// JSON Schema (2020-12) of a `--emit projects` line (`schema/record.schema.json`).
pub const RECORD_SCHEMA: &str = include_str!("../../schema/record.schema.json");
/// JSON Schema (2020-12) of a `--emit indicators` line (`schema/indicator.schema.json`).
pub const INDICATOR_SCHEMA: &str = include_str!("../../schema/indicator.schema.json");

/// The project fields of a record in contract order, with the label the
/// source tables give them (for people: `show`, the report).
pub const FIELD_LABELS: [(&str, &str); 18] = [
    ("title", "标题"),
    ("year", "年度"),
    ("department", "申报单位名称"),
    ("department_code", "主管部门编码"),
    ("implementing_unit", "实施单位"),
    ("project_name", "项目名称"),
    ("project_category", "项目类别"),
    ("planned_start", "计划开始日期"),
    ("planned_end", "计划完成日期"),
    ("government_procurement", "是否含有政府购买服务"),
    ("performance_type", "绩效类型"),
    ("overview", "项目概况"),
    ("basis", "立项依据"),
    ("necessity", "项目设立的必要性"),
    ("safeguards", "保证项目实施的制度、措施"),
    ("implementation_plan", "项目实施计划"),
    ("goals", "总目标及阶段性目标"),
    ("goals_long_term", "中期目标"),
];

/// The keys of `budget`, with their source labels.
pub const BUDGET_LABELS: [(&str, &str); 4] = [
    ("total", "项目总预算"),
    ("current_year", "项目当年预算"),
    ("prior_year_budget", "同名项目上年预算额"),
    ("prior_year_executed", "同名项目上年预算执行数"),
];

/// The keys of one indicator, in contract order.
pub const INDICATOR_KEYS: [&str; 15] = [
    "level1",
    "level2",
    "level3",
    "target",
    "op",
    "value",
    "value_max",
    "unit",
    "kind",
    "category",
    "period",
    "core",
    "weight",
    "extra",
    "row",
];

/// No output line may be longer than this (DuckDB's and Snowflake's
/// default limits); see [`to_json_line`].
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// Where a record came from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Source {
    pub path: String,
    pub member: Option<String>,
    pub sha256: String,
    /// A [`crate::source::Format`] name (borrowed when extracted, owned
    /// when read back from a records file).
    pub format: Cow<'static, str>,
    pub encoding: Option<Cow<'static, str>>,
    pub sheet: Option<String>,
    /// PDF: the 1-based page on which the project starts; `None` for
    /// other formats.
    pub page: Option<u32>,
    pub index: usize,
    pub first_row: u32,
    pub last_row: u32,
}

/// One project: one line of `records.jsonl`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    pub schema_version: u32,
    pub record_id: String,
    pub source: Source,
    /// The first record in the output that is the same project (same
    /// department, name, year and indicator table); set by the writer,
    /// which sees records in output order.
    pub duplicate_of: Option<DuplicateOf>,
    #[serde(flatten)]
    pub project: Project,
}

/// Where the first record of a duplicated project is (`duplicate_of`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateOf {
    pub record_id: String,
    pub path: String,
    pub member: Option<String>,
    pub index: usize,
}

/// What the field stage extracts from one project's rows.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Project {
    pub year: Option<i32>,
    pub title: Option<String>,
    pub department: Option<String>,
    pub department_code: Option<String>,
    pub implementing_unit: Option<String>,
    pub project_name: Option<String>,
    pub project_category: Option<String>,
    pub planned_start: Option<String>,
    pub planned_end: Option<String>,
    pub government_procurement: Option<bool>,
    pub performance_type: Option<String>,
    pub overview: Option<String>,
    pub basis: Option<String>,
    pub necessity: Option<String>,
    pub safeguards: Option<String>,
    pub implementation_plan: Option<String>,
    pub goals: Option<String>,
    pub goals_long_term: Option<String>,
    pub budget: Budget,
    pub indicators: Vec<Indicator>,
    /// Unknown labels in source order; an empty value is `null`.
    #[serde(serialize_with = "ordered_map", deserialize_with = "ordered_pairs")]
    pub extra: Vec<(String, Option<String>)>,
    pub warnings: Vec<Warning>,
    /// Which source cells fed which key; kept in memory for `show` and
    /// the report, never written to `records.jsonl`.
    #[serde(skip)]
    pub provenance: Provenance,
}

/// A cell of the source table: its row number (as in `source.first_row`:
/// the 1-based line, sheet row or table row) and its 0-based column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellRef {
    pub row: u32,
    pub col: u32,
}

/// The cells a record's values were read from, recorded at extraction so
/// a reviewer sees the very cell that fed each value (no search by text).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Provenance {
    /// One entry per filled key, in the order they were read.
    pub fields: Vec<FieldCells>,
    /// One entry per indicator, in the order of `indicators`.
    pub indicators: Vec<IndicatorCells>,
}

/// Where one record key's value came from. (Inline storage: a record's
/// dozens of these cost no allocation each.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldCells {
    /// The key as a path into the record: `title`, `year`, `department`,
    /// `budget.total`, `extra.填报人` (an `extra` key).
    pub key: CompactString,
    /// The label cell (`项目名称：`); the value cell itself for an inline
    /// `label：value` cell; `None` for titles and year lines.
    pub label: Option<CellRef>,
    /// The cell(s) the value was read from.
    pub value: SmallVec<[CellRef; 2]>,
}

/// Where one indicator's keys came from: `level1`, `level2` (the cell
/// the name was filled down from), `level3`, and `target` (the merged
/// target cell, or in the split shape `op`, `value` and `unit` cells).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndicatorCells {
    pub cells: SmallVec<[(&'static str, CellRef); 7]>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Budget {
    pub total: Option<Amount>,
    pub current_year: Option<Amount>,
    pub prior_year_budget: Option<Amount>,
    pub prior_year_executed: Option<Amount>,
    /// The funding-source lines (`其中：财政拨款`), in source order.
    #[serde(default)]
    pub sources: Vec<FundingSource>,
}

/// One funding-source line of a budget (`其中：财政拨款 ⇥ 10000万元`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FundingSource {
    pub name: String,
    pub amount: Option<Amount>,
}

/// Its texts are short (a level name, a target, a unit: up to 24 bytes,
/// eight CJK characters, are kept inline): a table's hundreds of them
/// cost no allocation each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Indicator {
    /// Levels are aligned to the right: `level3` is the name; a
    /// two-level table has no `level1`.
    pub level1: Option<CompactString>,
    pub level2: Option<CompactString>,
    pub level3: CompactString,
    pub target: CompactString,
    pub op: Option<Op>,
    pub value: Option<Num>,
    pub value_max: Option<Num>,
    pub unit: Option<CompactString>,
    pub kind: Kind,
    /// The indicator's place in the national framework (`output.quantity`).
    pub category: Option<Category>,
    /// `annual` or `long_term` for tables with two blocks.
    pub period: Option<Period>,
    /// The name is marked as a core indicator (`★`).
    pub core: bool,
    /// 分值 / 权重.
    pub weight: Option<Num>,
    /// Every other column of the table, header → text.
    #[serde(serialize_with = "ordered_map", deserialize_with = "ordered_pairs")]
    pub extra: Vec<(String, Option<String>)>,
    /// The source row the indicator was read from.
    pub row: u32,
}

/// An indicator's category in the national framework of performance
/// indicators (产出/成本/效益/满意度 …), read from its level texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Category {
    #[serde(rename = "output.quantity")]
    OutputQuantity,
    #[serde(rename = "output.quality")]
    OutputQuality,
    #[serde(rename = "output.timeliness")]
    OutputTimeliness,
    #[serde(rename = "output.cost")]
    OutputCost,
    #[serde(rename = "output")]
    Output,
    #[serde(rename = "cost.economic")]
    CostEconomic,
    #[serde(rename = "cost.social")]
    CostSocial,
    #[serde(rename = "cost.ecological")]
    CostEcological,
    #[serde(rename = "benefit.economic")]
    BenefitEconomic,
    #[serde(rename = "benefit.social")]
    BenefitSocial,
    #[serde(rename = "benefit.ecological")]
    BenefitEcological,
    #[serde(rename = "benefit.sustainable")]
    BenefitSustainable,
    #[serde(rename = "satisfaction")]
    Satisfaction,
    #[serde(rename = "input_management")]
    InputManagement,
    #[serde(rename = "outcome")]
    Outcome,
    #[serde(rename = "impact")]
    Impact,
}

impl Category {
    /// Every category, in the contract's order.
    pub const ALL: [Category; 16] = [
        Category::OutputQuantity,
        Category::OutputQuality,
        Category::OutputTimeliness,
        Category::OutputCost,
        Category::Output,
        Category::CostEconomic,
        Category::CostSocial,
        Category::CostEcological,
        Category::BenefitEconomic,
        Category::BenefitSocial,
        Category::BenefitEcological,
        Category::BenefitSustainable,
        Category::Satisfaction,
        Category::InputManagement,
        Category::Outcome,
        Category::Impact,
    ];

    /// The value written in `category`.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::OutputQuantity => "output.quantity",
            Category::OutputQuality => "output.quality",
            Category::OutputTimeliness => "output.timeliness",
            Category::OutputCost => "output.cost",
            Category::Output => "output",
            Category::CostEconomic => "cost.economic",
            Category::CostSocial => "cost.social",
            Category::CostEcological => "cost.ecological",
            Category::BenefitEconomic => "benefit.economic",
            Category::BenefitSocial => "benefit.social",
            Category::BenefitEcological => "benefit.ecological",
            Category::BenefitSustainable => "benefit.sustainable",
            Category::Satisfaction => "satisfaction",
            Category::InputManagement => "input_management",
            Category::Outcome => "outcome",
            Category::Impact => "impact",
        }
    }
}

/// Which block of a two-block indicator table an indicator is from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Annual,
    LongTerm,
}

impl Period {
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Annual => "annual",
            Period::LongTerm => "long_term",
        }
    }
}

/// Comparison operator of a quantitative target (`>=95%` → `ge`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    Eq,
    Ge,
    Le,
    Gt,
    Lt,
    Range,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Quantitative,
    Qualitative,
}

/// One line of `--emit indicators`. `(source_path, source_member,
/// source_index)` joins it to exactly one record.
#[derive(Debug, Serialize)]
pub struct FlatIndicator<'a> {
    pub schema_version: u32,
    pub record_id: &'a str,
    pub source_path: &'a str,
    pub source_member: Option<&'a str>,
    pub source_index: usize,
    pub indicator_index: usize,
    pub year: Option<i32>,
    pub department: Option<&'a str>,
    pub implementing_unit: Option<&'a str>,
    pub project_name: Option<&'a str>,
    /// The first record's `record_id` when the record is a duplicate
    /// (set by the writer, as the record's `duplicate_of`).
    pub duplicate_of: Option<&'a str>,
    #[serde(flatten)]
    pub indicator: &'a Indicator,
}

/// A number read from an indicator: written as a JSON integer when whole.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct Num(pub f64);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
        let v = self.0;
        if v.fract() == 0.0 && v.abs() < EXACT {
            s.serialize_i64(v as i64)
        } else {
            s.serialize_f64(v)
        }
    }
}

/// An amount of money in fen (0.01 yuan), written as yuan: an integer
/// when whole, else with at most two decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Amount {
    pub fen: i64,
}

impl Amount {
    pub fn yuan(self) -> f64 {
        self.fen as f64 / 100.0
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.fen % 100 == 0 {
            s.serialize_i64(self.fen / 100)
        } else {
            // The nearest double to a two-decimal number prints back as
            // that number (shortest round-trip formatting) below 2^53 fen.
            s.serialize_f64(self.yuan())
        }
    }
}

impl<'de> Deserialize<'de> for Amount {
    /// Yuan (an integer, or a number with at most two decimals) back to fen.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Yuan;
        impl Visitor<'_> for Yuan {
            type Value = Amount;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an amount in yuan")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Amount, E> {
                v.checked_mul(100)
                    .map(|fen| Amount { fen })
                    .ok_or_else(|| E::custom(format!("amount {v} out of range")))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Amount, E> {
                i64::try_from(v)
                    .map_err(|_| E::custom(format!("amount {v} out of range")))
                    .and_then(|v| self.visit_i64(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Amount, E> {
                let fen = (v * 100.0).round();
                if fen.is_finite() && fen.abs() < 9_007_199_254_740_992.0 {
                    Ok(Amount { fen: fen as i64 })
                } else {
                    Err(E::custom(format!("amount {v} out of range")))
                }
            }
        }
        d.deserialize_any(Yuan)
    }
}

fn ordered_map<S: Serializer>(pairs: &[(String, Option<String>)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(pairs.iter().map(|(k, v)| (k, v)))
}

/// `extra` read back in the order of the line (a map would sort it).
fn ordered_pairs<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Vec<(String, Option<String>)>, D::Error> {
    struct Pairs;
    impl<'de> Visitor<'de> for Pairs {
        type Value = Vec<(String, Option<String>)>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object of strings or nulls")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(0));
            while let Some(pair) = map.next_entry()? {
                pairs.push(pair);
            }
            Ok(pairs)
        }
    }
    d.deserialize_map(Pairs)
}

/// Serialises a record as one JSON line (with its `\n`). A record whose
/// line would exceed [`MAX_LINE_BYTES`] has its longest text fields cut,
/// and a `text_truncated` warning says which.
pub fn to_json_line(record: &mut Record) -> serde_json::Result<Vec<u8>> {
    let mut line = Vec::new();
    append_json_line(&mut line, record)?;
    Ok(line)
}

/// About how many bytes [`to_json_line`] writes for `record` (a
/// document's buffer is sized once for all its lines).
pub fn json_line_size_hint(record: &Record) -> usize {
    json::size_hint(record) + 1
}

/// [`to_json_line`], written at the end of `out` (a document's lines go
/// into one buffer, with no copy per line).
pub fn append_json_line(out: &mut Vec<u8>, record: &mut Record) -> serde_json::Result<()> {
    let start = out.len();
    out.reserve(json::size_hint(record) + 1);
    json::write_record(out, record)?;
    // Each round cuts the longest text by the excess (escaping can make
    // the line longer than the text, hence more rounds); the bound only
    // guards against a logic error.
    for _ in 0..64 {
        let len = out.len() - start;
        if len < MAX_LINE_BYTES {
            break;
        }
        let excess = len + 4096 - MAX_LINE_BYTES;
        let Some((name, mut text)) = longest_text(&mut record.project) else {
            break;
        };
        let before = text.as_str().len();
        let keep = floor_char_boundary(text.as_str(), before.saturating_sub(excess));
        text.truncate(keep);
        record.project.warnings.push(Warning::new(
            WarningCode::TextTruncated,
            format!(
                "{name} was {before} bytes; cut to {keep} bytes so that the line stays under 16 MiB"
            ),
        ));
        out.truncate(start);
        json::write_record(out, record)?;
    }
    out.push(b'\n');
    Ok(())
}

/// A text field a too-long line may cut.
enum TextMut<'a> {
    Plain(&'a mut String),
    Compact(&'a mut CompactString),
}

impl TextMut<'_> {
    fn as_str(&self) -> &str {
        match self {
            TextMut::Plain(s) => s,
            TextMut::Compact(s) => s,
        }
    }

    fn truncate(&mut self, len: usize) {
        match self {
            TextMut::Plain(s) => s.truncate(len),
            TextMut::Compact(s) => s.truncate(len),
        }
    }
}

fn longest_text(p: &mut Project) -> Option<(String, TextMut<'_>)> {
    let mut fields: Vec<(String, TextMut<'_>)> = Vec::new();
    for (name, f) in [
        ("overview", &mut p.overview),
        ("basis", &mut p.basis),
        ("necessity", &mut p.necessity),
        ("safeguards", &mut p.safeguards),
        ("implementation_plan", &mut p.implementation_plan),
        ("goals", &mut p.goals),
        ("goals_long_term", &mut p.goals_long_term),
        ("project_name", &mut p.project_name),
        ("department", &mut p.department),
    ] {
        if let Some(t) = f.as_mut() {
            fields.push((name.to_string(), TextMut::Plain(t)));
        }
    }
    for (k, v) in p.extra.iter_mut() {
        if let Some(t) = v.as_mut() {
            fields.push((format!("extra.{k}"), TextMut::Plain(t)));
        }
    }
    for w in p.warnings.iter_mut() {
        fields.push((
            format!("warning {}", w.code),
            TextMut::Plain(&mut w.message),
        ));
    }
    for (i, ind) in p.indicators.iter_mut().enumerate() {
        fields.push((
            format!("indicators[{i}].level3"),
            TextMut::Compact(&mut ind.level3),
        ));
        fields.push((
            format!("indicators[{i}].target"),
            TextMut::Compact(&mut ind.target),
        ));
    }
    fields.into_iter().max_by_key(|(_, t)| t.as_str().len())
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Record {
        Record {
            schema_version: SCHEMA_VERSION,
            record_id: "0123456789abcdef-0".into(),
            source: Source {
                path: "a.txt".into(),
                member: None,
                sha256: "00".into(),
                format: "text".into(),
                encoding: Some("UTF-8".into()),
                sheet: None,
                page: None,
                index: 0,
                first_row: 1,
                last_row: 2,
            },
            duplicate_of: None,
            project: Project::default(),
        }
    }

    /// Absent values are `null`, never omitted (the integration test
    /// `every_line_has_exactly_the_contract_keys` checks the full key set).
    #[test]
    fn absent_values_are_written_as_null() {
        let line = String::from_utf8(to_json_line(&mut record()).unwrap()).unwrap();
        assert!(line.contains(r#""budget":{"total":null,"current_year":null,"prior_year_budget":null,"prior_year_executed":null,"sources":[]}"#));
        assert!(line.contains(r#""year":null,"title":null"#));
        assert!(line.ends_with("}\n"));
    }

    #[test]
    fn amounts_are_integers_when_whole() {
        let j = |fen| serde_json::to_string(&Amount { fen }).unwrap();
        assert_eq!(j(4_109_862_000), "41098620");
        assert_eq!(j(123_456_789), "1234567.89");
        assert_eq!(j(150), "1.5");
        assert_eq!(j(-5), "-0.05");
        assert_eq!(j(0), "0");
    }

    #[test]
    fn numbers_are_integers_when_whole() {
        let j = |v| serde_json::to_string(&Num(v)).unwrap();
        assert_eq!(j(100.0), "100");
        assert_eq!(j(99.5), "99.5");
        assert_eq!(j(0.1), "0.1");
        assert_eq!(j(-5.0), "-5");
    }

    #[test]
    fn extra_keeps_source_order_and_nulls() {
        let mut r = record();
        r.project.extra = vec![
            ("联系人".into(), Some("张三".into())),
            ("备注".into(), None),
        ];
        let line = String::from_utf8(to_json_line(&mut r).unwrap()).unwrap();
        assert!(
            line.contains(r#""extra":{"联系人":"张三","备注":null}"#),
            "{line}"
        );
    }

    #[test]
    fn overlong_records_are_cut_with_a_warning() {
        let mut r = record();
        r.project.overview = Some("概".repeat(7 * 1024 * 1024)); // 21 MiB of UTF-8
        r.project.basis = Some("短".into());
        let line = to_json_line(&mut r).unwrap();
        assert!(line.len() < MAX_LINE_BYTES, "{}", line.len());
        assert_eq!(r.project.warnings.len(), 1);
        assert_eq!(r.project.warnings[0].code.as_str(), "text_truncated");
        assert!(r.project.warnings[0].message.starts_with("overview was"));
        assert_eq!(r.project.basis.as_deref(), Some("短"));
        let v: serde_json::Value = serde_json::from_slice(&line).unwrap();
        assert!(v["overview"].as_str().unwrap().chars().all(|c| c == '概'));
    }

    /// Every golden line reads back into a `Record` and writes out to
    /// the very same bytes: the review commands read records typed.
    #[test]
    fn golden_lines_round_trip_through_record() {
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut checked = 0;
        for dir in std::fs::read_dir(&fixtures).expect("fixtures") {
            let dir = dir.expect("entry").path();
            let Ok(files) = std::fs::read_dir(&dir) else {
                continue;
            };
            for file in files {
                let file = file.expect("entry").path();
                if !file.to_string_lossy().ends_with(".expected.jsonl") {
                    continue;
                }
                let text = std::fs::read_to_string(&file).expect("golden");
                for line in text.split_inclusive('\n') {
                    let mut record: Record = serde_json::from_str(line)
                        .unwrap_or_else(|e| panic!("{}: {e}\n{line}", file.display()));
                    let back = to_json_line(&mut record).expect("serialises");
                    assert_eq!(String::from_utf8_lossy(&back), line, "{}", file.display());
                    checked += 1;
                }
            }
        }
        assert!(checked > 20, "only {checked} golden lines");
    }

    #[test]
    fn extra_reads_back_in_line_order() {
        let mut r = record();
        r.project.extra = vec![
            ("联系人".into(), Some("张三".into())),
            ("备注".into(), None),
            ("甲".into(), Some("乙".into())),
        ];
        let line = to_json_line(&mut r).unwrap();
        let back: Record = serde_json::from_slice(&line).unwrap();
        assert_eq!(back.project.extra, r.project.extra);
        let amounts: Budget =
            serde_json::from_str(r#"{"total":41098620,"current_year":1234567.89,"prior_year_budget":-0.05,"prior_year_executed":null}"#).unwrap();
        assert_eq!(amounts.total, Some(Amount { fen: 4_109_862_000 }));
        assert_eq!(amounts.current_year, Some(Amount { fen: 123_456_789 }));
        assert_eq!(amounts.prior_year_budget, Some(Amount { fen: -5 }));
        assert_eq!(amounts.prior_year_executed, None);
    }
}
