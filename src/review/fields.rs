//! A record's values by key, typed, for the views (`show`, the report).

use crate::model::{Amount, Indicator, Kind, Num, Project};
use crate::table::target::Op;

/// The value of a project field (a key of [`crate::model::FIELD_LABELS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field<'a> {
    Text(&'a str),
    Year(i32),
    Bool(bool),
}

/// The value of the project field `key`; `None` when absent or unknown.
pub fn field<'a>(p: &'a Project, key: &str) -> Option<Field<'a>> {
    let text = |t: &'a Option<String>| t.as_deref().map(Field::Text);
    match key {
        "year" => p.year.map(Field::Year),
        "government_procurement" => p.government_procurement.map(Field::Bool),
        "title" => text(&p.title),
        "department" => text(&p.department),
        "department_code" => text(&p.department_code),
        "implementing_unit" => text(&p.implementing_unit),
        "project_name" => text(&p.project_name),
        "project_category" => text(&p.project_category),
        "planned_start" => text(&p.planned_start),
        "planned_end" => text(&p.planned_end),
        "performance_type" => text(&p.performance_type),
        "overview" => text(&p.overview),
        "basis" => text(&p.basis),
        "necessity" => text(&p.necessity),
        "safeguards" => text(&p.safeguards),
        "implementation_plan" => text(&p.implementation_plan),
        "goals" => text(&p.goals),
        "goals_long_term" => text(&p.goals_long_term),
        _ => None,
    }
}

/// The budget amount `key` (a key of [`crate::model::BUDGET_LABELS`]).
pub fn budget(p: &Project, key: &str) -> Option<Amount> {
    let b = &p.budget;
    match key {
        "total" => b.total,
        "current_year" => b.current_year,
        "prior_year_budget" => b.prior_year_budget,
        "prior_year_executed" => b.prior_year_executed,
        _ => None,
    }
}

/// An amount in yuan as the records file writes it (`41098620`, `1.5`).
pub fn amount_text(a: Amount) -> String {
    serde_json::to_string(&a).unwrap_or_default()
}

/// A number as the records file writes it (`100`, `99.5`).
pub fn num_text(n: Num) -> String {
    serde_json::to_string(&n).unwrap_or_default()
}

/// `op` as the records file writes it.
pub fn op_name(op: Op) -> &'static str {
    match op {
        Op::Eq => "eq",
        Op::Ge => "ge",
        Op::Le => "le",
        Op::Gt => "gt",
        Op::Lt => "lt",
        Op::Range => "range",
    }
}

pub fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Quantitative => "quantitative",
        Kind::Qualitative => "qualitative",
    }
}

/// The text of each key of [`crate::model::INDICATOR_KEYS`] a reviewer
/// reads, in order, up to `weight` (empty when null; `extra` and `row`
/// are shown with the source rows instead).
pub fn indicator_texts(ind: &Indicator) -> [String; 13] {
    [
        ind.level1.as_deref().unwrap_or_default().to_string(),
        ind.level2.as_deref().unwrap_or_default().to_string(),
        ind.level3.to_string(),
        ind.target.to_string(),
        ind.op.map(op_name).unwrap_or_default().to_string(),
        ind.value.map(num_text).unwrap_or_default(),
        ind.value_max.map(num_text).unwrap_or_default(),
        ind.unit.as_deref().unwrap_or_default().to_string(),
        kind_name(ind.kind).to_string(),
        ind.category
            .map(|c| c.as_str())
            .unwrap_or_default()
            .to_string(),
        ind.period
            .map(|p| p.as_str())
            .unwrap_or_default()
            .to_string(),
        if ind.core { "★" } else { "" }.to_string(),
        ind.weight.map(num_text).unwrap_or_default(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_labelled_key_has_a_value() {
        let p = Project {
            year: Some(2020),
            government_procurement: Some(false),
            ..Project::default()
        };
        for (key, _) in crate::model::FIELD_LABELS {
            let v = field(&p, key);
            match key {
                "year" => assert_eq!(v, Some(Field::Year(2020))),
                "government_procurement" => assert_eq!(v, Some(Field::Bool(false))),
                _ => assert_eq!(v, None, "{key}"),
            }
        }
        // every key is known: a project with each text set to its key
        let mut json: Vec<String> = crate::model::FIELD_LABELS
            .iter()
            .filter(|(k, _)| !matches!(*k, "year" | "government_procurement"))
            .map(|(k, _)| format!("\"{k}\":\"{k}\""))
            .collect();
        json.push(r#""budget":{"total":1.5,"current_year":null,"prior_year_budget":null,"prior_year_executed":null}"#.into());
        json.push(r#""indicators":[],"extra":{},"warnings":[]"#.into());
        let full: Project =
            serde_json::from_str(&format!("{{{}}}", json.join(","))).expect("a project");
        for (key, _) in crate::model::FIELD_LABELS {
            if !matches!(key, "year" | "government_procurement") {
                assert_eq!(field(&full, key), Some(Field::Text(key)));
            }
        }
        assert_eq!(
            budget(&full, "total").map(amount_text).as_deref(),
            Some("1.5")
        );
        for (key, _) in crate::model::BUDGET_LABELS.iter().skip(1) {
            assert_eq!(budget(&full, key), None);
        }
    }
}
