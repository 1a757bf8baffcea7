//! The run stage: every document of the walk through the pure stages in
//! parallel ([`pipeline`], [`supervise`]), one document at a time
//! ([`document`]), and the results written in input order by one
//! [`writer`] into atomic files ([`output`]) with a [`manifest`] that
//! accounts for every file. [`config`] holds the run's settings.

pub mod config;
pub mod document;
pub mod manifest;
pub mod output;
pub mod pipeline;
pub mod supervise;
pub mod writer;
