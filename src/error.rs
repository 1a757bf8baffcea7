//! Typed errors of the per-document stages.
//!
//! A [`DocError`] is what one input (file or zip member) can fail with; it
//! knows its `stage` and a stable machine-readable `code` for the errors
//! file (documented in the README). Fatal run errors (an unwritable output)
//! are `anyhow` errors at the top, in `main.rs`.

use crate::decode::DecodeError;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DocError {
    #[error("not found")]
    NotFound,
    #[error("cannot read: {0}")]
    Io(#[source] std::io::Error),
    #[error("file is {size} bytes, over the limit of {limit} bytes (--max-file-size)")]
    TooLarge { size: u64, limit: u64 },
    #[error("{0}")]
    Decode(#[from] DecodeError),
    #[error(
        "no performance target table found (no title such as 财政项目支出绩效目标表, no 项目名称, no indicator table)"
    )]
    NoProjects,
    #[error("internal error while reading this document (panic): {0}")]
    Panic(String),
    #[error("cannot serialise a record: {0}")]
    Serialize(#[source] serde_json::Error),
}

impl DocError {
    /// The pipeline stage that failed: `read`, `decode`, `parse`, `split`,
    /// `normalise` or `write`.
    pub fn stage(&self) -> &'static str {
        match self {
            DocError::NotFound | DocError::Io(_) | DocError::TooLarge { .. } => "read",
            DocError::Decode(DecodeError::Empty) => "read",
            DocError::Decode(_) => "decode",
            DocError::NoProjects => "split",
            DocError::Panic(_) => "parse",
            DocError::Serialize(_) => "write",
        }
    }

    /// A stable code for the errors file.
    pub fn code(&self) -> &'static str {
        match self {
            DocError::NotFound => "not_found",
            DocError::Io(_) => "io",
            DocError::TooLarge { .. } => "too_large",
            DocError::Decode(e) => e.code(),
            DocError::NoProjects => "no_projects",
            DocError::Panic(_) => "panic",
            DocError::Serialize(_) => "serialize",
        }
    }
}
