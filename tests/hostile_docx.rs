//! Hostile Word documents (issue 14): each is generated here, runs beside
//! one good document, and must cost exactly one error line, with the run's
//! peak RSS bounded (see `hostile_inputs::check`).

use crate::hostile_inputs::{Raw, check, crc32, deflate, raw_zip};

/// A package whose only part is `word/document.xml`: `data` deflated,
/// standing for `size` bytes with checksum `crc`.
fn docx_of(data: &[u8], crc: u32, size: u32) -> Vec<u8> {
    raw_zip(&[Raw {
        name: "word/document.xml".into(),
        method: 8,
        crc,
        size,
        data,
        same_as: None,
    }])
}

/// A raw deflate stream of `mib` MiB of zeros, made without compressing
/// them all: one MiB compressed and ended by a full flush (byte-aligned,
/// no reference to what came before) is repeated, then a final empty
/// block ends the stream. With its CRC-32.
fn zeros(mib: usize) -> (Vec<u8>, u32) {
    let chunk = vec![0u8; 1 << 20];
    let mut z = flate2::Compress::new(flate2::Compression::best(), false);
    let mut one = Vec::with_capacity(16 << 10);
    z.compress_vec(&chunk, &mut one, flate2::FlushCompress::Full)
        .expect("deflate");
    assert_eq!(z.total_in(), 1 << 20, "the output buffer was large enough");
    let mut stream = Vec::with_capacity(one.len() * mib + 2);
    for _ in 0..mib {
        stream.extend_from_slice(&one);
    }
    stream.extend_from_slice(&[0x03, 0x00]); // final fixed block, no symbols
    let mut crc = flate2::Crc::new();
    let mut part = flate2::Crc::new();
    part.update(&chunk);
    for _ in 0..mib {
        crc.combine(&part);
    }
    (stream, crc.sum())
}

#[test]
fn docx_whose_body_is_a_gigabyte_of_zeros() {
    // 1 GiB of zeros in about 1 MB: its zip entry says so, and the part is
    // refused before a byte is inflated (--max-member-size, 256 MiB).
    let (stream, crc) = zeros(1024);
    check(
        "z-bomb.docx",
        &docx_of(&stream, crc, 1 << 30),
        "read",
        "too_large",
        "--max-member-size",
    );
}

#[test]
fn docx_whose_body_is_a_gigabyte_of_zeros_under_a_smaller_size() {
    // The same stream declaring 255 MiB: read until it has expanded more
    // than 200 times its compressed size (--max-zip-ratio), at about
    // 200 MB, never to its 1 GiB.
    let (stream, crc) = zeros(1024);
    check(
        "z-bomb-lying.docx",
        &docx_of(&stream, crc, 255 << 20),
        "read",
        "too_large",
        "--max-zip-ratio",
    );
}

#[test]
fn docx_of_tables_nested_ten_thousand_deep() {
    let open = "<w:tbl><w:tr><w:tc>".repeat(10_000);
    let close = "</w:tc></w:tr></w:tbl>".repeat(10_000);
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{open}<w:p><w:r><w:t>项目名称</w:t></w:r></w:p>{close}</w:body></w:document>"#
    );
    check(
        "z-nested.docx",
        &docx_of(
            &deflate(xml.as_bytes()),
            crc32(xml.as_bytes()),
            xml.len() as u32,
        ),
        "parse",
        "too_deep",
        "nested",
    );
}
