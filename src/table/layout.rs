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
    if cell.len() > MAX_HEADER_BYTES {
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
        .binary_search_by(|(name, _)| (name.len(), name.as_bytes()).cmp(&(s.len(), s.as_bytes())))
        .ok()
        .map(|i| HEADER_NAMES[i].1)?;
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

/// No header cell is longer (a name of up to 10 characters, a qualifying
/// bracket, spaces).
pub const MAX_HEADER_BYTES: usize = 90;

/// The header names of an indicator table's columns (without colon or a
/// qualifying bracket), as data; sorted by length, then bytes, for a
/// binary search (a test checks the order).
pub(crate) const HEADER_NAMES: &[(&str, Column)] = &[
    ("分值", Column::Weight),
    ("单位", Column::Unit),
    ("备注", Column::Extra),
    ("权重", Column::Weight),
    ("符号", Column::Operator),
    ("说明", Column::Extra),
    ("指标值", Column::Value),
    ("目标值", Column::Value),
    ("计算符", Column::Operator),
    ("一级指标", Column::Level1),
    ("一级目标", Column::Level1),
    ("三级指标", Column::Level3),
    ("三级目标", Column::Level3),
    ("二级指标", Column::Level2),
    ("二级目标", Column::Level2),
    ("度量单位", Column::Unit),
    ("指标内容", Column::Content),
    ("指标分值", Column::Weight),
    ("指标名称", Column::Level3),
    ("指标权重", Column::Weight),
    ("指标解释", Column::Extra),
    ("指标说明", Column::Extra),
    ("绩效标准", Column::Extra),
    ("考核标准", Column::Extra),
    ("计算符号", Column::Operator),
    ("计量单位", Column::Unit),
    ("评分标准", Column::Extra),
    ("评分细则", Column::Extra),
    ("运算符号", Column::Operator),
    ("上年实际值", Column::Extra),
    ("年度指标值", Column::Value),
    ("年度目标值", Column::Value),
    ("年度预期值", Column::Value),
    ("指标目标值", Column::Value),
    ("绩效指标值", Column::Value),
    ("计划指标值", Column::Value),
    ("预期实现值", Column::Value),
    ("预期目标值", Column::Value),
    ("评(扣)分标准", Column::Extra),
    ("一级绩效指标", Column::Level1),
    ("一级绩效目标", Column::Level1),
    ("三级指标名称", Column::Level3),
    ("三级绩效指标", Column::Level3),
    ("三级绩效目标", Column::Level3),
    ("二级绩效指标", Column::Level2),
    ("二级绩效目标", Column::Level2),
    ("指标值及单位", Column::Value),
    ("上年度实际水平", Column::Extra),
    ("当年预期实现值", Column::Value),
    ("评（扣）分标准", Column::Extra),
    ("保障绩效目标实现措施", Column::Extra),
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

/// The group headings, squeezed, without unit or length hint; sorted by
/// length, then bytes, for a binary search (a test checks the order).
const GROUPS: &[(&str, Group)] = &[
    ("基本情况", Group::Other),
    ("总体目标", Group::Goals),
    ("立项情况", Group::Other),
    ("绩效指标", Group::Indicators),
    ("绩效目标", Group::Goals),
    ("资金情况", Group::Funding),
    ("资金来源", Group::Funding),
    ("资金构成", Group::Funding),
    ("项目资金", Group::Funding),
    ("项目预算", Group::Other),
    ("绩效指标表", Group::Indicators),
    ("中期绩效指标", Group::Indicators),
    ("年度绩效指标", Group::Indicators),
    ("支出明细预算", Group::Other),
    ("绩效目标情况", Group::Goals),
    ("长期绩效指标", Group::Indicators),
    ("项目基本信息", Group::Other),
    ("项目基本情况", Group::Other),
    ("项目立项情况", Group::Other),
    ("项目绩效指标", Group::Indicators),
    ("项目绩效目标", Group::Goals),
    ("项目资金情况", Group::Funding),
    ("项目资金来源", Group::Funding),
    ("项目资金申请", Group::Funding),
    ("绩效项目指标表", Group::Indicators),
    ("资金总额及构成", Group::Funding),
    ("项目绩效指标表", Group::Indicators),
    ("项目实施进度计划", Group::Other),
    ("项目支出内容及明细预算", Group::Other),
    ("项目年度绩效目标衡量指标", Group::Indicators),
];

/// The first characters of [`GROUPS`].
const GROUP_STARTS: &[char] = &['项', '资', '总', '绩', '年', '长', '中', '基', '立', '支'];

/// A group heading cell and the money unit it names (`资金情况（万元）`).
pub fn group_heading(cell: &str) -> Option<(Group, Option<MoneyUnit>)> {
    if cell.len() > 60 {
        return None;
    }
    // A label with its colon (`项目名称：`) is no heading.
    if cell.ends_with(['：', ':']) {
        return None;
    }
    // Every group heading starts with one of these (checked by a test).
    let first = cell.chars().find(|c| !c.is_whitespace());
    if !first.is_some_and(|c| GROUP_STARTS.contains(&c)) {
        return None;
    }
    let text = strip_colon(cell).trim();
    let (key, unit) = label_key(text);
    let key = key.as_ref();
    GROUPS
        .binary_search_by(|(g, _)| (g.len(), g.as_bytes()).cmp(&(key.len(), key.as_bytes())))
        .ok()
        .map(|i| (GROUPS[i].1, unit))
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
    // One pass over the text's character pairs (level texts are short,
    // and a table has thousands of them): which keywords it holds.
    const QUANTITY: u32 = 1;
    const QUALITY: u32 = 1 << 1;
    const TIMELY: u32 = 1 << 2;
    const COST: u32 = 1 << 3;
    const BENEFIT: u32 = 1 << 4;
    const ECONOMIC: u32 = 1 << 5;
    const SOCIAL: u32 = 1 << 6;
    const ECOLOGICAL: u32 = 1 << 7;
    const SUSTAINABLE: u32 = 1 << 8;
    const SATISFACTION: u32 = 1 << 9;
    const INPUT: u32 = 1 << 10;
    const EFFECT: u32 = 1 << 11;
    const IMPACT: u32 = 1 << 12;
    const OUTPUT: u32 = 1 << 13;
    let mut has = 0u32;
    let mut prev = '\0';
    for c in text.chars() {
        has |= match (prev, c) {
            ('数', '量') => QUANTITY,
            ('质', '量') => QUALITY,
            ('时', '效') => TIMELY,
            ('成', '本') => COST,
            ('效', '益') => BENEFIT,
            ('经', '济') => ECONOMIC,
            ('社', '会') => SOCIAL,
            ('生', '态') | ('环', '境') => ECOLOGICAL,
            ('可', '持') => SUSTAINABLE,
            ('满', '意') => SATISFACTION,
            ('投', '入') | ('过', '程') | ('管', '理') => INPUT,
            ('效', '果') => EFFECT,
            ('影', '响') => IMPACT,
            ('产', '出') => OUTPUT,
            _ => 0,
        };
        prev = c;
    }
    if has == 0 {
        return None;
    }
    let kinds = [ECONOMIC, SOCIAL, ECOLOGICAL]
        .iter()
        .filter(|&&k| has & k != 0)
        .count();
    Some(if has & QUANTITY != 0 {
        Category::OutputQuantity
    } else if has & QUALITY != 0 {
        Category::OutputQuality
    } else if has & TIMELY != 0 {
        Category::OutputTimeliness
    } else if has & COST != 0 {
        if has & ECONOMIC != 0 {
            Category::CostEconomic
        } else if has & SOCIAL != 0 {
            Category::CostSocial
        } else if has & ECOLOGICAL != 0 {
            Category::CostEcological
        } else {
            Category::OutputCost
        }
    } else if has & BENEFIT != 0 && kinds > 1 {
        // `社会、经济、生态效益指标`: the benefits as a whole
        Category::Outcome
    } else if has & BENEFIT != 0 && has & ECONOMIC != 0 {
        Category::BenefitEconomic
    } else if has & BENEFIT != 0 && has & SOCIAL != 0 {
        Category::BenefitSocial
    } else if has & BENEFIT != 0 && has & ECOLOGICAL != 0 {
        Category::BenefitEcological
    } else if has & SUSTAINABLE != 0 {
        Category::BenefitSustainable
    } else if has & SATISFACTION != 0 {
        Category::Satisfaction
    } else if has & INPUT != 0 {
        Category::InputManagement
    } else if has & (EFFECT | BENEFIT) != 0 {
        Category::Outcome
    } else if has & IMPACT != 0 {
        Category::Impact
    } else if has & OUTPUT != 0 {
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
        let order = |k: &str| (k.len(), k.as_bytes().to_vec());
        assert!(
            HEADER_NAMES
                .windows(2)
                .all(|w| order(w[0].0) < order(w[1].0)),
            "HEADER_NAMES sorted"
        );
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
            // indicator::header settles a row without 值 at once
            if *column == Column::Value {
                assert!(h.contains('值'), "{h}: a target column without 值");
            }
        }
    }

    #[test]
    fn every_group_heading_passes_the_first_character_filter() {
        let order = |k: &str| (k.len(), k.as_bytes().to_vec());
        assert!(
            GROUPS.windows(2).all(|w| order(w[0].0) < order(w[1].0)),
            "GROUPS sorted"
        );
        for (g, group) in GROUPS {
            assert_eq!(group_heading(g).map(|(x, _)| x), Some(*group), "{g}");
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
