//! Opening a PDF with lopdf, and the budgets that keep a hostile one from
//! costing more than a large honest one.
//!
//! * A file with no `%%EOF` in its last KiB was cut short: `corrupt`,
//!   whatever lopdf could rebuild of it (a half download is not a
//!   document to take records from silently).
//! * Encrypted files are opened with the empty user password (lopdf
//!   tries it); one that needs a password is `encrypted`.
//! * Pages over `--max-pages` are refused before any is read.
//! * Every stream is decompressed against [`Budget`]: at most
//!   [`MAX_STREAM`] bytes for one and [`MAX_TOTAL`] for the document, so
//!   a FlateDecode bomb is a `too_large` line, not an allocation of
//!   gigabytes. lopdf applies the same per-stream cap to the object and
//!   cross-reference streams it decodes while loading.
//! * lopdf refuses objects nested deeper than 100 and follows a chain of
//!   references at most a fixed number of times; the page tree walk and
//!   the form XObjects (`interp`) keep their own visited sets.

use lopdf::{Document, LoadOptions, Object, ObjectId, Stream};

use super::PdfError;

/// The most one stream may decompress to (a page's content is a few
/// hundred KB; a scanned page's image is never decoded).
pub const MAX_STREAM: usize = 64 << 20;
/// The most all streams of one document may decompress to.
pub const MAX_TOTAL: usize = 256 << 20;

/// What decompressing a document's streams has cost so far.
#[derive(Debug, Default)]
pub struct Budget {
    used: usize,
}

impl Budget {
    /// The decoded bytes of `s`, within the budget.
    pub fn stream(&mut self, s: &Stream) -> Result<Vec<u8>, PdfError> {
        let left = MAX_TOTAL.saturating_sub(self.used).min(MAX_STREAM);
        let data = if s.filters().map(|f| f.is_empty()).unwrap_or(true) {
            if s.content.len() > left {
                return Err(PdfError::StreamTooLarge { limit: left });
            }
            s.content.clone()
        } else {
            match s.decompressed_content_with_limit(left) {
                Ok(d) => d,
                Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded {
                    ..
                })) => return Err(PdfError::StreamTooLarge { limit: left }),
                // an unknown or broken filter: nothing usable in it
                Err(_) => Vec::new(),
            }
        };
        self.used += data.len();
        Ok(data)
    }
}

/// A PDF opened, its pages listed.
pub struct Pdf {
    pub doc: Document,
    pub pages: Vec<ObjectId>,
}

/// Opens `bytes` (see the module doc for what is refused).
pub fn open(bytes: &[u8], max_pages: usize) -> Result<Pdf, PdfError> {
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    if memchr::memmem::find(tail, b"%%EOF").is_none() {
        return Err(PdfError::Corrupt(
            "truncated: no %%EOF marker at the end of the file".into(),
        ));
    }
    let options = LoadOptions {
        max_decompressed_size: Some(MAX_STREAM),
        ..LoadOptions::default()
    };
    let doc = match Document::load_mem_with_options(bytes, options) {
        Ok(doc) => doc,
        Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. })) => {
            return Err(PdfError::StreamTooLarge { limit: MAX_STREAM });
        }
        Err(lopdf::Error::InvalidPassword | lopdf::Error::Decryption(_)) => {
            return Err(PdfError::Encrypted);
        }
        Err(e) => return Err(PdfError::Corrupt(e.to_string())),
    };
    if doc.is_encrypted() {
        return Err(PdfError::Encrypted);
    }
    let declared = declared_pages(&doc);
    if declared > max_pages {
        return Err(PdfError::TooManyPages {
            pages: declared,
            limit: max_pages,
        });
    }
    let mut seen = std::collections::HashSet::new();
    let mut pages = Vec::new();
    for id in doc.page_iter() {
        if !seen.insert(id) {
            return Err(PdfError::Loop("the page tree lists a page twice".into()));
        }
        pages.push(id);
        if pages.len() > max_pages {
            return Err(PdfError::TooManyPages {
                pages: pages.len(),
                limit: max_pages,
            });
        }
    }
    if pages.is_empty() {
        return Err(PdfError::Corrupt("no pages".into()));
    }
    Ok(Pdf { doc, pages })
}

/// The page count the root page tree node declares (`/Count`), 0 if none.
fn declared_pages(doc: &Document) -> usize {
    doc.catalog()
        .ok()
        .and_then(|c| c.get(b"Pages").ok())
        .and_then(|o| doc.dereference(o).ok())
        .and_then(|(_, o)| o.as_dict().ok())
        .and_then(|d| d.get(b"Count").ok())
        .and_then(|o| o.as_i64().ok())
        .map_or(0, |n| usize::try_from(n).unwrap_or(0))
}

/// A page's size (its `/CropBox`, else `/MediaBox`, inherited through
/// `/Parent`): `(x0, y0, x1, y1)`; A4 when none is given.
pub fn page_box(doc: &Document, page: ObjectId) -> (f32, f32, f32, f32) {
    let mut node = doc.get_dictionary(page).ok();
    for _ in 0..32 {
        let Some(dict) = node else { break };
        for key in [&b"CropBox"[..], b"MediaBox"] {
            if let Some(Object::Array(a)) = dict
                .get(key)
                .ok()
                .and_then(|o| doc.dereference(o).ok())
                .map(|x| x.1)
            {
                let v: Vec<f32> = a
                    .iter()
                    .filter_map(|o| o.as_float().ok())
                    .filter(|v| v.is_finite())
                    .collect();
                if let [x0, y0, x1, y1] = v[..] {
                    let (x0, x1) = (x0.min(x1), x0.max(x1));
                    let (y0, y1) = (y0.min(y1), y0.max(y1));
                    if x1 - x0 > 1.0 && y1 - y0 > 1.0 {
                        return (x0, y0, x1, y1);
                    }
                }
            }
        }
        node = dict
            .get(b"Parent")
            .ok()
            .and_then(|o| o.as_reference().ok())
            .and_then(|id| doc.get_dictionary(id).ok());
    }
    (0.0, 0.0, 595.0, 842.0)
}

/// A page's `/Rotate` (inherited through `/Parent`), as 0, 90, 180 or
/// 270 degrees clockwise.
pub fn page_rotation(doc: &Document, page: ObjectId) -> u32 {
    let mut node = doc.get_dictionary(page).ok();
    for _ in 0..32 {
        let Some(dict) = node else { break };
        if let Ok(r) = dict.get(b"Rotate").and_then(Object::as_i64) {
            return (r.rem_euclid(360) / 90 * 90) as u32;
        }
        node = dict
            .get(b"Parent")
            .ok()
            .and_then(|o| o.as_reference().ok())
            .and_then(|id| doc.get_dictionary(id).ok());
    }
    0
}

/// The decoded content of a page: its content streams joined.
pub fn page_content(
    doc: &Document,
    page: ObjectId,
    budget: &mut Budget,
) -> Result<Vec<u8>, PdfError> {
    let mut out = Vec::new();
    for id in doc.get_page_contents(page) {
        if let Ok(Object::Stream(s)) = doc.get_object(id) {
            out.extend_from_slice(&budget.stream(s)?);
            out.push(b'\n');
        }
    }
    Ok(out)
}
