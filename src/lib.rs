//! jixiao turns Chinese fiscal project expenditure performance target
//! tables (财政项目支出绩效目标表) into JSON Lines for data warehouses.
//!
//! The pipeline, one module per stage, plain data between them:
//! [`input`] walks folders into a sorted list of documents; for each
//! document (in parallel, [`pipeline`]) [`decode`] detects the encoding and
//! decodes, [`read`] turns text into rows of cells, [`clean`] strips HTML
//! fragments from cells, [`split`] cuts the rows into one block per
//! project, [`fields`] reads labelled fields (with the vocabulary in
//! [`labels`]) and [`indicator`] the indicator table, whose targets
//! [`target`] normalises; [`record`] is the serde model of the output
//! contract and [`write`] writes whole files atomically. [`document`]
//! composes the pure stages for one document.

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
pub mod split;
pub mod target;
pub mod write;
