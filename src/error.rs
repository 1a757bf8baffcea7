//! Typed errors of the per-document stages.
//!
//! A [`DocError`] is what one input (file or zip member) can fail with; it
//! knows its `stage` and a stable machine-readable `code` for the errors
//! file (documented in the README). Fatal run errors (an unwritable output)
//! are `anyhow` errors at the top, in `main.rs`.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::decode::DecodeError;
use crate::read::ReadError;
use crate::read::docx::DocxError;
use crate::read::html::HtmlError;
use crate::read::pdf::PdfError;
use crate::read::sheet::SheetError;
use crate::source::SourceError;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DocError {
    /// Finding or opening the input (a missing path, an unreadable file,
    /// a broken or hostile archive).
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("file is {size} bytes, over the limit of {limit} bytes (--max-file-size)")]
    TooLarge { size: u64, limit: u64 },
    /// Found while reading, past a size that was not known or was
    /// reported smaller (standard input, a `/proc` file, a growing file).
    #[error("more than {limit} bytes were read: over the limit (--max-file-size)")]
    ReadPastLimit { limit: u64 },
    #[error(
        "the document holds at least {count} projects, over the limit of {limit} (--max-projects)"
    )]
    TooManyProjects { count: usize, limit: usize },
    #[error("{0}")]
    Decode(#[from] DecodeError),
    #[error("{0}")]
    Sheet(#[from] SheetError),
    #[error("{0}")]
    Html(HtmlError),
    #[error("{0}")]
    Docx(#[from] DocxError),
    #[error("{0}")]
    Pdf(#[from] PdfError),
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// A format known and not read (`.doc`, `.wps`).
    #[error("unsupported format: {0}")]
    UnsupportedFormat(String),
    #[error("the archive holds no document jixiao reads ({0} members of other types)")]
    EmptyArchive(usize),
    #[error(
        "no performance target table found (no title such as 财政项目支出绩效目标表, no 项目名称, no indicator table){}",
        read_as_note(*.read_as)
    )]
    NoProjects {
        /// The encoding the text was decoded as (`None` for a workbook):
        /// named, because text read in the wrong encoding (a page whose
        /// `<meta charset>` lies) finds nothing.
        read_as: Option<&'static str>,
    },
    #[error("internal error while reading this document (panic): {0}")]
    Panic(String),
    /// In-process (`--no-isolate`); a worker process past the deadline is
    /// a `timeout` line of its own (`run::isolate`).
    #[error(
        "not finished within the time budget of {0:?} (--timeout); its thread was left to finish it in the background"
    )]
    Timeout(std::time::Duration),
    #[error("cannot serialise a record: {0}")]
    Serialize(#[source] serde_json::Error),
}

/// Why a job gave no records, as the errors file tells it: a
/// [`DocError`]'s stage, code and message, or a worker's end (`crashed`,
/// `out_of_memory`, `timeout`) that has no `DocError`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub stage: Cow<'static, str>,
    pub code: Cow<'static, str>,
    pub message: String,
}

impl From<DocError> for Failure {
    fn from(e: DocError) -> Failure {
        Failure {
            stage: Cow::Borrowed(e.stage()),
            code: Cow::Borrowed(e.code()),
            message: e.to_string(),
        }
    }
}

/// A page that cannot be decoded fails like any text: the decode error is
/// the document's error, so its stage and code are decided in one place.
impl From<HtmlError> for DocError {
    fn from(e: HtmlError) -> DocError {
        match e {
            HtmlError::Decode(d) => DocError::Decode(d),
            other => DocError::Html(other),
        }
    }
}

/// A reader's error keeps its own variant, stage and code.
impl From<ReadError> for DocError {
    fn from(e: ReadError) -> DocError {
        match e {
            ReadError::Decode(e) => DocError::Decode(e),
            ReadError::Html(e) => DocError::from(e),
            ReadError::Sheet(e) => DocError::Sheet(e),
            ReadError::Docx(e) => DocError::Docx(e),
            ReadError::Pdf(e) => DocError::Pdf(e),
            ReadError::Unsupported(message) => DocError::Unsupported(message),
            ReadError::UnsupportedFormat(message) => DocError::UnsupportedFormat(message),
        }
    }
}

/// `; the text was read as GBK` (empty for a workbook).
fn read_as_note(read_as: Option<&str>) -> String {
    read_as.map_or_else(String::new, |enc| {
        format!("; the text was read as {enc}: if that is not its encoding, that is why")
    })
}

impl DocError {
    /// The pipeline stage that failed: `read`, `decode`, `parse`, `split`,
    /// `normalise` or `write`.
    pub fn stage(&self) -> &'static str {
        match self {
            DocError::Source(_)
            | DocError::TooLarge { .. }
            | DocError::ReadPastLimit { .. }
            | DocError::Unsupported(_)
            | DocError::UnsupportedFormat(_) => "read",
            DocError::Decode(DecodeError::Empty) => "read",
            DocError::Decode(_) => "decode",
            DocError::Sheet(_) | DocError::Pdf(_) => "read",
            DocError::Html(_) => "parse",
            DocError::Docx(e) => e.stage(),
            DocError::NoProjects { .. }
            | DocError::EmptyArchive(_)
            | DocError::TooManyProjects { .. } => "split",
            DocError::Panic(_) | DocError::Timeout(_) => "parse",
            DocError::Serialize(_) => "write",
        }
    }

    /// A stable code for the errors file.
    pub fn code(&self) -> &'static str {
        match self {
            DocError::Source(e) => e.code(),
            DocError::TooLarge { .. }
            | DocError::ReadPastLimit { .. }
            | DocError::TooManyProjects { .. } => "too_large",
            DocError::Unsupported(_) => "unsupported",
            DocError::UnsupportedFormat(_) => "unsupported_format",
            DocError::Decode(e) => e.code(),
            DocError::Sheet(e) => e.code(),
            DocError::Pdf(e) => e.code(),
            DocError::Html(e) => e.code(),
            DocError::Docx(e) => e.code(),
            DocError::NoProjects { .. } | DocError::EmptyArchive(_) => "no_projects",
            DocError::Panic(_) => "panic",
            DocError::Timeout(_) => "timeout",
            DocError::Serialize(_) => "serialize",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_undecodable_page_fails_like_undecodable_text() {
        let empty = DocError::from(HtmlError::Decode(DecodeError::Empty));
        assert_eq!((empty.stage(), empty.code()), ("read", "empty"));
        let deep = DocError::from(HtmlError::TooDeep {
            depth: 513,
            offset: 0,
            limit: 512,
        });
        assert_eq!((deep.stage(), deep.code()), ("parse", "too_deep"));
    }
}
