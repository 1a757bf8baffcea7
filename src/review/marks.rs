//! Which record keys each source cell fed, from a project's provenance
//! (recorded by the table stage at extraction; nothing is searched by
//! text).

use std::collections::HashMap;

use crate::model::{CellRef, Provenance};

/// What one source cell did for a record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mark {
    /// The keys whose value was read from this cell, in reading order:
    /// `project_name`, `budget.total`, `extra.填报人`, `indicators[3].value`.
    pub fed: Vec<String>,
    /// The keys this cell is the label of (a label cell that is not also
    /// the value cell, as an inline `label：value` cell is).
    pub labels: Vec<String>,
}

impl Mark {
    /// The fed keys for people: runs of indicators that share a key are
    /// written once (`indicators[0–8].level1`, the name cell of a
    /// filled-down level).
    pub fn fed_text(&self) -> String {
        compact(&self.fed)
    }
}

/// Keys joined by `, `, with `indicators[N].key` of one `key` merged into
/// `indicators[0–2,5].key` at the place of the first.
pub fn compact(keys: &[String]) -> String {
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for key in keys {
        let indexed = key
            .strip_prefix("indicators[")
            .and_then(|k| k.split_once("]."))
            .and_then(|(i, name)| Some((i.parse::<usize>().ok()?, name)));
        match indexed {
            Some((i, name)) => {
                let name = format!("indicators[].{name}");
                match groups.iter_mut().find(|(k, _)| *k == name) {
                    Some((_, ns)) => ns.push(i),
                    None => groups.push((name, vec![i])),
                }
            }
            None => groups.push((key.clone(), Vec::new())),
        }
    }
    let shown: Vec<String> = groups
        .into_iter()
        .map(|(key, ns)| {
            if ns.is_empty() {
                return key;
            }
            let mut runs: Vec<(usize, usize)> = Vec::new();
            for n in ns {
                match runs.last_mut() {
                    Some((_, end)) if *end + 1 == n => *end = n,
                    _ => runs.push((n, n)),
                }
            }
            let runs: Vec<String> = runs
                .into_iter()
                .map(|(a, b)| {
                    if a == b {
                        a.to_string()
                    } else {
                        format!("{a}–{b}")
                    }
                })
                .collect();
            key.replacen("[]", &format!("[{}]", runs.join(",")), 1)
        })
        .collect();
    shown.join(", ")
}

/// The marks of every cell that fed or labelled something.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CellMarks(HashMap<CellRef, Mark>);

impl CellMarks {
    pub fn new(p: &Provenance) -> CellMarks {
        let mut marks: HashMap<CellRef, Mark> = HashMap::new();
        let mut fed = |cell: CellRef, key: String| {
            let m = marks.entry(cell).or_default();
            if !m.fed.contains(&key) {
                m.fed.push(key);
            }
        };
        for f in &p.fields {
            for cell in &f.value {
                fed(*cell, f.key.to_string());
            }
        }
        for (i, ind) in p.indicators.iter().enumerate() {
            for (name, cell) in &ind.cells {
                fed(*cell, format!("indicators[{i}].{name}"));
            }
        }
        for f in &p.fields {
            if let Some(label) = f.label.filter(|l| !f.value.contains(l)) {
                let m = marks.entry(label).or_default();
                if !m.labels.iter().any(|l| *l == f.key) {
                    m.labels.push(f.key.to_string());
                }
            }
        }
        CellMarks(marks)
    }

    /// The mark of the cell at `row` (as in `source.first_row`) and
    /// 0-based column `col`, if it fed or labelled anything.
    pub fn get(&self, row: u32, col: usize) -> Option<&Mark> {
        let col = u32::try_from(col).ok()?;
        self.0.get(&CellRef { row, col })
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{FieldCells, IndicatorCells};

    /// A hand-built provenance in the shape the table stage records:
    /// a label cell beside a value cell, an inline `label：value` cell,
    /// two value cells for one key, and split-shape indicator cells.
    pub(crate) fn provenance() -> Provenance {
        let at = |row, col| CellRef { row, col };
        Provenance {
            fields: vec![
                FieldCells {
                    key: "project_name".into(),
                    label: Some(at(42, 0)),
                    value: smallvec::smallvec![at(42, 1)],
                },
                FieldCells {
                    key: "department".into(),
                    label: Some(at(41, 0)),
                    value: smallvec::smallvec![at(41, 0)],
                },
                FieldCells {
                    key: "budget.total".into(),
                    label: Some(at(17, 0)),
                    value: smallvec::smallvec![at(17, 1)],
                },
                FieldCells {
                    key: "budget.current_year".into(),
                    label: Some(at(17, 2)),
                    value: smallvec::smallvec![at(17, 1)],
                },
            ],
            indicators: vec![IndicatorCells {
                cells: smallvec::smallvec![
                    ("level1", at(24, 0)),
                    ("level2", at(24, 1)),
                    ("level3", at(24, 2)),
                    ("op", at(24, 3)),
                    ("value", at(24, 4)),
                    ("unit", at(24, 5)),
                ],
            }],
        }
    }

    #[test]
    fn cells_are_marked_by_position() {
        let m = CellMarks::new(&provenance());
        assert_eq!(
            m.get(42, 1).map(|m| &m.fed[..]),
            Some(&["project_name".to_string()][..])
        );
        assert_eq!(
            m.get(42, 0).map(|m| &m.labels[..]),
            Some(&["project_name".to_string()][..])
        );
        assert!(m.get(42, 0).is_some_and(|m| m.fed.is_empty()));
        // inline `label：value`: the cell fed the key and is no mere label
        let inline = m.get(41, 0).expect("marked");
        assert_eq!(inline.fed, ["department"]);
        assert!(inline.labels.is_empty());
        // one cell, two keys, in reading order
        assert_eq!(
            m.get(17, 1).map(|m| m.fed.clone()),
            Some(vec!["budget.total".into(), "budget.current_year".into()])
        );
        assert_eq!(
            m.get(24, 4).map(|m| m.fed.clone()),
            Some(vec!["indicators[0].value".into()])
        );
        assert_eq!(
            m.get(24, 5).map(|m| m.fed.clone()),
            Some(vec!["indicators[0].unit".into()])
        );
        // cells outside the provenance are not marked
        assert_eq!(m.get(24, 6), None);
        assert_eq!(m.get(43, 1), None);
        assert!(CellMarks::new(&Provenance::default()).is_empty());
    }

    #[test]
    fn runs_of_indicators_are_written_once() {
        let keys = |ks: &[&str]| ks.iter().map(|k| k.to_string()).collect::<Vec<_>>();
        assert_eq!(
            compact(&keys(&[
                "indicators[0].level1",
                "indicators[1].level1",
                "indicators[2].level1",
                "indicators[5].level1",
                "indicators[0].level2",
            ])),
            "indicators[0–2,5].level1, indicators[0].level2"
        );
        assert_eq!(
            compact(&keys(&["budget.total", "budget.current_year"])),
            "budget.total, budget.current_year"
        );
        assert_eq!(compact(&[]), "");
    }
}
