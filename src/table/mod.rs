//! The table stage: a table's rows of cells → one [`crate::model::Project`]
//! per project.
//!
//! [`classify`] analyses every row once (title, year line, indicator
//! header, heading, indicator row, or label/value items), using the
//! layout vocabulary of [`vocabulary`]; [`split`] cuts the classified rows
//! into one block per project; [`fields`] reads each block's labelled
//! fields and budget and hands its indicator table to [`indicator`], whose
//! targets [`target`] normalises. Each reader records the cells it read
//! ([`crate::model::Provenance`]). [`row`] is the masked row view they share.

pub mod classify;
pub mod fields;
pub mod indicator;
pub mod layout;
pub mod row;
pub mod split;
pub mod target;
pub mod values;
pub mod vocabulary;
