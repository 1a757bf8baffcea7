#![no_main]
//! See `jixiao_fuzz::pdf_reader` (fuzz/src/lib.rs) for what is checked.
//!
//! The default panic hook replaces libfuzzer-sys's aborting one, as in
//! `sheet_reader`: a panic jixiao catches is no crash, one that escapes
//! still aborts in libfuzzer-sys's `catch_unwind` and is reported.

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        let _ = std::panic::take_hook();
    },
    |data: &[u8]| {
        jixiao_fuzz::pdf_reader(data);
    }
);
