//! The run stage: every document of the walk through the pure stages in
//! parallel ([`pipeline`], [`supervise`]), one document at a time
//! ([`document`]), and the output written whole and in input order
//! ([`output`]).

pub mod config;
pub mod document;
pub mod manifest;
pub mod output;
pub mod pipeline;
pub mod supervise;
