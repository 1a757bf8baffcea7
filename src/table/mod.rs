//! The table stage: a table's rows of cells → one [`crate::model::Project`]
//! per project.
//!
//! [`vocabulary`] holds what the tables say (labels, titles, headers) as
//! data; [`split`] cuts the rows into one block per project; [`fields`]
//! reads labelled fields and hands the indicator table to [`indicator`],
//! whose targets [`target`] normalises.

pub mod fields;
pub mod indicator;
pub mod split;
pub mod target;
pub mod vocabulary;
