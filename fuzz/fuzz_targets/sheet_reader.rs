#![no_main]
//! See `jixiao_fuzz::sheet_reader` (fuzz/src/lib.rs) for what is checked.
//!
//! jixiao catches calamine's panics on malformed records (a damaged file is
//! `corrupt`), so the target puts the default panic hook back in place of
//! libfuzzer-sys's aborting one: a caught panic is no crash, while one that
//! escapes still aborts in libfuzzer-sys's `catch_unwind` and is reported.

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        let _ = std::panic::take_hook();
    },
    |data: &[u8]| {
        jixiao_fuzz::sheet_reader(data);
    }
);
