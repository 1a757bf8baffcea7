//! jixiao turns Chinese fiscal project expenditure performance target
//! tables (财政项目支出绩效目标表) into JSON Lines for data warehouses.
//!
//! The pipeline, one module per stage, plain data between them:
//! [`input`] walks folders into a sorted list of documents ([`archive`]
//! lists the members of zip archives); for each document (in parallel,
//! [`pipeline`]) [`decode`] detects the encoding and decodes, [`read`]
//! turns text, workbooks and HTML pages into rows of cells, [`clean`] strips HTML
//! fragments from cells, [`split`] cuts the rows into one block per
//! project, [`fields`] reads labelled fields (with the vocabulary in
//! [`labels`]) and [`indicator`] the indicator table, whose targets
//! [`target`] normalises; [`record`] is the serde model of the output
//! contract and [`write`] writes whole files atomically. [`document`]
//! composes the pure stages for one document.
//!
//! ```
//! use jixiao::document::{Limits, Origin, extract};
//! use jixiao::input::Format;
//! use jixiao::target::Op;
//!
//! let tsv = "财政项目支出绩效目标表\n(2020年度)\n项目名称：\t示例项目\n\
//!            一级目标\t二级目标\t三级目标\t指标目标值\n产出目标\t数量\t参观人数\t>=2000人\n";
//! let origin = Origin { path: "a.txt", member: None, format: Format::Text };
//! let records = extract(origin, tsv.as_bytes(), &Limits::default()).expect("one project");
//! let project = &records[0].project;
//! assert_eq!(project.project_name.as_deref(), Some("示例项目"));
//! assert_eq!(project.year, Some(2020));
//! assert_eq!(project.indicators[0].op, Some(Op::Ge));
//! assert_eq!(records[0].source.first_row, 1);
//! ```

pub mod archive;
pub mod clean;
pub mod cli;
pub mod config;
pub mod decode;
pub mod document;
pub mod error;
pub mod fields;
pub mod indicator;
pub mod input;
pub mod labels;
pub mod pipeline;
pub mod read;
pub mod record;
pub mod report;
pub mod review;
pub mod split;
pub mod supervise;
pub mod target;
pub mod write;
