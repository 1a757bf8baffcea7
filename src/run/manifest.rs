//! The manifest: the ingest's audit trail, one JSON line per file the walk
//! met and per zip member, skipped ones included, in input order.
//!
//! Every key is always present (`null` when it does not apply); the
//! schema is `schema/manifest.schema.json`. `ms` is the one key that
//! depends on the clock: every other byte of the manifest is the same
//! whatever `--jobs` or the machine's load, so determinism checks compare
//! manifests with `ms` removed.

use serde::Serialize;

/// What became of one file or member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Read, and gave records.
    Records,
    /// Read, and gave records, but its bytes are those of an earlier
    /// file or member (`duplicate_of`): its records share their ids.
    Duplicate,
    /// An error line (in the errors file) and no records.
    Error,
    /// Not read (`reason`).
    Skipped,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Records => "records",
            Outcome::Duplicate => "duplicate",
            Outcome::Error => "error",
            Outcome::Skipped => "skipped",
        }
    }
}

/// Where an earlier copy of the same bytes was read.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Place {
    pub path: String,
    pub member: Option<String>,
}

/// One manifest line, in contract key order.
#[derive(Debug, Serialize)]
pub struct ManifestLine<'a> {
    pub path: &'a str,
    pub member: Option<&'a str>,
    /// Size in bytes (a member's uncompressed size); `null` when unknown.
    pub bytes: Option<u64>,
    /// Of the bytes read; `null` when the file was not read.
    pub sha256: Option<&'a str>,
    /// The format read as (after sniffing); `null` for a skip.
    pub format: Option<&'a str>,
    pub encoding: Option<&'a str>,
    pub outcome: &'static str,
    /// Why a file was skipped (`unknown_format`, `hidden`, …).
    pub reason: Option<&'static str>,
    pub duplicate_of: Option<&'a Place>,
    pub records: usize,
    pub indicators: usize,
    pub warnings: usize,
    pub error_code: Option<&'a str>,
    /// Wall-clock milliseconds spent on it (clock-dependent).
    pub ms: u64,
}

impl ManifestLine<'_> {
    pub fn to_line(&self) -> Vec<u8> {
        // A struct of strings and numbers always serialises.
        let mut v = serde_json::to_vec(self).unwrap_or_default();
        v.push(b'\n');
        v
    }
}

/// The documents read so far, by sha256, for `duplicate`: the writer sees
/// them in output order, so which copy is first never depends on `--jobs`.
#[derive(Debug, Default)]
pub struct SeenBytes {
    /// Hashed with Fx, not SipHash: the keys are SHA-256 digests.
    first: rustc_hash::FxHashMap<String, Place>,
}

impl SeenBytes {
    /// Remembers `place` for `sha256`; for bytes seen before, where.
    pub fn check(&mut self, sha256: &str, place: Place) -> Option<Place> {
        match self.first.get(sha256) {
            Some(first) => Some(first.clone()),
            None => {
                self.first.insert(sha256.to_string(), place);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_written_in_order() {
        let place = Place {
            path: "a.txt".into(),
            member: None,
        };
        let line = ManifestLine {
            path: "b.txt",
            member: None,
            bytes: Some(3),
            sha256: Some("ab"),
            format: Some("text"),
            encoding: Some("utf-8"),
            outcome: Outcome::Duplicate.name(),
            reason: None,
            duplicate_of: Some(&place),
            records: 1,
            indicators: 2,
            warnings: 0,
            error_code: None,
            ms: 0,
        };
        assert_eq!(
            String::from_utf8(line.to_line()).unwrap(),
            r#"{"path":"b.txt","member":null,"bytes":3,"sha256":"ab","format":"text","encoding":"utf-8","outcome":"duplicate","reason":null,"duplicate_of":{"path":"a.txt","member":null},"records":1,"indicators":2,"warnings":0,"error_code":null,"ms":0}
"#
        );
    }

    #[test]
    fn the_first_copy_wins() {
        let mut seen = SeenBytes::default();
        let at = |p: &str| Place {
            path: p.into(),
            member: None,
        };
        assert_eq!(seen.check("x", at("a")), None);
        assert_eq!(seen.check("x", at("b")), Some(at("a")));
        assert_eq!(seen.check("y", at("b")), None);
    }
}
