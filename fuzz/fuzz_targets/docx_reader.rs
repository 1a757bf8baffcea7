#![no_main]
//! See `jixiao_fuzz::docx_reader` (fuzz/src/lib.rs) for what is checked.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    jixiao_fuzz::docx_reader(data);
});
