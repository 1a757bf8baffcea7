//! Every warning a record can carry, in one place: its code on the wire,
//! what it means and what triggers it. A warning is something a reviewer
//! should look at; `schema/record-format.md#warnings` is the contract.

use serde::{Deserialize, Serialize};

/// A warning's code (`warnings[].code`), snake_case on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningCode {
    /// A contract field the project should have is absent (项目名称,
    /// 申报单位, 年度), or an indicator has a target but no name, or no
    /// level above it to fill down from.
    MissingField,
    /// A 指标目标值 that looks numeric (digits, an operator) but could not
    /// be normalised into op/value/unit; kept verbatim in `target`.
    UnparsedTarget,
    /// A non-empty cell that is neither a field, a label's value, an
    /// `extra` entry nor part of an indicator: named with its row and
    /// column so that nothing is lost silently.
    UnplacedText,
    /// A labelled value that should be a date, a 是/否 or an amount but
    /// could not be read as one; the field stays null.
    UnparsedValue,
    /// An amount with more than two decimals in yuan, rounded to the fen.
    AmountRounded,
    /// A number in an amount's cell with no unit in the cell, its label,
    /// a heading or the table (`单位：万元`): not guessed; the text is
    /// kept in `extra`.
    AmountUnitUnknown,
    /// The same field labelled twice in one project: the first value is
    /// kept, the second goes to `extra` under its own label.
    DuplicateField,
    /// 当年预算 above 总预算, or 上年执行数 more than 10% above 上年预算.
    BudgetInconsistent,
    /// 计划完成日期 before 计划开始日期.
    DateOrder,
    /// The project has no indicator table.
    NoIndicators,
    /// Malformed bytes or NUL characters were replaced or removed while
    /// decoding the document, or cleaning a cell turned character
    /// references to NUL or to no character (`&#x0;`) into U+FFFD.
    DecodeReplaced,
    /// Some lines of a GBK document are UTF-8; each line was decoded in
    /// its own encoding.
    MixedEncoding,
    /// A text field was cut so that the record's line stays under 16 MiB.
    TextTruncated,
}

impl WarningCode {
    /// Every code, in the order of the contract's table.
    pub const ALL: [WarningCode; 13] = [
        WarningCode::MissingField,
        WarningCode::UnparsedTarget,
        WarningCode::UnplacedText,
        WarningCode::UnparsedValue,
        WarningCode::AmountRounded,
        WarningCode::AmountUnitUnknown,
        WarningCode::DuplicateField,
        WarningCode::BudgetInconsistent,
        WarningCode::DateOrder,
        WarningCode::NoIndicators,
        WarningCode::DecodeReplaced,
        WarningCode::MixedEncoding,
        WarningCode::TextTruncated,
    ];

    /// The code as written in `warnings[].code`.
    pub fn as_str(self) -> &'static str {
        match self {
            WarningCode::MissingField => "missing_field",
            WarningCode::UnparsedTarget => "unparsed_target",
            WarningCode::UnplacedText => "unplaced_text",
            WarningCode::UnparsedValue => "unparsed_value",
            WarningCode::AmountRounded => "amount_rounded",
            WarningCode::AmountUnitUnknown => "amount_unit_unknown",
            WarningCode::DuplicateField => "duplicate_field",
            WarningCode::BudgetInconsistent => "budget_inconsistent",
            WarningCode::DateOrder => "date_order",
            WarningCode::NoIndicators => "no_indicators",
            WarningCode::DecodeReplaced => "decode_replaced",
            WarningCode::MixedEncoding => "mixed_encoding",
            WarningCode::TextTruncated => "text_truncated",
        }
    }
}

impl std::fmt::Display for WarningCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One warning of a record: a code and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    pub code: WarningCode,
    pub message: String,
}

impl Warning {
    pub fn new(code: WarningCode, message: impl Into<String>) -> Warning {
        Warning {
            code,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_code_is_the_serde_name() {
        for code in WarningCode::ALL {
            let json = serde_json::to_string(&code).expect("serialises");
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            let back: WarningCode = serde_json::from_str(&json).expect("deserialises");
            assert_eq!(back, code);
        }
    }

    #[test]
    fn the_schema_and_the_contract_list_every_code() {
        let schema = include_str!("../../schema/record.schema.json");
        let contract = include_str!("../../schema/record-format.md");
        for code in WarningCode::ALL {
            assert!(
                schema.contains(&format!("\"{code}\"")),
                "{code} is not in schema/record.schema.json"
            );
            assert!(
                contract.contains(&format!("| `{code}` |")),
                "{code} has no row in schema/record-format.md"
            );
        }
    }
}
