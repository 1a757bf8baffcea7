//! A record written as JSON by hand, byte for byte as `serde_json` writes
//! the derived [`Serialize`](serde::Serialize) impls (compact, keys in
//! field order, `null` for `None`, the same string escapes), only faster:
//! serialising was a tenth of a run, most of it `serde_json` scanning
//! string bytes one at a time for the few that need an escape, and
//! `#[serde(flatten)]` going through its map adapter. Here strings are
//! scanned eight bytes at a time ([`write_str`]). The derived impls stay
//! (reading records back, `--emit indicators`), and the tests check both
//! ways agree.

use super::{
    Amount, Budget, DuplicateOf, Indicator, Kind, Num, Op, Project, Record, Source, Warning,
};

/// Writes `record` as one JSON object (no line end).
pub(super) fn write_record(out: &mut Vec<u8>, record: &Record) -> serde_json::Result<()> {
    out.extend_from_slice(b"{\"schema_version\":");
    write_int(out, record.schema_version);
    out.extend_from_slice(b",\"record_id\":");
    write_str(out, &record.record_id);
    out.extend_from_slice(b",\"source\":");
    write_source(out, &record.source);
    out.extend_from_slice(b",\"duplicate_of\":");
    write_duplicate_of(out, record.duplicate_of.as_ref());
    // `project` is flattened into the record
    write_project_fields(out, &record.project)?;
    out.push(b'}');
    Ok(())
}

/// About how many bytes [`write_record`] writes (the line end included),
/// so that the line is allocated once: the text, plus the keys and
/// punctuation around it (escapes can make it a little longer).
pub(super) fn size_hint(record: &Record) -> usize {
    let p = &record.project;
    let s = &record.source;
    let texts = [
        &p.title,
        &p.department,
        &p.department_code,
        &p.implementing_unit,
        &p.project_name,
        &p.project_category,
        &p.planned_start,
        &p.planned_end,
        &p.performance_type,
        &p.overview,
        &p.basis,
        &p.necessity,
        &p.safeguards,
        &p.implementation_plan,
        &p.goals,
        &p.goals_long_term,
        &s.member,
        &s.sheet,
    ];
    let indicators: usize = p
        .indicators
        .iter()
        .map(|i| {
            let extra: usize = i.extra.iter().map(|(k, v)| 8 + k.len() + len(v)).sum();
            let levels = len(&i.level1) + len(&i.level2);
            240 + levels + i.level3.len() + i.target.len() + extra
        })
        .sum();
    let sources: usize = p.budget.sources.iter().map(|s| 40 + s.name.len()).sum();
    let extra: usize = p.extra.iter().map(|(k, v)| 8 + k.len() + len(v)).sum();
    let warnings: usize = p.warnings.iter().map(|w| 48 + w.message.len()).sum();
    1024 + texts.into_iter().map(len).sum::<usize>()
        + s.path.len()
        + indicators
        + sources
        + extra
        + warnings
}

/// The length of an optional text (`String` or `CompactString`), 0 when
/// absent.
fn len<S: AsRef<str>>(s: &Option<S>) -> usize {
    s.as_ref().map_or(0, |s| s.as_ref().len())
}

fn write_source(out: &mut Vec<u8>, s: &Source) {
    out.extend_from_slice(b"{\"path\":");
    write_str(out, &s.path);
    out.extend_from_slice(b",\"member\":");
    write_opt_str(out, s.member.as_deref());
    out.extend_from_slice(b",\"sha256\":");
    write_str(out, &s.sha256);
    out.extend_from_slice(b",\"format\":");
    write_str(out, &s.format);
    out.extend_from_slice(b",\"encoding\":");
    write_opt_str(out, s.encoding.as_deref());
    out.extend_from_slice(b",\"sheet\":");
    write_opt_str(out, s.sheet.as_deref());
    out.extend_from_slice(b",\"page\":");
    match s.page {
        Some(p) => write_int(out, p),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"index\":");
    write_int(out, s.index);
    out.extend_from_slice(b",\"first_row\":");
    write_int(out, s.first_row);
    out.extend_from_slice(b",\"last_row\":");
    write_int(out, s.last_row);
    out.push(b'}');
}

/// The project's keys, each preceded by a comma (they follow `source`).
fn write_project_fields(out: &mut Vec<u8>, p: &Project) -> serde_json::Result<()> {
    out.extend_from_slice(b",\"year\":");
    match p.year {
        Some(y) => write_int(out, y),
        None => out.extend_from_slice(b"null"),
    }
    let texts: [(&[u8], &Option<String>); 8] = [
        (b",\"title\":", &p.title),
        (b",\"department\":", &p.department),
        (b",\"department_code\":", &p.department_code),
        (b",\"implementing_unit\":", &p.implementing_unit),
        (b",\"project_name\":", &p.project_name),
        (b",\"project_category\":", &p.project_category),
        (b",\"planned_start\":", &p.planned_start),
        (b",\"planned_end\":", &p.planned_end),
    ];
    for (key, value) in texts {
        out.extend_from_slice(key);
        write_opt_str(out, value.as_deref());
    }
    out.extend_from_slice(b",\"government_procurement\":");
    out.extend_from_slice(match p.government_procurement {
        Some(true) => b"true",
        Some(false) => b"false",
        None => b"null",
    });
    let texts: [(&[u8], &Option<String>); 8] = [
        (b",\"performance_type\":", &p.performance_type),
        (b",\"overview\":", &p.overview),
        (b",\"basis\":", &p.basis),
        (b",\"necessity\":", &p.necessity),
        (b",\"safeguards\":", &p.safeguards),
        (b",\"implementation_plan\":", &p.implementation_plan),
        (b",\"goals\":", &p.goals),
        (b",\"goals_long_term\":", &p.goals_long_term),
    ];
    for (key, value) in texts {
        out.extend_from_slice(key);
        write_opt_str(out, value.as_deref());
    }
    out.extend_from_slice(b",\"budget\":");
    write_budget(out, &p.budget)?;
    out.extend_from_slice(b",\"indicators\":[");
    for (i, ind) in p.indicators.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_indicator(out, ind)?;
    }
    out.extend_from_slice(b"],\"extra\":");
    write_pairs(out, &p.extra);
    out.extend_from_slice(b",\"warnings\":[");
    for (i, w) in p.warnings.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_warning(out, w);
    }
    out.push(b']');
    Ok(())
}

/// An ordered `extra` object: `{"key":"text" or null, …}`.
fn write_pairs(out: &mut Vec<u8>, pairs: &[(String, Option<String>)]) {
    out.push(b'{');
    for (i, (key, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(out, key);
        out.push(b':');
        write_opt_str(out, value.as_deref());
    }
    out.push(b'}');
}

fn write_duplicate_of(out: &mut Vec<u8>, d: Option<&DuplicateOf>) {
    let Some(d) = d else {
        out.extend_from_slice(b"null");
        return;
    };
    out.extend_from_slice(b"{\"record_id\":");
    write_str(out, &d.record_id);
    out.extend_from_slice(b",\"path\":");
    write_str(out, &d.path);
    out.extend_from_slice(b",\"member\":");
    write_opt_str(out, d.member.as_deref());
    out.extend_from_slice(b",\"index\":");
    write_int(out, d.index);
    out.push(b'}');
}

/// The `duplicate_of` object of a record, as written in its line.
pub fn duplicate_of_json(d: &DuplicateOf) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + d.record_id.len() + d.path.len());
    write_duplicate_of(&mut out, Some(d));
    out
}

fn write_budget(out: &mut Vec<u8>, b: &Budget) -> serde_json::Result<()> {
    let amounts: [(&[u8], Option<Amount>); 4] = [
        (b"{\"total\":", b.total),
        (b",\"current_year\":", b.current_year),
        (b",\"prior_year_budget\":", b.prior_year_budget),
        (b",\"prior_year_executed\":", b.prior_year_executed),
    ];
    for (key, amount) in amounts {
        out.extend_from_slice(key);
        match amount {
            Some(a) => serde_json::to_writer(&mut *out, &a)?,
            None => out.extend_from_slice(b"null"),
        }
    }
    out.extend_from_slice(b",\"sources\":[");
    for (i, source) in b.sources.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"name\":");
        write_str(out, &source.name);
        out.extend_from_slice(b",\"amount\":");
        match source.amount {
            Some(a) => serde_json::to_writer(&mut *out, &a)?,
            None => out.extend_from_slice(b"null"),
        }
        out.push(b'}');
    }
    out.extend_from_slice(b"]}");
    Ok(())
}

fn write_indicator(out: &mut Vec<u8>, ind: &Indicator) -> serde_json::Result<()> {
    out.extend_from_slice(b"{\"level1\":");
    write_opt_str(out, ind.level1.as_deref());
    out.extend_from_slice(b",\"level2\":");
    write_opt_str(out, ind.level2.as_deref());
    out.extend_from_slice(b",\"level3\":");
    write_str(out, &ind.level3);
    out.extend_from_slice(b",\"target\":");
    write_str(out, &ind.target);
    out.extend_from_slice(b",\"op\":");
    out.extend_from_slice(match ind.op {
        None => b"null".as_slice(),
        Some(Op::Eq) => b"\"eq\"",
        Some(Op::Ge) => b"\"ge\"",
        Some(Op::Le) => b"\"le\"",
        Some(Op::Gt) => b"\"gt\"",
        Some(Op::Lt) => b"\"lt\"",
        Some(Op::Range) => b"\"range\"",
    });
    out.extend_from_slice(b",\"value\":");
    write_num(out, ind.value)?;
    out.extend_from_slice(b",\"value_max\":");
    write_num(out, ind.value_max)?;
    out.extend_from_slice(b",\"unit\":");
    write_opt_str(out, ind.unit.as_deref());
    out.extend_from_slice(match ind.kind {
        Kind::Quantitative => b",\"kind\":\"quantitative\"".as_slice(),
        Kind::Qualitative => b",\"kind\":\"qualitative\"",
    });
    out.extend_from_slice(b",\"category\":");
    write_name(out, ind.category.map(|c| c.as_str()));
    out.extend_from_slice(b",\"period\":");
    write_name(out, ind.period.map(|p| p.as_str()));
    out.extend_from_slice(if ind.core {
        b",\"core\":true".as_slice()
    } else {
        b",\"core\":false"
    });
    out.extend_from_slice(b",\"weight\":");
    write_num(out, ind.weight)?;
    out.extend_from_slice(b",\"extra\":");
    write_pairs(out, &ind.extra);
    out.extend_from_slice(b",\"row\":");
    write_int(out, ind.row);
    out.push(b'}');
    Ok(())
}

/// A name of the contract's vocabulary (`output.quantity`, `annual`):
/// ASCII with nothing to escape, quoted; `null` for none.
fn write_name(out: &mut Vec<u8>, name: Option<&str>) {
    match name {
        Some(n) => {
            out.push(b'"');
            out.extend_from_slice(n.as_bytes());
            out.push(b'"');
        }
        None => out.extend_from_slice(b"null"),
    }
}

fn write_num(out: &mut Vec<u8>, n: Option<Num>) -> serde_json::Result<()> {
    match n {
        Some(n) => serde_json::to_writer(&mut *out, &n),
        None => {
            out.extend_from_slice(b"null");
            Ok(())
        }
    }
}

fn write_warning(out: &mut Vec<u8>, w: &Warning) {
    out.extend_from_slice(b"{\"code\":\"");
    // the codes are lowercase ASCII and underscores: nothing to escape
    out.extend_from_slice(w.code.as_str().as_bytes());
    out.extend_from_slice(b"\",\"message\":");
    write_str(out, &w.message);
    out.push(b'}');
}

/// A whole number as JSON writes it (`Display` of an integer is exactly
/// what `serde_json` writes).
fn write_int(out: &mut Vec<u8>, n: impl itoa_like::Int) {
    n.write(out);
}

fn write_opt_str(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => write_str(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

const LO: u64 = u64::from_ne_bytes([0x01; 8]);
const HI: u64 = u64::from_ne_bytes([0x80; 8]);

/// Whether any of the eight bytes in `w` needs an escape: a control
/// character (below 0x20), `"` or `\`. Exact (the word tricks can only
/// misplace a hit, never invent or miss one, and only presence is asked).
#[inline]
fn needs_escape(w: u64) -> bool {
    let below_space = w.wrapping_sub(LO * 0x20) & !w;
    let x = w ^ (LO * u64::from(b'"'));
    let quote = x.wrapping_sub(LO) & !x;
    let y = w ^ (LO * u64::from(b'\\'));
    let backslash = y.wrapping_sub(LO) & !y;
    (below_space | quote | backslash) & HI != 0
}

/// A string as `serde_json` writes it: quoted, `"` and `\` escaped with a
/// backslash, `\b \f \n \r \t` by name, other control characters as
/// `\u00XX` (lowercase hex), everything else (all non-ASCII) as is.
pub(super) fn write_str(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    out.reserve(b.len() + 2);
    out.push(b'"');
    let mut start = 0; // first byte not yet copied
    let mut chunks = b.chunks_exact(8);
    for (n, chunk) in chunks.by_ref().enumerate() {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_ne_bytes(word);
        // all eight bytes non-ASCII (CJK text): nothing to escape
        if word & HI != HI && needs_escape(word) {
            escape_bytes(out, b, &mut start, n * 8..n * 8 + 8);
        }
    }
    let tail = b.len() - chunks.remainder().len();
    escape_bytes(out, b, &mut start, tail..b.len());
    out.extend_from_slice(&b[start..]);
    out.push(b'"');
}

/// Writes the bytes of `b` from `start` up to each byte in `range` that
/// needs an escape, then its escape; `start` moves past it.
fn escape_bytes(out: &mut Vec<u8>, b: &[u8], start: &mut usize, range: std::ops::Range<usize>) {
    for i in range {
        if let Some(escape) = escape_of(b[i]) {
            out.extend_from_slice(&b[*start..i]);
            escape.write(out);
            *start = i + 1;
        }
    }
}

/// How one byte is escaped (`None`: written as is).
enum Escape {
    Short(u8),
    Control(u8),
}

impl Escape {
    fn write(self, out: &mut Vec<u8>) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        match self {
            Escape::Short(c) => out.extend_from_slice(&[b'\\', c]),
            Escape::Control(c) => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(c >> 4)],
                HEX[usize::from(c & 0xF)],
            ]),
        }
    }
}

#[inline]
fn escape_of(c: u8) -> Option<Escape> {
    match c {
        b'"' => Some(Escape::Short(b'"')),
        b'\\' => Some(Escape::Short(b'\\')),
        0x08 => Some(Escape::Short(b'b')),
        0x0C => Some(Escape::Short(b'f')),
        b'\n' => Some(Escape::Short(b'n')),
        b'\r' => Some(Escape::Short(b'r')),
        b'\t' => Some(Escape::Short(b't')),
        0x00..=0x1F => Some(Escape::Control(c)),
        _ => None,
    }
}

/// Integers written in decimal without going through `fmt`.
mod itoa_like {
    pub trait Int: Copy {
        fn write(self, out: &mut Vec<u8>);
    }

    fn write_u64(out: &mut Vec<u8>, mut n: u64) {
        let mut buf = [0u8; 20];
        let mut at = buf.len();
        loop {
            at -= 1;
            buf[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        out.extend_from_slice(&buf[at..]);
    }

    impl Int for u32 {
        fn write(self, out: &mut Vec<u8>) {
            write_u64(out, u64::from(self));
        }
    }

    impl Int for usize {
        fn write(self, out: &mut Vec<u8>) {
            write_u64(out, self as u64);
        }
    }

    impl Int for i32 {
        fn write(self, out: &mut Vec<u8>) {
            if self < 0 {
                out.push(b'-');
            }
            write_u64(out, u64::from(self.unsigned_abs()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CellRef, FieldCells, IndicatorCells, Provenance, WarningCode};

    fn json_str(s: &str) -> String {
        let mut out = Vec::new();
        write_str(&mut out, s);
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn strings_escape_as_serde_json_escapes_them() {
        let mut samples: Vec<String> = vec![
            String::new(),
            "项目名称".into(),
            "a\"b\\c".into(),
            "\u{7f}\u{80}\u{2028}\u{fffd}".into(),
            "完成率>=95%\t\n\r\u{8}\u{c}\u{0}\u{1f}".into(),
        ];
        // every ASCII byte at every offset of a 17-byte string
        for c in 0u8..0x80 {
            for at in 0..17 {
                let mut s = "一二三四五".to_string().into_bytes();
                s.truncate(15);
                s.extend_from_slice(b"xy");
                s[at] = c;
                // keep it UTF-8: pad the cut character out with ASCII
                let s = String::from_utf8_lossy(&s).into_owned();
                samples.push(s);
            }
        }
        for s in samples {
            assert_eq!(json_str(&s), serde_json::to_string(&s).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn integers_as_serde_json_writes_them() {
        for n in [0i32, 1, -1, 9, 10, 2020, i32::MIN, i32::MAX] {
            let mut out = Vec::new();
            write_int(&mut out, n);
            assert_eq!(out, serde_json::to_vec(&n).unwrap());
        }
        for n in [0usize, 7, 100, usize::MAX] {
            let mut out = Vec::new();
            write_int(&mut out, n);
            assert_eq!(out, serde_json::to_vec(&n).unwrap());
        }
        let mut out = Vec::new();
        write_int(&mut out, u32::MAX);
        assert_eq!(out, serde_json::to_vec(&u32::MAX).unwrap());
    }

    /// Every key, every variant, `null`s and escapes: the same bytes as
    /// the derived impls give.
    #[test]
    fn a_record_is_written_as_the_derived_impls_write_it() {
        let indicator = |op, kind, value: Option<f64>| Indicator {
            level1: value.map(|_| "产出指标".into()),
            level2: Some("数量\"指标\"".into()),
            level3: "完成\\率".into(),
            target: ">=95%".into(),
            op,
            value: value.map(Num),
            value_max: value.map(|v| Num(v * 1.5)),
            unit: value.map(|_| "%".into()),
            kind,
            category: value.map(|_| crate::model::Category::OutputQuantity),
            period: value.map(|_| crate::model::Period::LongTerm),
            core: value.is_some(),
            weight: value.map(Num),
            extra: vec![
                ("绩效标准".into(), Some("说明".into())),
                ("备注".into(), None),
            ],
            row: 4_000_000_000,
        };
        let ops = [
            None,
            Some(Op::Eq),
            Some(Op::Ge),
            Some(Op::Le),
            Some(Op::Gt),
            Some(Op::Lt),
            Some(Op::Range),
        ];
        let mut record = Record {
            schema_version: 2,
            record_id: "0123456789abcdef-12".into(),
            source: Source {
                path: "dir/a b\t.txt".into(),
                member: Some("m/甲.txt".into()),
                sha256: "ab".repeat(32),
                format: "text".into(),
                encoding: Some("GBK".into()),
                sheet: Some("Sheet1".into()),
                page: Some(7),
                index: 12,
                first_row: 3,
                last_row: 4_000_000_000,
            },
            duplicate_of: Some(crate::model::DuplicateOf {
                record_id: "0123456789abcdef-0".into(),
                path: "b\"c.txt".into(),
                member: None,
                index: 0,
            }),
            project: Project {
                year: Some(-2020),
                title: Some("财政项目支出绩效目标表".into()),
                department: Some("某局\n二处".into()),
                department_code: Some("015001".into()),
                implementing_unit: None,
                project_name: None,
                project_category: Some("经常性".into()),
                planned_start: Some("2020-01-01".into()),
                planned_end: None,
                government_procurement: Some(true),
                performance_type: None,
                overview: Some("\u{0}\u{1}\u{1b}".into()),
                basis: Some(String::new()),
                necessity: None,
                safeguards: Some("x".repeat(100)),
                implementation_plan: None,
                goals: Some("1、\r\n2、".into()),
                goals_long_term: Some("长期".into()),
                budget: Budget {
                    total: Some(Amount { fen: 4_109_862_000 }),
                    current_year: Some(Amount { fen: 123_456_789 }),
                    prior_year_budget: Some(Amount { fen: -5 }),
                    prior_year_executed: None,
                    sources: vec![
                        crate::model::FundingSource {
                            name: "财政拨款".into(),
                            amount: Some(Amount { fen: 150 }),
                        },
                        crate::model::FundingSource {
                            name: "其他\"资金".into(),
                            amount: None,
                        },
                    ],
                },
                indicators: ops
                    .iter()
                    .enumerate()
                    .map(|(i, &op)| {
                        let kind = if i % 2 == 0 {
                            Kind::Quantitative
                        } else {
                            Kind::Qualitative
                        };
                        let value = [None, Some(1.0), Some(0.1), Some(1e21), Some(-2.5)][i % 5];
                        indicator(op, kind, value)
                    })
                    .collect(),
                extra: vec![
                    ("联系人".into(), Some("张三".into())),
                    ("备\"注".into(), None),
                ],
                warnings: WarningCode::ALL
                    .iter()
                    .map(|&c| Warning::new(c, format!("{c}: \"引号\"\n")))
                    .collect(),
                provenance: Provenance {
                    fields: vec![FieldCells {
                        key: "title".into(),
                        label: None,
                        value: smallvec::smallvec![CellRef { row: 1, col: 0 }],
                    }],
                    indicators: vec![IndicatorCells::default()],
                },
            },
        };
        let check = |r: &Record| {
            let mut out = Vec::new();
            write_record(&mut out, r).unwrap();
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(r).unwrap()
            );
        };
        check(&record);
        let mut line = Vec::new();
        write_record(&mut line, &record).unwrap();
        assert!(size_hint(&record) > line.len(), "{}", line.len());
        record.project = Project::default();
        record.source.member = None;
        record.source.encoding = None;
        record.source.sheet = None;
        record.source.page = None;
        record.duplicate_of = None;
        record.project.government_procurement = Some(false);
        check(&record);
    }
}
