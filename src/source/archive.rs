//! Zip archives: one archive → its member documents, read in memory.
//!
//! Whole years arrive as `.zip` files with a folder per department. Members
//! are never extracted to disk (a member named `../../x.txt` is just a
//! name), folders and symlinks are skipped, members of unsupported types
//! are counted, and nested archives are opened one level deep. Windows
//! archivers write GBK member names without the UTF-8 flag, so a name that
//! is not valid UTF-8 is decoded as GBK. Each member is read with a cap on
//! its size and on its compression ratio, so a zip bomb costs one error
//! line and never the run's memory.

use std::io::{Cursor, Read};
use std::sync::Arc;

use encoding_rs::GBK;

use crate::source::SourceError;
use crate::source::{Format, Skip};

/// Caps applied while reading members.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct ZipLimits {
    /// Largest uncompressed member, in bytes.
    pub max_member_size: u64,
    /// Largest uncompressed/compressed ratio, checked once a member passes
    /// one MiB (ordinary text compresses 3–20×, a bomb 1000×).
    pub max_ratio: u64,
    /// The most bytes all members of one archive may expand to together
    /// (`--max-archive-size`), by their declared sizes in member order:
    /// members past it are error lines, whatever `--jobs` is.
    pub max_archive_size: u64,
}

impl Default for ZipLimits {
    fn default() -> ZipLimits {
        ZipLimits {
            max_member_size: 256 * 1024 * 1024,
            max_ratio: 200,
            max_archive_size: 4 << 30,
        }
    }
}

/// An archive held in memory; clones share the bytes and the parsed
/// central directory, so each member can be read on its own thread.
type Zip = zip::ZipArchive<Cursor<Arc<[u8]>>>;

/// One member to process: its path inside the archive, the format its
/// name promises, and where to read it (or why it cannot be).
#[derive(Debug)]
pub struct Entry {
    pub name: String,
    pub format: Format,
    /// The uncompressed size the archive declares (0 when unknown); a
    /// member that expands past it is corrupt.
    size: u64,
    source: Result<(Zip, usize), SourceError>,
}

impl Entry {
    /// Decompresses the member, with the size and ratio caps.
    pub fn read(self, limits: &ZipLimits) -> Result<Vec<u8>, SourceError> {
        let (mut zip, index) = self.source?;
        let mut file = zip
            .by_index(index)
            .map_err(|e| SourceError::Archive(e.to_string()))?;
        read_member(&mut file, limits)
    }
}

/// The members of an archive, in member-name order, listed from its
/// central directory (nothing is decompressed but nested archives).
#[derive(Debug, Default)]
pub struct Listing {
    pub entries: Vec<Entry>,
    /// Members passed over: their names, why, and uncompressed sizes.
    pub skipped: Vec<SkippedMember>,
    /// Bytes of the nested archives read and held while listing (within
    /// `max_archive_size` too, apart from the members' budget).
    pub nested_bytes: u64,
}

/// A member that is not read (folders are not members).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedMember {
    pub name: String,
    pub reason: Skip,
    pub bytes: u64,
}

/// Lists the members of an archive and of archives inside it, one level
/// deep (their members are named `inner.zip/doc.txt`).
pub fn list(bytes: Arc<[u8]>, limits: &ZipLimits) -> Result<Listing, SourceError> {
    let mut listing = Listing::default();
    list_level(bytes, "", 0, limits, &mut listing)?;
    listing.entries.sort_by(|a, b| a.name.cmp(&b.name));
    // The archive's budget, spent in member order by declared sizes (a
    // member that lies about its size is stopped when it passes it). The
    // nested archives held while listing have a budget of the same size.
    let mut total = 0u64;
    for entry in &mut listing.entries {
        total = total.saturating_add(entry.size);
        if total > limits.max_archive_size && entry.source.is_ok() {
            entry.source = Err(SourceError::ArchiveTooLarge {
                limit: limits.max_archive_size,
            });
        }
    }
    listing.skipped.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(listing)
}

/// The number of entries the end of central directory record declares
/// (`None` when it cannot be found, or for a zip64 archive).
fn declared_entries(bytes: &[u8]) -> Option<usize> {
    const EOCD: &[u8] = b"PK\x05\x06";
    // The record is 22 bytes plus a comment of at most 65,535.
    let from = bytes.len().saturating_sub(22 + 65_535);
    let at = from + memchr::memmem::rfind(&bytes[from..], EOCD)?;
    let total = bytes.get(at + 10..at + 12)?;
    let n = u16::from_le_bytes([total[0], total[1]]);
    (n != u16::MAX).then_some(usize::from(n))
}

/// Refuses an archive whose members share compressed data: central
/// directory entries that point into one another's bytes (300 names for
/// one 1 MiB member gave 80,103 records from 29 KB). A member spans at
/// least its 30-byte local header and its compressed data from where its
/// header starts; two spans that overlap are the same bytes read twice.
fn refuse_overlaps(zip: &mut Zip) -> Result<(), SourceError> {
    let mut spans: Vec<(u64, u64, String)> = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        if let Ok(f) = zip.by_index_raw(i) {
            let end = f
                .header_start()
                .saturating_add(30)
                .saturating_add(f.compressed_size());
            spans.push((f.header_start(), end, member_name(f.name_raw())));
        }
    }
    spans.sort_unstable();
    for pair in spans.windows(2) {
        let ((_, end, a), (start, _, b)) = (&pair[0], &pair[1]);
        if start < end {
            return Err(SourceError::Overlapping {
                first: a.clone(),
                second: b.clone(),
            });
        }
    }
    Ok(())
}

fn list_level(
    bytes: Arc<[u8]>,
    prefix: &str,
    depth: u32,
    limits: &ZipLimits,
    out: &mut Listing,
) -> Result<(), SourceError> {
    let listed = declared_entries(&bytes);
    let mut zip: Zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| SourceError::Archive(e.to_string()))?;
    refuse_overlaps(&mut zip)?;
    if let Some(listed) = listed.filter(|&n| n > zip.len()) {
        // The zip reader keeps one entry per name: the others are gone
        // before they can be read. Said, not lost silently.
        out.entries.push(Entry {
            name: format!("{prefix}(members with a repeated name)"),
            format: Format::Text,
            size: 0,
            source: Err(SourceError::Archive(match listed - zip.len() {
                1 => format!(
                    "the archive lists {listed} members under {} distinct names: 1 member shares a name with another and cannot be read",
                    zip.len()
                ),
                n => format!(
                    "the archive lists {listed} members under {} distinct names: {n} members share a name with another and cannot be read",
                    zip.len()
                ),
            })),
        });
    }
    for i in 0..zip.len() {
        let fallback_name = zip
            .name_for_index(i)
            .and_then(|n| n.ok())
            .map_or_else(|| format!("#{i}"), |n| n.to_string());
        let (name, is_dir, is_symlink, size) = match zip.by_index_raw(i) {
            Ok(f) => (
                format!("{prefix}{}", member_name(f.name_raw())),
                f.is_dir(),
                f.is_symlink(),
                f.size(),
            ),
            Err(e) => {
                out.entries.push(Entry {
                    name: format!("{prefix}{fallback_name}"),
                    format: Format::Text,
                    size: 0,
                    source: Err(SourceError::Archive(e.to_string())),
                });
                continue;
            }
        };
        let skip = |reason| SkippedMember {
            name: name.clone(),
            reason,
            bytes: size,
        };
        if is_dir {
            continue;
        }
        if is_hidden(&name) {
            out.skipped.push(skip(Skip::Hidden)); // __MACOSX/._x.txt, .DS_Store
            continue;
        }
        if is_symlink {
            out.skipped.push(skip(Skip::Symlink));
            continue;
        }
        let Some(format) = Format::from_path(std::path::Path::new(&name)) else {
            out.skipped.push(skip(Skip::UnknownFormat));
            continue;
        };
        let entry = Entry {
            name,
            format,
            size,
            source: Ok((zip.clone(), i)),
        };
        if format != Format::Zip {
            out.entries.push(entry);
            continue;
        }
        let name = entry.name.clone();
        let nested = if depth == 0 {
            let inner = entry.read(limits);
            if let Ok(inner) = &inner {
                // Nested archives are held while their members are read:
                // together they stay within the cap on one member (and
                // the archive's budget), or the archive is one error line
                // (6,000 nested zips of 1 MB each held 6 GB).
                let cap = limits.max_member_size.min(limits.max_archive_size);
                let held = out.nested_bytes.saturating_add(inner.len() as u64);
                if held > cap {
                    return Err(SourceError::NestedTooLarge { limit: cap });
                }
                out.nested_bytes = held;
            }
            inner
                .and_then(|inner| list_level(Arc::from(inner), &format!("{name}/"), 1, limits, out))
        } else {
            Err(SourceError::Unsupported(
                "a zip inside a zip inside a zip: archives are opened one level deep".into(),
            ))
        };
        if let Err(e) = nested {
            out.entries.push(Entry {
                name,
                format,
                size: 0,
                source: Err(e),
            });
        }
    }
    Ok(())
}

/// Reads one member, refusing it as soon as it passes the size or ratio cap.
fn read_member(
    file: &mut zip::read::ZipFile<'_, Cursor<Arc<[u8]>>>,
    limits: &ZipLimits,
) -> Result<Vec<u8>, SourceError> {
    let declared = file.size();
    if declared > limits.max_member_size {
        return Err(SourceError::MemberTooLarge {
            size: declared,
            limit: limits.max_member_size,
        });
    }
    let compressed = file.compressed_size().max(1);
    let mut data = Vec::with_capacity(usize::try_from(declared.min(1 << 24)).unwrap_or(0));
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| SourceError::Archive(e.to_string()))?;
        if n == 0 {
            return Ok(data);
        }
        data.extend_from_slice(&buf[..n]);
        let len = data.len() as u64;
        if len > declared {
            return Err(SourceError::Archive(format!(
                "a member expands past the {declared} bytes its archive declares"
            )));
        }
        if len > limits.max_member_size {
            return Err(SourceError::MemberTooLarge {
                size: len,
                limit: limits.max_member_size,
            });
        }
        if len > 1 << 20 && len / compressed > limits.max_ratio {
            return Err(SourceError::Ratio {
                ratio: len / compressed,
                limit: limits.max_ratio,
            });
        }
    }
}

/// Member names: UTF-8 when they are (the UTF-8 flag implies it), else GBK.
pub fn member_name(raw: &[u8]) -> String {
    match std::str::from_utf8(raw) {
        Ok(s) => s.to_string(),
        Err(_) => GBK.decode_without_bom_handling(raw).0.into_owned(),
    }
}

fn is_hidden(name: &str) -> bool {
    name.split('/')
        .any(|part| (part.starts_with('.') && part != "." && part != "..") || part == "__MACOSX")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use zip::write::SimpleFileOptions;

    fn read(l: Listing) -> Vec<(String, Result<Vec<u8>, SourceError>)> {
        let limits = ZipLimits::default();
        l.entries
            .into_iter()
            .map(|e| (e.name.clone(), e.read(&limits)))
            .collect()
    }

    fn zip_of(members: &[(&str, &[u8])], method: zip::CompressionMethod) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = SimpleFileOptions::default().compression_method(method);
        for (name, data) in members {
            w.start_file(*name, opts).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    /// A stored zip whose `names` all point at one local header: the
    /// overlapping-entries bomb, built by hand.
    fn overlapping_zip(names: &[&str], data: &[u8]) -> Vec<u8> {
        let crc = {
            let mut c = flate2::Crc::new();
            c.update(data);
            c.sum()
        };
        let len = u32::try_from(data.len()).expect("small");
        let first = names[0].as_bytes();
        let mut z = Vec::new();
        z.extend(0x0403_4b50u32.to_le_bytes());
        z.extend([20, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // version, flags, stored, time, date
        z.extend(crc.to_le_bytes());
        z.extend(len.to_le_bytes());
        z.extend(len.to_le_bytes());
        z.extend((first.len() as u16).to_le_bytes());
        z.extend(0u16.to_le_bytes());
        z.extend(first);
        z.extend(data);
        let cd_start = z.len() as u32;
        for name in names {
            z.extend(0x0201_4b50u32.to_le_bytes());
            z.extend([20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // made, needed, flags, stored, time, date
            z.extend(crc.to_le_bytes());
            z.extend(len.to_le_bytes());
            z.extend(len.to_le_bytes());
            z.extend((name.len() as u16).to_le_bytes());
            z.extend([0u8; 12]); // extra, comment, disk, internal and external attributes
            z.extend(0u32.to_le_bytes()); // every entry: the one local header
            z.extend(name.as_bytes());
        }
        let cd_len = z.len() as u32 - cd_start;
        z.extend(0x0605_4b50u32.to_le_bytes());
        z.extend([0u8; 4]);
        z.extend((names.len() as u16).to_le_bytes());
        z.extend((names.len() as u16).to_le_bytes());
        z.extend(cd_len.to_le_bytes());
        z.extend(cd_start.to_le_bytes());
        z.extend(0u16.to_le_bytes());
        z
    }

    #[test]
    fn members_that_share_their_data_are_refused_as_a_bomb() {
        let doc = "项目名称：\t甲\n".repeat(100);
        let one = overlapping_zip(&["a.txt"], doc.as_bytes());
        let listing = list(Arc::from(one.as_slice()), &ZipLimits::default()).expect("a fine zip");
        assert_eq!(listing.entries.len(), 1);
        let bomb = overlapping_zip(&["a.txt", "b.txt", "c.txt"], doc.as_bytes());
        let err = list(Arc::from(bomb.as_slice()), &ZipLimits::default()).err();
        assert!(
            matches!(&err, Some(SourceError::Overlapping { .. })),
            "{:?}",
            err.map(|e| e.to_string())
        );
        // an ordinary archive of several members passes
        let z = zip_of(
            &[("a.txt", b"one"), ("b.txt", b"two")],
            zip::CompressionMethod::Stored,
        );
        assert!(list(Arc::from(z.as_slice()), &ZipLimits::default()).is_ok());
    }

    #[test]
    fn members_are_read_sorted_and_typed() {
        let z = zip_of(
            &[
                ("b/2.txt", b"two"),
                ("a/1.tsv", b"one"),
                ("a/readme.png", b"\x89PNG"),
                ("__MACOSX/a/._1.tsv", b"x"),
                ("../../evil.txt", b"evil"),
            ],
            zip::CompressionMethod::Deflated,
        );
        let l = list(Arc::from(z), &ZipLimits::default()).unwrap();
        let skipped: Vec<_> = l.skipped.iter().map(|m| (&*m.name, m.reason)).collect();
        assert_eq!(
            skipped,
            [
                ("__MACOSX/a/._1.tsv", Skip::Hidden),
                ("a/readme.png", Skip::UnknownFormat)
            ]
        );
        let c = read(l);
        let names: Vec<_> = c.iter().map(|m| m.0.as_str()).collect();
        assert_eq!(names, ["../../evil.txt", "a/1.tsv", "b/2.txt"]);
        assert_eq!(c[1].1.as_deref().unwrap(), b"one");
    }

    #[test]
    fn gbk_names_are_decoded() {
        let (gbk, _, _) = GBK.encode("2020/科创办/绩效目标表.txt");
        assert!(std::str::from_utf8(&gbk).is_err());
        assert_eq!(member_name(&gbk), "2020/科创办/绩效目标表.txt");
        assert_eq!(member_name("已是UTF-8.txt".as_bytes()), "已是UTF-8.txt");
    }

    /// The archive's budget is spent in member order by declared sizes:
    /// the same members are refused whatever `--jobs` is.
    #[test]
    fn members_past_the_archives_budget_are_refused_in_member_order() {
        let z = zip_of(
            &[
                ("c.txt", &[b'c'; 400]),
                ("a.txt", &[b'a'; 400]),
                ("b.txt", &[b'b'; 400]),
            ],
            zip::CompressionMethod::Deflated,
        );
        let limits = ZipLimits {
            max_archive_size: 1000,
            ..ZipLimits::default()
        };
        let got: Vec<(String, bool)> = list(Arc::from(z.as_slice()), &limits)
            .expect("listed")
            .entries
            .into_iter()
            .map(|e| {
                let name = e.name.clone();
                (name, e.read(&limits).is_ok())
            })
            .collect();
        assert_eq!(
            got,
            [
                ("a.txt".into(), true),
                ("b.txt".into(), true),
                ("c.txt".into(), false)
            ]
        );
        let listing = list(Arc::from(z.as_slice()), &limits).expect("listed");
        let last = listing.entries.into_iter().last().expect("three members");
        assert!(matches!(
            last.read(&limits),
            Err(SourceError::ArchiveTooLarge { limit: 1000 })
        ));
        // nested archives held while listing count too: 300 of them, past
        // the budget, make the archive one error, and are not all held
        let inner = zip_of(&[("doc.txt", &[b'x'; 100])], zip::CompressionMethod::Stored);
        let names: Vec<String> = (0..300).map(|i| format!("n{i:03}.zip")).collect();
        let members: Vec<(&str, &[u8])> = names
            .iter()
            .map(|n| (n.as_str(), inner.as_slice()))
            .collect();
        let z = zip_of(&members, zip::CompressionMethod::Deflated);
        let limits = ZipLimits {
            max_archive_size: 20 * inner.len() as u64,
            ..ZipLimits::default()
        };
        let limit = 20 * inner.len() as u64;
        assert!(matches!(
            list(Arc::from(z.as_slice()), &limits),
            Err(SourceError::NestedTooLarge { limit: l }) if l == limit
        ));
        // the cap on one member bounds them too, whatever the archive's
        let limits = ZipLimits {
            max_member_size: 20 * inner.len() as u64,
            ..ZipLimits::default()
        };
        assert!(matches!(
            list(Arc::from(z.as_slice()), &limits),
            Err(SourceError::NestedTooLarge { limit: l }) if l == limit
        ));
        // within it, every nested member is listed
        let listing = list(Arc::from(z.as_slice()), &ZipLimits::default()).expect("listed");
        assert_eq!(listing.entries.len(), 300);
        assert_eq!(listing.nested_bytes, 300 * inner.len() as u64);
    }

    /// Two members named alike: the zip reader keeps one, and the other is
    /// an error entry that says so, not a silent loss.
    #[test]
    fn members_with_a_repeated_name_are_not_lost_silently() {
        // two members, the second renamed in both its headers to the
        // first's name (names of equal length, so offsets hold)
        let mut z = zip_of(
            &[("a/doc.txt", b"first"), ("a/dox.txt", b"other")],
            zip::CompressionMethod::Stored,
        );
        let mut i = 0;
        while let Some(p) = memchr::memmem::find(&z[i..], b"a/dox.txt") {
            z[i + p + 4] = b'c';
            i += p + 1;
        }
        let listing = list(Arc::from(z.as_slice()), &ZipLimits::default()).expect("listed");
        let names: Vec<&str> = listing.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["(members with a repeated name)", "a/doc.txt"]);
        let said = listing
            .entries
            .into_iter()
            .next()
            .map(|e| e.read(&ZipLimits::default()));
        assert!(
            matches!(&said, Some(Err(SourceError::Archive(m))) if m.contains("1 member shares a name")),
            "{said:?}"
        );
    }

    #[test]
    fn nested_zips_open_one_level_deep() {
        let innermost = zip_of(&[("deep.txt", b"x")], zip::CompressionMethod::Stored);
        let inner = zip_of(
            &[("doc.txt", b"inner"), ("more.zip", &innermost)],
            zip::CompressionMethod::Stored,
        );
        let outer = zip_of(
            &[("dept/inner.zip", &inner), ("top.txt", b"top")],
            zip::CompressionMethod::Deflated,
        );
        let c = read(list(Arc::from(outer), &ZipLimits::default()).unwrap());
        let names: Vec<_> = c.iter().map(|m| m.0.as_str()).collect();
        assert_eq!(
            names,
            [
                "dept/inner.zip/doc.txt",
                "dept/inner.zip/more.zip",
                "top.txt"
            ]
        );
        assert_eq!(c[0].1.as_deref().unwrap(), b"inner");
        assert!(matches!(c[1].1, Err(SourceError::Unsupported(_))));
    }

    #[test]
    fn a_bomb_member_is_refused_and_the_rest_is_read() {
        let zeros = vec![0u8; 64 << 20]; // 64 MiB of zeros deflate to ~64 KiB
        let z = zip_of(
            &[("bomb.txt", &zeros), ("ok.txt", b"fine")],
            zip::CompressionMethod::Deflated,
        );
        let limits = ZipLimits {
            max_member_size: 16 << 20,
            max_ratio: 200,
            ..ZipLimits::default()
        };
        let listing = list(Arc::from(z.as_slice()), &limits).unwrap();
        let c: Vec<_> = listing
            .entries
            .into_iter()
            .map(|e| e.read(&limits))
            .collect();
        assert!(
            matches!(c[0], Err(SourceError::MemberTooLarge { .. })),
            "{:?}",
            c[0].as_ref().err()
        );
        assert_eq!(c[1].as_deref().unwrap(), b"fine");
        // the ratio cap catches it below the size cap
        let c = read(list(Arc::from(z.as_slice()), &ZipLimits::default()).unwrap());
        assert!(matches!(c[0].1, Err(SourceError::Ratio { .. })));
    }

    #[test]
    fn garbage_is_an_archive_error() {
        assert!(matches!(
            list(Arc::from(&b"PK\x03\x04garbage"[..]), &ZipLimits::default()),
            Err(SourceError::Archive(_))
        ));
    }
}
