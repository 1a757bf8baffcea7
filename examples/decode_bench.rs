//! The decode stage alone over a folder of documents, for `scripts/bench.sh`:
//! how far end-to-end throughput is from detection + decoding.
//!
//!     cargo run --release --example decode_bench -- DIR

use std::time::Instant;

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: decode_bench DIR");
        std::process::exit(2);
    };
    let files: Vec<Vec<u8>> = walkdir::WalkDir::new(&dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| std::fs::read(e.path()).ok())
        .collect();
    let bytes: usize = files.iter().map(Vec::len).sum();
    let start = Instant::now();
    let mut chars = 0usize;
    for f in &files {
        if let Ok(d) = jixiao::decode::decode(f) {
            chars += d.text.len();
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "decode only: {} documents, {:.1} MB in {:.2} s = {:.1} MB/s (one core; {} bytes of text)",
        files.len(),
        bytes as f64 / 1e6,
        secs,
        bytes as f64 / 1e6 / secs,
        chars
    );
}
