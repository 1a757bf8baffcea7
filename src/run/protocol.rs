//! The worker protocol: what the run and a worker process say to each
//! other over the worker's standard input and output.
//!
//! Every message is one frame: a little-endian `u32` header length, a
//! little-endian `u64` blob length, the header and the blob (raw bytes,
//! never escaped). A header is a message in `postcard`'s compact serde
//! format ([`encode`], [`decode`]): the run and its workers are the same
//! binary, so they agree on the types. A reply's header lists each
//! record's id and project key: read as JSON, it was a fifth of the run's
//! own instructions (28.6 M on 300 documents, 21.3 M since).
//!
//! | from | header | blob |
//! |---|---|---|
//! | run, once, first | [`Hello`]: the settings and the memory limit | empty |
//! | run | [`Request`]: a document to extract | its path's bytes, or the document's bytes |
//! | worker | [`Reply`]: the [`Done`]s of that document | their JSON lines, one after another |
//!
//! A worker answers requests in order, one document at a time; it may
//! hold a few answers before it flushes them (see [`crate::run::child`]). The reader
//! refuses a frame past its size limits before allocating for it, so a
//! broken or lying peer costs an error, not memory.

use std::io::{self, Read, Write};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::run::config::Settings;
use crate::run::writer::{Done, Got};
use crate::source::Format;

/// The largest header either side accepts (a reply lists each record's id
/// and project key: 10,000 records take about 2 MB).
pub const MAX_HEADER: u32 = 64 << 20;

/// What the run tells a worker when it starts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Hello {
    pub settings: Settings,
    /// The worker's address-space limit in bytes (0: none).
    pub max_memory: u64,
    /// The file where the worker keeps the count of requests it has
    /// started (see [`crate::run::isolate`]).
    #[serde(default)]
    pub progress: Option<std::path::PathBuf>,
}

/// A document to extract. The blob holds the path's bytes for
/// [`Source::Path`], the document's bytes for [`Source::Bytes`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// The path as written in the output.
    pub display: String,
    pub member: Option<String>,
    /// The format its name says (sniffing may correct it).
    pub format: Format,
    pub source: Source,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Source {
    /// A file to read (the worker checks `--max-file-size` on the bytes
    /// it reads, and lists it if it is a zip under another name).
    Path,
    /// Bytes the run read: a zip member, or standard input (`counted`:
    /// its bytes count as read, as standard input's do).
    Bytes { counted: bool },
}

/// A worker's answer: one [`Done`] per job, and the length of each one's
/// lines in the blob (0 for an error or a skip).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Reply {
    pub(crate) dones: Vec<Done>,
    pub(crate) lens: Vec<u64>,
}

/// A frame that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("a frame header of {0} bytes, over the limit of {MAX_HEADER}")]
    HeaderTooLarge(u32),
    #[error("a frame blob of {len} bytes, over the limit of {limit}")]
    BlobTooLarge { len: u64, limit: u64 },
    #[error("the stream ended inside a frame")]
    Truncated,
    #[error("a malformed message: {0}")]
    Malformed(#[from] postcard::Error),
    #[error("a malformed message: {0} bytes after its end")]
    Trailing(usize),
    #[error("a reply whose lines do not add up to its blob")]
    Lengths,
}

/// One frame, as read.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Frame {
    pub header: Vec<u8>,
    pub blob: Vec<u8>,
}

/// Writes one frame (not flushed).
pub fn write_frame(w: &mut impl Write, header: &[u8], blob: &[u8]) -> io::Result<()> {
    w.write_all(&lengths(header, blob)?)?;
    w.write_all(header)?;
    w.write_all(blob)
}

/// The twelve bytes that open a frame: the header's length, the blob's.
fn lengths(header: &[u8], blob: &[u8]) -> io::Result<[u8; 12]> {
    let header_len = u32::try_from(header.len())
        .ok()
        .filter(|&n| n <= MAX_HEADER)
        .ok_or_else(|| io::Error::other("a frame header over the limit"))?;
    let mut out = [0u8; 12];
    out[..4].copy_from_slice(&header_len.to_le_bytes());
    out[4..].copy_from_slice(&(blob.len() as u64).to_le_bytes());
    Ok(out)
}

/// Reads one frame; `None` at a clean end of the stream (before a frame).
/// A blob over `max_blob` bytes is refused before it is read.
pub fn read_frame(r: &mut impl Read, max_blob: u64) -> Result<Option<Frame>, ProtocolError> {
    let mut lengths = [0u8; 12];
    let mut got = 0;
    while got < lengths.len() {
        match r.read(&mut lengths[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(ProtocolError::Truncated),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    let [h0, h1, h2, h3, b @ ..] = lengths;
    let header_len = u32::from_le_bytes([h0, h1, h2, h3]);
    let blob_len = u64::from_le_bytes(b);
    if header_len > MAX_HEADER {
        return Err(ProtocolError::HeaderTooLarge(header_len));
    }
    if blob_len > max_blob {
        return Err(ProtocolError::BlobTooLarge {
            len: blob_len,
            limit: max_blob,
        });
    }
    Ok(Some(Frame {
        header: read_exactly(r, u64::from(header_len))?,
        blob: read_exactly(r, blob_len)?,
    }))
}

/// Reads `len` bytes, growing the buffer as they arrive (a lying length
/// allocates no more than what was sent).
fn read_exactly(r: &mut impl Read, len: u64) -> Result<Vec<u8>, ProtocolError> {
    let mut data = Vec::with_capacity(usize::try_from(len.min(1 << 20)).unwrap_or(0));
    r.take(len).read_to_end(&mut data)?;
    if data.len() as u64 != len {
        return Err(ProtocolError::Truncated);
    }
    Ok(data)
}

/// A message as a frame's header.
pub fn encode<T: Serialize>(message: &T) -> Result<Vec<u8>, ProtocolError> {
    Ok(postcard::to_allocvec(message)?)
}

/// A frame's header as a message: all of it, and nothing after it.
pub fn decode<T: DeserializeOwned>(header: &[u8]) -> Result<T, ProtocolError> {
    let (message, rest) = postcard::take_from_bytes(header)?;
    if !rest.is_empty() {
        return Err(ProtocolError::Trailing(rest.len()));
    }
    Ok(message)
}

/// A request as a frame's header and blob.
pub fn request_frame(request: &Request) -> Vec<u8> {
    // A struct of strings and enums: serialising cannot fail.
    encode(request).unwrap_or_default()
}

/// Writes a reply: the dones' lines go in the blob, in order.
pub(crate) fn write_reply(w: &mut impl Write, dones: Vec<Done>) -> io::Result<()> {
    let (head, blob) = reply_frame(dones)?;
    w.write_all(&head)?;
    w.write_all(&blob)
}

/// A reply as the two parts of its frame: the head (lengths and header)
/// and the blob (the dones' lines, in order), for a writer that sends
/// them without copying the blob again.
pub(crate) fn reply_frame(mut dones: Vec<Done>) -> io::Result<(Vec<u8>, Vec<u8>)> {
    let mut blob = Vec::new();
    let mut lens = Vec::with_capacity(dones.len());
    for done in &mut dones {
        match &mut done.result {
            Got::Lines(lines) => {
                lens.push(lines.bytes.len() as u64);
                if blob.is_empty() {
                    blob = std::mem::take(&mut lines.bytes);
                } else {
                    blob.append(&mut lines.bytes);
                }
            }
            Got::Error(_) | Got::Skipped(_) => lens.push(0),
        }
    }
    let header = encode(&Reply { dones, lens }).map_err(io::Error::other)?;
    let mut head = Vec::with_capacity(12 + header.len());
    head.extend_from_slice(&lengths(&header, &blob)?);
    head.extend_from_slice(&header);
    Ok((head, blob))
}

/// Reads a reply frame back into [`Done`]s, each with its lines.
pub(crate) fn parse_reply(frame: Frame) -> Result<Vec<Done>, ProtocolError> {
    let Reply { mut dones, lens } = decode(&frame.header)?;
    if lens.len() != dones.len() || lens.iter().sum::<u64>() != frame.blob.len() as u64 {
        return Err(ProtocolError::Lengths);
    }
    let mut blob = frame.blob;
    // Taken from the back, so each split copies only its own lines, and
    // the first (usually the only one) takes the blob itself, uncopied.
    for (done, len) in dones.iter_mut().zip(lens).rev() {
        let at = blob.len() - usize::try_from(len).map_err(|_| ProtocolError::Lengths)?;
        match &mut done.result {
            Got::Lines(lines) => {
                lines.bytes = if at == 0 {
                    std::mem::take(&mut blob)
                } else {
                    blob.split_off(at)
                };
                let fits = lines.spans.iter().all(|span| {
                    span.bytes.start <= span.bytes.end && span.bytes.end <= lines.bytes.len()
                });
                if !fits {
                    return Err(ProtocolError::Lengths);
                }
            }
            _ if len != 0 => return Err(ProtocolError::Lengths),
            _ => {}
        }
    }
    Ok(dones)
}

/// Reads a stream of reply frames as the run reads a worker's output and
/// writes them again: the canonical form of what it held (for the
/// `worker_protocol` fuzz target: decoding the result gives it back).
pub fn canonical_replies(mut bytes: &[u8], max_blob: u64) -> Result<Vec<u8>, ProtocolError> {
    let mut out = Vec::new();
    while let Some(frame) = read_frame(&mut bytes, max_blob)? {
        write_reply(&mut out, parse_reply(frame)?)?;
    }
    Ok(out)
}

/// Reads a stream of frames as a worker reads its input (a [`Hello`],
/// then requests) and writes them again (as [`canonical_replies`]).
pub fn canonical_requests(mut bytes: &[u8], max_blob: u64) -> Result<Vec<u8>, ProtocolError> {
    let mut out = Vec::new();
    let Some(hello) = read_frame(&mut bytes, 0)? else {
        return Ok(out);
    };
    let hello: Hello = decode(&hello.header)?;
    write_frame(&mut out, &encode(&hello)?, &[])?;
    while let Some(frame) = read_frame(&mut bytes, max_blob)? {
        let request: Request = decode(&frame.header)?;
        write_frame(&mut out, &request_frame(&request), &frame.blob)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{DocError, Failure};
    use crate::run::writer::Lines;

    fn lines(text: &str) -> Done {
        let lines = Lines {
            bytes: text.as_bytes().to_vec(),
            records: 1,
            spans: vec![crate::run::writer::RecordSpan {
                bytes: 0..text.len(),
                record_id: "id".into(),
                index: 0,
                key: crate::run::output::ProjectKey([7; 16]),
                flat: false,
            }],
            ..Lines::default()
        };
        Done::new("a.txt", None, Got::Lines(lines))
    }

    #[test]
    fn a_reply_comes_back_as_it_went() {
        let failed = Done::new(
            "b.txt",
            Some("m".into()),
            Got::Error(Failure::from(DocError::NoProjects { read_as: None })),
        );
        let dones = vec![lines("{\"a\":1}\n"), failed, lines("{\"b\":2}\n")];
        let mut wire = Vec::new();
        write_reply(&mut wire, dones).unwrap();
        let frame = read_frame(&mut wire.as_slice(), 1 << 20).unwrap().unwrap();
        let back = parse_reply(frame).unwrap();
        let texts: Vec<_> = back
            .iter()
            .map(|d| match &d.result {
                Got::Lines(l) => String::from_utf8_lossy(&l.bytes).into_owned(),
                Got::Error(f) => f.code.to_string(),
                Got::Skipped(_) => String::new(),
            })
            .collect();
        assert_eq!(texts, ["{\"a\":1}\n", "no_projects", "{\"b\":2}\n"]);
        assert_eq!(back[1].member.as_deref(), Some("m"));
    }

    #[test]
    fn frames_past_their_limits_or_cut_short_are_refused() {
        let mut wire = Vec::new();
        write_frame(&mut wire, b"{}", &[7; 100]).unwrap();
        assert!(matches!(
            read_frame(&mut wire.as_slice(), 99),
            Err(ProtocolError::BlobTooLarge { len: 100, .. })
        ));
        assert!(matches!(
            read_frame(&mut &wire[..50], 1 << 20),
            Err(ProtocolError::Truncated)
        ));
        assert!(matches!(
            read_frame(&mut &wire[..5], 1 << 20),
            Err(ProtocolError::Truncated)
        ));
        assert!(matches!(read_frame(&mut &wire[..0], 1 << 20), Ok(None)));
        let mut huge = u32::MAX.to_le_bytes().to_vec();
        huge.extend(0u64.to_le_bytes());
        assert!(matches!(
            read_frame(&mut huge.as_slice(), 1 << 20),
            Err(ProtocolError::HeaderTooLarge(_))
        ));
    }

    #[test]
    fn a_reply_whose_spans_pass_its_lines_is_refused() {
        let mut wire = Vec::new();
        let mut done = lines("{}\n");
        if let Got::Lines(l) = &mut done.result {
            l.spans[0].bytes = 0..99;
        }
        write_reply(&mut wire, vec![done]).unwrap();
        let frame = read_frame(&mut wire.as_slice(), 1 << 20).unwrap().unwrap();
        assert!(matches!(parse_reply(frame), Err(ProtocolError::Lengths)));
    }
}
