//! Word documents (`.docx`, `.docm`) → rows of cells.
//!
//! Department files often hold one 绩效目标表 per project, each a Word
//! table with its title and year as paragraphs above it. This reader turns
//! the document's body into the same [`Row`]s the HTML reader gives for a
//! page, so splitting and field extraction never learn where the rows came
//! from:
//!
//! * **One table of rows for the whole document** (`sheet` null, no
//!   pages), as for an HTML page: the titles between Word tables separate
//!   the projects, as they do in a text export.
//! * **Rows are numbered 1, 2, … in document order**, counting every table
//!   row (`w:tr`, empty ones included) of every table and every paragraph
//!   outside tables that holds text (empty paragraphs, which Word uses for
//!   spacing, are not counted) — the HTML reader's count. A nested table's
//!   rows follow the row that holds it.
//! * **Merged cells line up**: a cell `w:gridSpan` columns wide is followed
//!   by empty cells, and a `w:vMerge` continuation is an empty cell (it
//!   repeats nothing, as a merged spreadsheet cell), so the pipeline fills
//!   the level columns down as it does for every other format.
//! * **Text is plain text**: a cell's paragraphs are joined with `\n`, and
//!   the clean stage handles it as it handles a text export's cells (see
//!   [`body`] for line breaks, tabs, text boxes, tracked changes).
//!
//! Only `word/document.xml` (or the main part `_rels/.rels` names) is read:
//! headers, footers, footnotes and comments hold no 绩效目标表.
//!
//! A `.docx` is untrusted: it is a zip, so its main part is decompressed
//! within `--max-member-size` and `--max-zip-ratio` as bytes come out (a
//! deflate bomb is `too_large` before it is held); the cells it makes,
//! the empty ones a span stands for included, count against `--max-cells`;
//! tables nest at most [`body::MAX_TABLE_DEPTH`] deep, walked without
//! recursion. An encrypted document (an OLE2 compound file holding
//! `EncryptionInfo`/`EncryptedPackage`, which is how Word stores a
//! password-protected `.docx`) is `encrypted`; a damaged zip, a zip
//! without a Word body, or XML that is not well-formed is `corrupt`.

use std::borrow::Cow;
use std::io::{Cursor, Read};

use super::{Limits, ReadError, Reader, Scratch, Tables};
use crate::source::{OLE2_MAGIC, ole2_has_stream};

pub mod body;

/// The reader of Word 2007+ documents.
#[derive(Debug, Clone, Copy)]
pub struct DocxReader;

impl Reader for DocxReader {
    fn read<'a>(
        &self,
        bytes: &'a [u8],
        limits: &Limits,
        _: &'a mut Scratch<'a>,
    ) -> Result<Tables<'a>, ReadError> {
        let doc = read_docx(bytes, &limits.docx)?;
        Ok(Tables::single(doc.rows, Vec::new(), None, doc.replaced))
    }
}

/// Bounds on the work one Word document may cause.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct DocxLimits {
    /// The most bytes the main part may decompress to (`--max-member-size`).
    pub max_part_size: u64,
    /// The most it may expand over its compressed size, checked once it
    /// passes one MiB (`--max-zip-ratio`).
    pub max_ratio: u64,
    /// Cells the tables may make, those a `gridSpan` stands for included
    /// (`--max-cells`).
    pub max_cells: u64,
}

impl Default for DocxLimits {
    fn default() -> DocxLimits {
        DocxLimits {
            max_part_size: 256 << 20,
            max_ratio: 200,
            max_cells: 5_000_000,
        }
    }
}

/// Why a Word document gave no rows.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DocxError {
    /// Not a zip, no Word body in it, or a body that is not XML.
    #[error("cannot read the Word document: {0}")]
    Corrupt(String),
    /// A password-protected document (an encrypted OOXML package).
    #[error(
        "the Word document is encrypted (password-protected): an OLE2 container holding EncryptionInfo/EncryptedPackage"
    )]
    Encrypted,
    #[error(
        "the Word document's {part} expands to more than {limit} bytes, over the limit (--max-member-size)"
    )]
    PartTooLarge { part: String, limit: u64 },
    #[error(
        "the Word document's {part} expands more than {limit}× its compressed size: refused as a likely zip bomb (--max-zip-ratio)"
    )]
    Ratio { part: String, limit: u64 },
    #[error(
        "the document's tables make more than {limit} cells, counting those gridSpan stands for (--max-cells)"
    )]
    TooManyCells { limit: u64 },
    #[error("tables nested {depth} deep, over the limit of {limit}")]
    TooDeep { depth: usize, limit: usize },
}

impl DocxError {
    /// The stable code of the errors file.
    pub fn code(&self) -> &'static str {
        match self {
            DocxError::Corrupt(_) => "corrupt",
            DocxError::Encrypted => "encrypted",
            DocxError::PartTooLarge { .. }
            | DocxError::Ratio { .. }
            | DocxError::TooManyCells { .. } => "too_large",
            DocxError::TooDeep { .. } => "too_deep",
        }
    }

    /// The pipeline stage: `read` for the package, `parse` for what its
    /// tables would make (as for an HTML page).
    pub fn stage(&self) -> &'static str {
        match self {
            DocxError::Corrupt(_)
            | DocxError::Encrypted
            | DocxError::PartTooLarge { .. }
            | DocxError::Ratio { .. } => "read",
            DocxError::TooManyCells { .. } | DocxError::TooDeep { .. } => "parse",
        }
    }
}

/// Reads a Word document's body into rows.
pub fn read_docx(bytes: &[u8], limits: &DocxLimits) -> Result<body::Body, DocxError> {
    let xml = main_part(bytes, limits)?;
    let (text, replaced) = utf8(&xml);
    let mut doc = body::read_body(&text, limits.max_cells)?;
    doc.replaced |= replaced;
    Ok(doc)
}

/// The main part of the first bytes' OOXML package, decompressed within
/// the limits.
fn main_part(bytes: &[u8], limits: &DocxLimits) -> Result<Vec<u8>, DocxError> {
    if bytes.starts_with(OLE2_MAGIC) {
        if ole2_has_stream(bytes, "EncryptedPackage") || ole2_has_stream(bytes, "EncryptionInfo") {
            return Err(DocxError::Encrypted);
        }
        return Err(DocxError::Corrupt(
            "an OLE2 compound file, not a Word 2007+ (zip) document".into(),
        ));
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| DocxError::Corrupt(format!("not a readable zip package: {e}")))?;
    let name = main_part_name(&mut zip)?;
    let mut file = zip
        .by_name(&name)
        .map_err(|e| DocxError::Corrupt(format!("{name}: {e}")))?;
    if file.encrypted() {
        return Err(DocxError::Encrypted);
    }
    let too_large = || DocxError::PartTooLarge {
        part: name.clone(),
        limit: limits.max_part_size,
    };
    let declared = file.size();
    if declared > limits.max_part_size {
        return Err(too_large());
    }
    let compressed = file.compressed_size().max(1);
    let mut data = Vec::with_capacity(usize::try_from(declared.min(16 << 20)).unwrap_or(0));
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| DocxError::Corrupt(format!("{name}: {e}")))?;
        if n == 0 {
            return Ok(data);
        }
        data.extend_from_slice(&buf[..n]);
        let len = data.len() as u64;
        if len > limits.max_part_size {
            return Err(too_large());
        }
        if len > (1 << 20) && len / compressed > limits.max_ratio {
            return Err(DocxError::Ratio {
                part: name.clone(),
                limit: limits.max_ratio,
            });
        }
        if len > declared {
            return Err(DocxError::Corrupt(format!(
                "{name} expands past the {declared} bytes its zip entry declares"
            )));
        }
    }
}

/// `word/document.xml`, or the main part `_rels/.rels` names (a writer
/// may call it otherwise); `corrupt` when there is none.
fn main_part_name<R: Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
) -> Result<String, DocxError> {
    const DEFAULT: &str = "word/document.xml";
    if zip.index_for_name(DEFAULT).is_some() {
        return Ok(DEFAULT.into());
    }
    let missing = || DocxError::Corrupt(format!("the package holds no {DEFAULT}"));
    let mut rels = String::new();
    zip.by_name("_rels/.rels")
        .map_err(|_| missing())?
        .take(1 << 20)
        .read_to_string(&mut rels)
        .map_err(|_| missing())?;
    let target = office_document_target(&rels).ok_or_else(missing)?;
    let target = target.trim_start_matches('/').to_string();
    if zip.index_for_name(&target).is_some() {
        Ok(target)
    } else {
        Err(missing())
    }
}

/// The `Target` of the `officeDocument` relationship in `_rels/.rels`.
fn office_document_target(rels: &str) -> Option<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(rels);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e))
                if e.local_name().into_inner() == "Relationship" =>
            {
                let attr = |want: &str| {
                    e.attributes()
                        .with_checks(false)
                        .filter_map(Result::ok)
                        .find(|a| a.key.local_name().into_inner() == want)
                        .map(|a| a.value.into_owned())
                };
                if attr("Type").is_some_and(|t| t.ends_with("/officeDocument")) {
                    return attr("Target");
                }
            }
            Ok(Event::Eof) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

/// The part as UTF-8 text: UTF-8 (the norm), or UTF-16 by its BOM;
/// malformed bytes replaced (and said).
fn utf8(xml: &[u8]) -> (Cow<'_, str>, bool) {
    if let Some((encoding, _)) = encoding_rs::Encoding::for_bom(xml) {
        let (text, _, replaced) = encoding.decode(xml);
        return (text, replaced);
    }
    match String::from_utf8_lossy(xml) {
        Cow::Borrowed(s) => (Cow::Borrowed(s), false),
        Cow::Owned(s) => (Cow::Owned(s), true),
    }
}

#[cfg(test)]
mod tests;
