//! jixiao turns Chinese fiscal project expenditure performance target
//! tables (财政项目支出绩效目标表) into JSON Lines for data warehouses.
//!
//! The pipeline, one folder per stage, plain data between them, no stage
//! importing a later one:
//!
//! - [`source`] walks folders into a sorted list of documents and lists
//!   the members of zip archives;
//! - [`decode`] detects the encoding of text and decodes it;
//! - [`read`] turns text, workbooks and HTML pages into tables of rows of
//!   cells, and cleans HTML fragments out of cells;
//! - [`table`] classifies rows, splits them into one block per project,
//!   reads labelled fields, the budget and the indicator table;
//! - [`model`] is the serde model of the output contract;
//! - [`run`] drives every document through those stages in parallel and
//!   writes whole files atomically ([`run::document`] composes the pure
//!   stages for one document);
//! - [`review`] is for people: `show`, `sample` and the HTML report.
//!
//! [`cli`] holds the command line and its validated configuration,
//! [`error`] the per-document error every stage's error becomes, and
//! [`panic`](mod@panic) the one place a panic is caught.
//!
//! ```
//! use jixiao::run::document::{Limits, Origin, extract};
//! use jixiao::source::Format;
//! use jixiao::table::target::Op;
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

pub mod cli;
pub mod decode;
pub mod error;
pub mod model;
pub mod panic;
pub mod read;
pub mod review;
pub mod run;
pub mod source;
pub mod table;
