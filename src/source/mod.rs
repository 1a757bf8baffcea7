//! The input stage: command-line paths → a sorted list of documents, and
//! of every file skipped on the way.
//!
//! Folders are walked recursively (symlinks followed, loops detected and
//! skipped, hidden files and folders skipped); files are kept when their
//! extension names a format we read. Every file passed over is kept too,
//! with the reason ([`Skip`]), so the run's manifest accounts for each
//! file the walk met. The list is sorted by the path as displayed, so
//! output order never depends on the file system. The path `-` is
//! standard input: one document, its format sniffed from its bytes.

pub mod archive;

/// What finding or opening an input can fail with, before any reader
/// runs: a path that is gone, an unreadable file, a broken or hostile
/// archive. The run turns it into that input's error line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    #[error("not found")]
    NotFound,
    #[error("cannot read: {0}")]
    Io(#[source] std::io::Error),
    #[error(
        "zip member is {size} bytes uncompressed, over the limit of {limit} bytes (--max-member-size)"
    )]
    MemberTooLarge { size: u64, limit: u64 },
    #[error("cannot read the zip archive: {0}")]
    Archive(String),
    #[error(
        "zip member expands {ratio}× (limit {limit}×): refused as a likely zip bomb (--max-zip-ratio)"
    )]
    Ratio { ratio: u64, limit: u64 },
    #[error("unsupported: {0}")]
    Unsupported(String),
    #[error(
        "zip members {first} and {second} share their compressed data: refused as a likely zip bomb"
    )]
    Overlapping { first: String, second: String },
    #[error(
        "the archive's members expand to more than {limit} bytes in all (--max-archive-size): this member and the ones after it are not read"
    )]
    ArchiveTooLarge { limit: u64 },
    /// The nested archives of an archive, held while their members are
    /// listed, expand to more than the cap on one member.
    #[error(
        "the archive's nested archives expand to more than {limit} bytes together (--max-member-size), and they are held at once to be listed: none of its members is read"
    )]
    NestedTooLarge { limit: u64 },
}

impl SourceError {
    /// The stable code of the errors file.
    pub fn code(&self) -> &'static str {
        match self {
            SourceError::NotFound => "not_found",
            SourceError::Io(_) => "io",
            SourceError::MemberTooLarge { .. }
            | SourceError::Ratio { .. }
            | SourceError::Overlapping { .. }
            | SourceError::ArchiveTooLarge { .. }
            | SourceError::NestedTooLarge { .. } => "too_large",
            SourceError::Archive(_) => "corrupt",
            SourceError::Unsupported(_) => "unsupported",
        }
    }
}

use std::path::{Path, PathBuf};

/// The formats a document can be in (and `Zip`, a container of documents).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Format {
    Text,
    Html,
    Xlsx,
    Xls,
    Xlsb,
    Ods,
    /// Word 2007+ (`.docx`, `.docm`).
    Docx,
    /// Binary Word or WPS text (`.doc`, `.wps`): not read, each one an
    /// `unsupported_format` error line, so no file is lost silently.
    Doc,
    Pdf,
    Zip,
}

/// The first bytes of an OLE2 compound file (xls, doc, an encrypted
/// docx or xlsx).
pub const OLE2_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// Whether an OLE2 compound file names a stream `name` in its directory:
/// a directory entry holds its name in UTF-16LE, ended by a NUL
/// character. Looked for anywhere in the file (the directory's sectors may
/// be anywhere), so a file that merely holds those bytes elsewhere counts
/// too; good enough to tell a Word file or an encrypted package from a
/// workbook.
pub fn ole2_has_stream(bytes: &[u8], name: &str) -> bool {
    let mut needle: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
    needle.extend_from_slice(&[0, 0]);
    memchr::memmem::find(bytes, &needle).is_some()
}

/// Whether a zip's local headers near its start, or its central directory
/// near its end, name `needle` (a part such as `word/document.xml`).
fn zip_names(bytes: &[u8], needle: &[u8]) -> bool {
    const WINDOW: usize = 64 * 1024;
    let head = &bytes[..bytes.len().min(WINDOW)];
    let tail = &bytes[bytes.len().saturating_sub(WINDOW)..];
    memchr::memmem::find(head, needle).is_some() || memchr::memmem::find(tail, needle).is_some()
}

impl Format {
    /// The `source.format` value.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Html => "html",
            Format::Xlsx => "xlsx",
            Format::Xls => "xls",
            Format::Xlsb => "xlsb",
            Format::Ods => "ods",
            Format::Docx => "docx",
            Format::Doc => "doc",
            Format::Pdf => "pdf",
            Format::Zip => "zip",
        }
    }

    /// The format named by [`Format::name`] (`source.format`).
    pub fn from_name(name: &str) -> Option<Format> {
        [
            Format::Text,
            Format::Html,
            Format::Xlsx,
            Format::Xls,
            Format::Xlsb,
            Format::Ods,
            Format::Docx,
            Format::Doc,
            Format::Pdf,
            Format::Zip,
        ]
        .into_iter()
        .find(|f| f.name() == name)
    }

    /// The format a file name promises, by extension. Files without an
    /// extension are read as text (and sniffed, see [`Format::sniff`]).
    pub fn from_path(path: &Path) -> Option<Format> {
        match path.extension().and_then(|e| e.to_str()) {
            None => Some(Format::Text),
            Some(e) => match e.to_ascii_lowercase().as_str() {
                "txt" | "tsv" | "tab" | "csv" | "text" => Some(Format::Text),
                "html" | "htm" | "xhtml" => Some(Format::Html),
                "xlsx" | "xlsm" => Some(Format::Xlsx),
                // WPS spreadsheets: the binary xls layout (sniffing
                // corrects one that WPS saved as OOXML)
                "xls" | "et" | "ett" => Some(Format::Xls),
                "xlsb" => Some(Format::Xlsb),
                "ods" => Some(Format::Ods),
                "docx" | "docm" => Some(Format::Docx),
                "doc" | "wps" => Some(Format::Doc),
                "pdf" => Some(Format::Pdf),
                "zip" => Some(Format::Zip),
                _ => None,
            },
        }
    }

    /// Corrects the extension's promise by the first bytes: a workbook,
    /// a Word document or an archive saved as `.txt` or without extension,
    /// an `.xls` (or `.doc`) that is really an HTML table (a common "Excel
    /// export" of web systems), a text export named `.xls`, a `.docx`
    /// named `.doc`, a binary Word file named `.xls` or `.docx`.
    pub fn sniff(self, bytes: &[u8]) -> Format {
        if bytes.starts_with(b"PK\x03\x04") {
            let head = &bytes[..bytes.len().min(64 * 1024)];
            let has = |needle: &[u8]| memchr::memmem::find(head, needle).is_some();
            return match self {
                Format::Xlsx | Format::Xlsb | Format::Ods | Format::Zip | Format::Docx => self,
                _ if zip_names(bytes, b"word/document.xml") => Format::Docx,
                _ if has(b"opendocument.spreadsheet") => Format::Ods,
                _ if has(b"xl/workbook.bin") => Format::Xlsb,
                _ if has(b"xl/") || has(b"[Content_Types].xml") => Format::Xlsx,
                _ => Format::Zip,
            };
        }
        if bytes.starts_with(OLE2_MAGIC) {
            return match self {
                _ if ole2_has_stream(bytes, "WordDocument") => Format::Doc,
                // an encrypted .docx is an OLE2 file: its reader says so
                Format::Docx | Format::Doc => self,
                _ => Format::Xls,
            };
        }
        if memchr::memmem::find(&bytes[..bytes.len().min(1024)], b"%PDF-").is_some() {
            return Format::Pdf;
        }
        match self {
            Format::Text | Format::Xls | Format::Xlsx | Format::Doc if looks_like_html(bytes) => {
                Format::Html
            }
            Format::Xls | Format::Xlsx | Format::Xlsb | Format::Ods | Format::Zip | Format::Pdf => {
                Format::Text
            }
            other => other,
        }
    }
}

/// The document format of a zip's bytes, by the parts only a workbook or
/// a Word document has: `[Content_Types].xml` with `xl/workbook.xml` (or
/// `.bin`) near its start, or with `word/document.xml` (near its start or
/// in the central directory at its end), or the OpenDocument spreadsheet
/// mimetype. Stricter than [`Format::sniff`]'s test, since a real archive
/// may well hold a folder named `xl/`: it decides that a file named `.zip`
/// is a document.
pub fn document_in_zip(bytes: &[u8]) -> Option<Format> {
    if !bytes.starts_with(b"PK\x03\x04") {
        return None;
    }
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let has = |needle: &[u8]| memchr::memmem::find(head, needle).is_some();
    if has(b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet") {
        Some(Format::Ods)
    } else if has(b"[Content_Types].xml") && has(b"xl/workbook.bin") {
        Some(Format::Xlsb)
    } else if has(b"[Content_Types].xml") && has(b"xl/workbook.xml") {
        Some(Format::Xlsx)
    } else if zip_names(bytes, b"[Content_Types].xml") && zip_names(bytes, b"word/document.xml") {
        Some(Format::Docx)
    } else {
        None
    }
}

/// `<html`, `<!doctype html`, `<table` or `<meta` near the start (after a
/// BOM and whitespace), in ASCII or UTF-16.
fn looks_like_html(bytes: &[u8]) -> bool {
    // NUL bytes (UTF-16) are skipped; only the bytes up to the first `<`
    // and a few after it are looked at.
    let mut head = bytes
        .iter()
        .take(1024)
        .filter(|&&b| b != 0)
        .map(u8::to_ascii_lowercase);
    loop {
        match head.next() {
            Some(b'<') => break,
            Some(b) if b.is_ascii_whitespace() || b >= 0x80 => {}
            _ => return false,
        }
    }
    let rest: Vec<u8> = std::iter::once(b'<').chain(head.take(15)).collect();
    [
        &b"<html"[..],
        b"<!doctype html",
        b"<table",
        b"<meta",
        b"<head",
        b"<!--",
    ]
    .iter()
    .any(|p| rest.starts_with(p))
}

/// Why a file (or zip member) was passed over: the manifest's `reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Skip {
    /// An extension jixiao does not read (`.png`, `.pptx`, …).
    UnknownFormat,
    /// A hidden file, or a hidden folder (one line for all it holds), or
    /// a `__MACOSX` entry of an archive.
    Hidden,
    /// A symlink back to a folder above it.
    SymlinkLoop,
    /// A FIFO, socket or device: reading it could block forever.
    SpecialFile,
    /// A symlink stored in a zip archive (never followed).
    Symlink,
}

impl Skip {
    /// The manifest's `reason` value.
    pub fn code(self) -> &'static str {
        match self {
            Skip::UnknownFormat => "unknown_format",
            Skip::Hidden => "hidden",
            Skip::SymlinkLoop => "symlink_loop",
            Skip::SpecialFile => "special_file",
            Skip::Symlink => "symlink",
        }
    }

    /// The key the summary line counts a skip under: the extension for
    /// an unknown format (`.png`), else the reason in words.
    pub fn summary_key(self, name: &str) -> String {
        match self {
            Skip::UnknownFormat => extension(name),
            Skip::Hidden => "hidden".into(),
            Skip::SymlinkLoop => "symlink loop".into(),
            Skip::SpecialFile => "special file".into(),
            Skip::Symlink => "symlink".into(),
        }
    }
}

/// `.ext` of a name, lowercased (empty when it has none).
pub fn extension(name: &str) -> String {
    Path::new(name)
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy().to_lowercase()))
        .unwrap_or_default()
}

/// One document to process, a path that could not be read at all, or a
/// file passed over ([`Input::skipped`]).
#[derive(Debug)]
pub struct Input {
    pub path: PathBuf,
    /// The path as written in the output (`source.path`).
    pub display: String,
    pub format: Format,
    /// Set when the path failed before reading (not found, unreadable folder).
    pub problem: Option<SourceError>,
    /// Set for a file that is not read: why, and its size when known.
    pub skipped: Option<(Skip, Option<u64>)>,
}

impl Input {
    /// Standard input (the path `-`).
    pub fn is_stdin(&self) -> bool {
        self.path.as_os_str() == "-"
    }

    fn document(path: &Path, format: Format) -> Input {
        Input {
            display: path.to_string_lossy().into_owned(),
            path: path.to_path_buf(),
            format,
            problem: None,
            skipped: None,
        }
    }
}

#[derive(Debug, Default)]
pub struct Inputs {
    /// Documents, failed paths and skipped files, sorted by displayed path.
    pub documents: Vec<Input>,
    /// Symlink loops and other walk notes, for stderr.
    pub notes: Vec<String>,
}

impl Inputs {
    /// How many inputs are documents to read (or failed paths), not skips.
    pub fn document_count(&self) -> usize {
        self.documents
            .iter()
            .filter(|i| i.skipped.is_none())
            .count()
    }
}

/// Collects the documents under `paths`, and the files skipped, sorted by
/// displayed path. `-` is standard input.
pub fn collect(paths: &[PathBuf]) -> Inputs {
    let mut inputs = Inputs::default();
    for root in paths {
        if root.as_os_str() == "-" {
            inputs.documents.push(Input::document(root, Format::Text));
            continue;
        }
        let walker = walkdir::WalkDir::new(root).follow_links(true).into_iter();
        let mut hidden = Vec::new();
        let walker = walker.filter_entry(|e| {
            let keep = e.depth() == 0 || !is_hidden(e.file_name());
            if !keep {
                let bytes = e.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
                hidden.push((e.path().to_path_buf(), bytes));
            }
            keep
        });
        for entry in walker {
            match entry {
                Ok(e) if e.file_type().is_file() => inputs.add(&e),
                Ok(e) if !e.file_type().is_dir() => {
                    inputs.skip(e.path(), Skip::SpecialFile, "special file");
                }
                Ok(_) => {}
                Err(err) => inputs.walk_error(root, err),
            }
        }
        for (path, bytes) in hidden {
            inputs.push_skipped(&path, Skip::Hidden, bytes);
        }
    }
    // By the displayed path, then by the path's bytes: two names that
    // differ only in an invalid UTF-8 byte display alike, yet are two files
    // (both are read); only the same path given twice is read once.
    use std::os::unix::ffi::OsStrExt as _;
    inputs.documents.sort_by(|a, b| {
        (&a.display, a.path.as_os_str().as_bytes())
            .cmp(&(&b.display, b.path.as_os_str().as_bytes()))
    });
    inputs.documents.dedup_by(|a, b| a.path == b.path);
    inputs
}

impl Inputs {
    fn add(&mut self, entry: &walkdir::DirEntry) {
        let path = entry.path();
        match Format::from_path(path) {
            Some(format) => self.documents.push(Input::document(path, format)),
            // the size of a skipped file, for the manifest (a document's
            // is read with it: no system call per document here, before
            // any work starts)
            None => {
                let bytes = entry.metadata().ok().map(|m| m.len());
                self.push_skipped(path, Skip::UnknownFormat, bytes);
            }
        }
    }

    fn push_skipped(&mut self, path: &Path, why: Skip, bytes: Option<u64>) {
        let mut input = Input::document(path, Format::Text);
        input.skipped = Some((why, bytes));
        self.documents.push(input);
    }

    fn skip(&mut self, path: &Path, why: Skip, words: &str) {
        self.push_skipped(path, why, None);
        self.notes
            .push(format!("skipping {}: {words}", path.to_string_lossy()));
    }

    fn walk_error(&mut self, root: &Path, err: walkdir::Error) {
        let path = err.path().unwrap_or(root).to_path_buf();
        if err.loop_ancestor().is_some() {
            self.skip(&path, Skip::SymlinkLoop, "symlink loop");
            return;
        }
        let problem = match err.io_error().map(|e| e.kind()) {
            Some(std::io::ErrorKind::NotFound) => SourceError::NotFound,
            _ => SourceError::Io(
                err.into_io_error()
                    .unwrap_or_else(|| std::io::Error::other("walk error")),
            ),
        };
        let mut input = Input::document(&path, Format::Text);
        input.problem = Some(problem);
        self.documents.push(input);
    }
}

/// The shard (of `count`) an input belongs to: a stable hash of its path
/// as displayed, so every shard of a cluster job agrees without talking to
/// the others, and a file keeps its shard when others come and go.
pub fn shard_of(display: &str, count: u64) -> u64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(display.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first) % count.max(1)
}

/// Paths listed one per line (`--files-from`); blank lines are skipped.
pub fn read_path_list(text: &str) -> Vec<PathBuf> {
    text.lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty())
        .map(PathBuf::from)
        .collect()
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|n| n.starts_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walk_sorts_skips_hidden_and_counts_others() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("b/.hidden")).unwrap();
        for f in [
            "b/2.txt",
            "a.tsv",
            "b/.hidden/x.txt",
            ".secret.txt",
            "c.pdf",
            "d.png",
            "noext",
            "b/1.TXT",
        ] {
            std::fs::write(d.join(f), "x").unwrap();
        }
        let got = collect(&[d.to_path_buf(), d.join("missing")]);
        let names: Vec<_> = got
            .documents
            .iter()
            .map(|i| {
                let name = i.path.strip_prefix(d).unwrap().to_string_lossy();
                (name.into_owned(), i.skipped.map(|s| s.0))
            })
            .collect();
        let name = |n: &str, s: Option<Skip>| (n.to_string(), s);
        assert_eq!(
            names,
            [
                name(".secret.txt", Some(Skip::Hidden)),
                name("a.tsv", None),
                name("b/.hidden", Some(Skip::Hidden)),
                name("b/1.TXT", None),
                name("b/2.txt", None),
                name("c.pdf", None),
                name("d.png", Some(Skip::UnknownFormat)),
                name("missing", None),
                name("noext", None),
            ]
        );
        assert!(matches!(
            got.documents[7].problem,
            Some(SourceError::NotFound)
        ));
        assert_eq!(
            got.documents[6].skipped,
            Some((Skip::UnknownFormat, Some(1)))
        );
        assert_eq!(got.document_count(), 6);
    }

    #[test]
    fn shards_are_stable_and_cover_everything() {
        let paths: Vec<String> = (0..1000)
            .map(|i| format!("archive/dept-{i}/doc.txt"))
            .collect();
        let mut counts = [0usize; 4];
        for p in &paths {
            let s = shard_of(p, 4);
            assert_eq!(s, shard_of(p, 4));
            counts[s as usize] += 1;
        }
        assert_eq!(counts.iter().sum::<usize>(), 1000);
        assert!(counts.iter().all(|&c| c > 200), "{counts:?}");
        assert_eq!(shard_of("a", 1), 0);
        // pinned: a change of the hash would reshuffle running cluster jobs
        assert_eq!(shard_of("corpus/000_ac0013b8211afd0d.txt", 1000), 900);
    }

    #[test]
    fn path_lists() {
        assert_eq!(
            read_path_list("a.txt\r\n\n b/c.zip\n"),
            [PathBuf::from("a.txt"), PathBuf::from(" b/c.zip")]
        );
    }

    #[test]
    fn sniffing_corrects_the_extension() {
        let xlsx = b"PK\x03\x04....[Content_Types].xml....xl/workbook.xml";
        assert_eq!(Format::Text.sniff(xlsx), Format::Xlsx);
        assert_eq!(Format::Text.sniff(b"PK\x03\x04....a/b.txt"), Format::Zip);
        assert_eq!(Format::Zip.sniff(xlsx), Format::Zip);
        assert_eq!(
            Format::Text.sniff(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest"),
            Format::Xls
        );
        assert_eq!(
            Format::Xls.sniff(b"\xef\xbb\xbf <html><table>"),
            Format::Html
        );
        assert_eq!(Format::Xls.sniff("项目名称：\tA".as_bytes()), Format::Text);
        assert_eq!(Format::Text.sniff("项目名称：\tA".as_bytes()), Format::Text);
        assert_eq!(Format::Text.sniff(b"<!DOCTYPE html><html>"), Format::Html);
        assert_eq!(
            Format::Text.sniff("投资额<500万元".as_bytes()),
            Format::Text
        );
        assert_eq!(Format::from_path(Path::new("a/B.XLSX")), Some(Format::Xlsx));
        assert_eq!(Format::from_path(Path::new("a/b.htm")), Some(Format::Html));
        assert_eq!(Format::from_path(Path::new("a/b.pdf")), Some(Format::Pdf));
        assert_eq!(Format::from_path(Path::new("a/b.png")), None);
        // a PDF saved as .txt (or read from stdin) is a PDF
        assert_eq!(Format::Text.sniff(b"%PDF-1.7\n%\xe2\xe3"), Format::Pdf);
        assert_eq!(Format::Text.sniff(b"\r\n%PDF-1.4"), Format::Pdf);
        assert_eq!(Format::Pdf.sniff("项目名称：\tA".as_bytes()), Format::Text);
        assert_eq!(Format::from_name("xlsb"), Some(Format::Xlsb));
        assert_eq!(Format::from_name("text"), Some(Format::Text));
        assert_eq!(Format::from_name("txt"), None);
    }

    #[test]
    fn word_files_and_wps_files_are_told_apart() {
        let path = |p: &str| Format::from_path(Path::new(p));
        assert_eq!(path("a/报表.ET"), Some(Format::Xls));
        assert_eq!(path("a/模板.ett"), Some(Format::Xls));
        assert_eq!(path("a/b.docx"), Some(Format::Docx));
        assert_eq!(path("a/b.docm"), Some(Format::Docx));
        assert_eq!(path("a/b.doc"), Some(Format::Doc));
        assert_eq!(path("a/b.wps"), Some(Format::Doc));
        assert_eq!(Format::from_name("docx"), Some(Format::Docx));
        assert_eq!(Format::from_name("doc"), Some(Format::Doc));
        // a zip holding word/document.xml, whatever its name says
        let docx = b"PK\x03\x04....[Content_Types].xml....word/document.xml";
        for named in [Format::Text, Format::Doc, Format::Xls, Format::Html] {
            assert_eq!(named.sniff(docx), Format::Docx, "{named:?}");
        }
        assert_eq!(Format::Xlsx.sniff(docx), Format::Xlsx);
        // word/document.xml named only in the central directory at the end
        let mut late = b"PK\x03\x04[Content_Types].xml".to_vec();
        late.resize(200_000, b'.');
        late.extend_from_slice(b"PK\x01\x02word/document.xml");
        assert_eq!(Format::Text.sniff(&late), Format::Docx);
        assert_eq!(document_in_zip(&late), Some(Format::Docx));
        // OLE2: a Word stream is a .doc whatever the name; an encrypted
        // .docx stays a .docx (its reader says it is encrypted); else xls
        let mut ole = OLE2_MAGIC.to_vec();
        ole.resize(1024, 0);
        assert_eq!(Format::Doc.sniff(&ole), Format::Doc);
        assert_eq!(Format::Docx.sniff(&ole), Format::Docx);
        assert_eq!(Format::Xls.sniff(&ole), Format::Xls);
        let mut word = ole.clone();
        word.extend("WordDocument\0".encode_utf16().flat_map(u16::to_le_bytes));
        for named in [Format::Text, Format::Xls, Format::Docx, Format::Doc] {
            assert_eq!(named.sniff(&word), Format::Doc, "{named:?}");
        }
        // a "Word" export that is an HTML page; RTF stays a .doc
        assert_eq!(Format::Doc.sniff(b"<html><body><table>"), Format::Html);
        assert_eq!(Format::Doc.sniff(b"{\\rtf1\\ansi x}"), Format::Doc);
        assert_eq!(Format::Docx.sniff(b"not a zip"), Format::Docx);
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_do_not_hang() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("a")).unwrap();
        std::os::unix::fs::symlink("..", dir.path().join("a/up")).unwrap();
        std::fs::write(dir.path().join("a/x.txt"), "x").unwrap();
        let got = collect(&[dir.path().to_path_buf()]);
        assert_eq!(got.document_count(), 1);
        let skips: Vec<_> = got.documents.iter().filter_map(|d| d.skipped).collect();
        assert_eq!(skips, [(Skip::SymlinkLoop, None)]);
    }

    #[test]
    fn names_that_display_alike_are_two_files() {
        use std::os::unix::ffi::OsStrExt as _;
        let dir = tempfile::tempdir().expect("temp dir");
        let a = dir.path().join(std::ffi::OsStr::from_bytes(b"a\xff.txt"));
        let b = dir.path().join(std::ffi::OsStr::from_bytes(b"a\xfe.txt"));
        std::fs::write(&a, "x").expect("write");
        std::fs::write(&b, "y").expect("write");
        let got = collect(&[dir.path().to_path_buf(), a.clone()]);
        let paths: Vec<_> = got.documents.iter().map(|d| d.path.clone()).collect();
        assert_eq!(paths.len(), 2, "{paths:?}");
        assert_eq!(got.documents[0].display, got.documents[1].display);
        assert!(paths.contains(&a) && paths.contains(&b));
    }

    #[test]
    fn a_zip_is_a_workbook_only_by_a_workbooks_parts() {
        let xlsx = std::fs::read("tests/fixtures/sheets/seed.xlsx").expect("fixture");
        let ods = std::fs::read("tests/fixtures/sheets/seed.ods").expect("fixture");
        let zip = std::fs::read("tests/fixtures/zip/archive.zip").expect("fixture");
        assert_eq!(document_in_zip(&xlsx), Some(Format::Xlsx));
        assert_eq!(document_in_zip(&ods), Some(Format::Ods));
        assert_eq!(document_in_zip(&zip), None);
        // a folder named xl/ in an archive is not enough
        assert_eq!(document_in_zip(b"PK\x03\x04....dept/xl/report.txt"), None);
    }
}
