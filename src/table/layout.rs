//! The vocabulary of a table's structure: the columns of an indicator
//! table (matched by meaning, with the block a heading names), the group
//! headings merged down a form's first column, and the category of an
//! indicator in the national framework. Pure functions of a cell's text,
//! as data tables, like the label vocabulary in
//! [`crate::table::vocabulary`].

use crate::model::{Category, Period};
use crate::table::vocabulary::{MoneyUnit, has_whitespace, label_key, squeeze, strip_colon};

/// The role of a column of the indicator table, from its header cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Level1,
    Level2,
    Level3,
    /// 指标内容: the name when it stands right after the 二级 column,
    /// else a description (an `extra` column).
    Content,
    /// The merged target cell (指标目标值), or the value column of the
    /// split shape (指标值).
    Value,
    Operator,
    Unit,
    /// 分值, 权重.
    Weight,
    /// A column outside the contract (绩效标准, 评分细则, 备注): `extra`.
    Extra,
}

/// The first characters of the header names [`header_cell`] knows.
pub(crate) const HEADER_STARTS: &[char] = &[
    '一', '二', '三', '指', '年', '目', '绩', '计', '运', '符', '度', '单', '当', '预', '分', '权',
    '评', '备', '保', '上', '说', '考',
];

/// Matches an indicator-table header cell by meaning.
pub fn column_for_header(cell: &str) -> Option<Column> {
    header_cell(cell).map(|(c, _)| c)
}

/// Matches an indicator-table header cell by meaning, with the block it
/// names (`指标值（年度）`, `二级指标（长期）`).
pub fn header_cell(cell: &str) -> Option<(Column, Option<Period>)> {
    if cell.len() > 90 {
        return None;
    }
    // Header names start with one of these (checked by a test).
    let first = cell.chars().find(|c| !c.is_whitespace());
    if !first.is_some_and(|c| HEADER_STARTS.contains(&c)) {
        return None;
    }
    // The longest header name is 10 characters (30 bytes), plus a colon:
    // longer cells need a bracket or spaces to be one.
    let t = cell.trim();
    if t.len() > 33 && !t.contains(['（', '(']) && !has_whitespace(t) {
        return None;
    }
    // `指标值（2021年）`, `指标目标值(定量或定性)`, `指标值(150字内)`: the
    // bracket only qualifies (and may name the block).
    let s = squeeze(strip_colon(cell));
    let (s, qualifier) = match s.find(['（', '(']) {
        Some(i) if i > 0 && s.ends_with(['）', ')']) => (&s[..i], &s[i..]),
        _ => (s.as_ref(), ""),
    };
    let column = HEADER_NAMES
        .iter()
        .find(|(name, _)| *name == s)
        .map(|(_, column)| *column)?;
    let named = match s {
        "年度指标值" | "年度目标值" | "年度预期值" => Some(Period::Annual),
        _ => None,
    };
    let period = period_of(qualifier).or(named);
    Some((column, period))
}

/// The block a text names: 长期, 中期, 实施期 → long term; 年度, 本年,
/// 当年 → annual.
pub fn period_of(text: &str) -> Option<Period> {
    if ["长期", "中期", "实施期"].iter().any(|w| text.contains(w)) {
        Some(Period::LongTerm)
    } else if ["年度", "本年", "当年"].iter().any(|w| text.contains(w)) {
        Some(Period::Annual)
    } else {
        None
    }
}

/// The header names of an indicator table's columns (without colon or a
/// qualifying bracket), as data.
pub(crate) const HEADER_NAMES: &[(&str, Column)] = &[
    ("一级目标", Column::Level1),
    ("一级指标", Column::Level1),
    ("一级绩效指标", Column::Level1),
    ("一级绩效目标", Column::Level1),
    ("二级目标", Column::Level2),
    ("二级指标", Column::Level2),
    ("二级绩效指标", Column::Level2),
    ("二级绩效目标", Column::Level2),
    ("三级目标", Column::Level3),
    ("三级指标", Column::Level3),
    ("三级指标名称", Column::Level3),
    ("指标名称", Column::Level3),
    ("三级绩效指标", Column::Level3),
    ("三级绩效目标", Column::Level3),
    ("指标内容", Column::Content),
    ("指标目标值", Column::Value),
    ("指标值", Column::Value),
    ("年度指标值", Column::Value),
    ("目标值", Column::Value),
    ("绩效指标值", Column::Value),
    ("年度目标值", Column::Value),
    ("指标值及单位", Column::Value),
    ("计划指标值", Column::Value),
    ("当年预期实现值", Column::Value),
    ("预期实现值", Column::Value),
    ("年度预期值", Column::Value),
    ("预期目标值", Column::Value),
    ("计算符号", Column::Operator),
    ("运算符号", Column::Operator),
    ("计算符", Column::Operator),
    ("符号", Column::Operator),
    ("计量单位", Column::Unit),
    ("度量单位", Column::Unit),
    ("单位", Column::Unit),
    ("分值", Column::Weight),
    ("权重", Column::Weight),
    ("指标分值", Column::Weight),
    ("指标权重", Column::Weight),
    ("绩效标准", Column::Extra),
    ("评分细则", Column::Extra),
    ("评分标准", Column::Extra),
    ("评(扣)分标准", Column::Extra),
    ("评（扣）分标准", Column::Extra),
    ("备注", Column::Extra),
    ("保障绩效目标实现措施", Column::Extra),
    ("指标解释", Column::Extra),
    ("指标说明", Column::Extra),
    ("说明", Column::Extra),
    ("考核标准", Column::Extra),
    ("上年度实际水平", Column::Extra),
    ("上年实际值", Column::Extra),
];

/// What a group heading (a row label merged down the rows of one part of
/// the form: `项目资金（万元）`, `绩效指标`) heads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// The funding block: its unlabelled lines are funding sources.
    Funding,
    /// The goal texts.
    Goals,
    /// The indicator table.
    Indicators,
    /// Any other part of the form (基本情况, 立项情况, 支出明细).
    Other,
}

/// The group headings, squeezed, without unit or length hint.
const GROUPS: &[(&str, Group)] = &[
    ("项目资金", Group::Funding),
    ("资金情况", Group::Funding),
    ("项目资金情况", Group::Funding),
    ("项目资金申请", Group::Funding),
    ("资金来源", Group::Funding),
    ("项目资金来源", Group::Funding),
    ("资金构成", Group::Funding),
    ("资金总额及构成", Group::Funding),
    ("项目预算", Group::Other),
    ("总体目标", Group::Goals),
    ("项目绩效目标", Group::Goals),
    ("绩效目标情况", Group::Goals),
    ("绩效目标", Group::Goals),
    ("绩效指标", Group::Indicators),
    ("年度绩效指标", Group::Indicators),
    ("长期绩效指标", Group::Indicators),
    ("中期绩效指标", Group::Indicators),
    ("项目绩效指标", Group::Indicators),
    ("项目年度绩效目标衡量指标", Group::Indicators),
    ("绩效项目指标表", Group::Indicators),
    ("项目绩效指标表", Group::Indicators),
    ("绩效指标表", Group::Indicators),
    ("项目基本情况", Group::Other),
    ("基本情况", Group::Other),
    ("项目基本信息", Group::Other),
    ("项目立项情况", Group::Other),
    ("立项情况", Group::Other),
    ("项目支出内容及明细预算", Group::Other),
    ("支出明细预算", Group::Other),
    ("项目实施进度计划", Group::Other),
];

/// A group heading cell and the money unit it names (`资金情况（万元）`).
pub fn group_heading(cell: &str) -> Option<(Group, Option<MoneyUnit>)> {
    if cell.len() > 60 {
        return None;
    }
    let text = strip_colon(cell).trim();
    let (key, unit) = label_key(text);
    GROUPS
        .iter()
        .find(|(g, _)| *g == key.as_ref())
        .map(|(_, group)| (*group, unit))
}

/// The category of an indicator in the national framework, from its
/// level texts: `level2` when it names one, else `level1` (spaces, 指标
/// and 目标 ignored).
pub fn category(level1: Option<&str>, level2: Option<&str>) -> Option<Category> {
    let upper = level1.and_then(category_of_text);
    match level2.and_then(category_of_text) {
        // `长效管理` under 影响力目标: a management word names the
        // input-management category only under it (or alone)
        Some(Category::InputManagement)
            if upper.is_some_and(|c| c != Category::InputManagement) =>
        {
            upper
        }
        Some(c) => Some(c),
        None => upper,
    }
}

fn category_of_text(text: &str) -> Option<Category> {
    let has = |w: &str| text.contains(w);
    Some(if has("数量") {
        Category::OutputQuantity
    } else if has("质量") {
        Category::OutputQuality
    } else if has("时效") {
        Category::OutputTimeliness
    } else if has("经济成本") {
        Category::CostEconomic
    } else if has("社会成本") {
        Category::CostSocial
    } else if has("生态成本") || has("环境成本") || has("生态环境成本") {
        Category::CostEcological
    } else if has("成本") {
        Category::OutputCost
    } else if ["经济", "社会", "生态"].iter().filter(|w| has(w)).count() > 1 {
        // `社会、经济、生态效益指标`: the benefits as a whole
        Category::Outcome
    } else if has("经济效益") {
        Category::BenefitEconomic
    } else if has("社会效益") {
        Category::BenefitSocial
    } else if has("生态效益") || has("环境效益") {
        Category::BenefitEcological
    } else if has("可持续") {
        Category::BenefitSustainable
    } else if has("满意度") {
        Category::Satisfaction
    } else if has("投入") || has("过程") || has("管理") {
        Category::InputManagement
    } else if has("效果") || has("效益") {
        Category::Outcome
    } else if has("影响力") {
        Category::Impact
    } else if has("产出") {
        Category::Output
    } else {
        return None;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_columns_by_meaning() {
        assert_eq!(column_for_header("一级绩效指标"), Some(Column::Level1));
        assert_eq!(column_for_header("二级指标"), Some(Column::Level2));
        assert_eq!(column_for_header("三级指标名称"), Some(Column::Level3));
        assert_eq!(column_for_header("指标名称"), Some(Column::Level3));
        assert_eq!(column_for_header("指标目标值"), Some(Column::Value));
        assert_eq!(column_for_header("年度指标值"), Some(Column::Value));
        assert_eq!(column_for_header("运算符号"), Some(Column::Operator));
        assert_eq!(column_for_header("计量单位"), Some(Column::Unit));
        assert_eq!(column_for_header("备注"), Some(Column::Extra));
        assert_eq!(column_for_header("项目名称"), None);
        assert_eq!(
            header_cell("指标值（长期）"),
            Some((Column::Value, Some(Period::LongTerm)))
        );
        assert_eq!(header_cell("指标值(150字内)"), Some((Column::Value, None)));
        assert_eq!(
            header_cell("计划指标值(或计划水平)"),
            Some((Column::Value, None))
        );
        assert_eq!(column_for_header("指标值（2021年）"), Some(Column::Value));
        assert_eq!(
            column_for_header("指标目标值(定量或定性)"),
            Some(Column::Value)
        );
    }

    #[test]
    fn the_first_character_prefilter_covers_every_header() {
        for (h, column) in HEADER_NAMES {
            assert_eq!(column_for_header(h), Some(*column), "{h}");
            assert!(
                h.chars().next().is_some_and(|c| HEADER_STARTS.contains(&c)),
                "{h}: its first character is not in HEADER_STARTS"
            );
            // column_for_header skips cells over 21 bytes without a bracket
            assert!(
                h.len() + ":".len() <= 33,
                "{h} is longer than the fast reject allows"
            );
        }
    }

    #[test]
    fn categories_from_level_texts() {
        let c = |l1, l2| category(l1, l2);
        assert_eq!(
            c(Some("产出指标"), Some("数量指标")),
            Some(Category::OutputQuantity)
        );
        assert_eq!(
            c(Some("效益指标"), Some("社会效益指标")),
            Some(Category::BenefitSocial)
        );
        assert_eq!(
            c(Some("影响力目标"), Some("长效管理")),
            Some(Category::Impact)
        );
        assert_eq!(
            c(Some("投入与管理"), Some("投入管理")),
            Some(Category::InputManagement)
        );
        assert_eq!(
            c(Some("实施效果指标"), Some("产出指标")),
            Some(Category::Output)
        );
        assert_eq!(c(None, Some("成本指标")), Some(Category::OutputCost));
        assert_eq!(
            c(Some("成本指标"), Some("经济成本指标")),
            Some(Category::CostEconomic)
        );
        assert_eq!(
            c(Some("效益指标"), Some("可持续影响指标")),
            Some(Category::BenefitSustainable)
        );
        assert_eq!(
            c(None, Some("社会公众或服务对象满意度指标")),
            Some(Category::Satisfaction)
        );
        assert_eq!(
            c(Some("效益指标"), Some("环境效益")),
            Some(Category::BenefitEcological)
        );
        assert_eq!(c(Some("效果目标"), None), Some(Category::Outcome));
        assert_eq!(c(Some("其他"), Some("其他")), None);
    }
}
