//! The run stage: every document of the walk through the pure stages in
//! parallel ([`pipeline`], [`schedule`]), each in a worker process by
//! default ([`isolate`], [`child`], [`protocol`]), one document at a time
//! ([`job`], [`document`]), and the results written in input order by one
//! [`writer`] into atomic files ([`output`]) with a [`manifest`] that
//! accounts for every file; lines go to pipes and files without a copy
//! into a buffer ([`gather`]). [`config`] holds the run's settings.

pub mod child;
pub mod config;
pub mod document;
pub mod gather;
pub(crate) mod isolate;
pub(crate) mod job;
pub mod manifest;
pub mod output;
pub mod pipeline;
pub mod protocol;
pub mod schedule;
pub mod writer;
