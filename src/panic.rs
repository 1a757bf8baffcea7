//! Catching a panic where a dependency (or a bug of ours) may raise one:
//! a panic in one document becomes that document's error line.
//!
//! A leaf module: every stage may use it, and it uses none of them.

/// Runs `f`, catching a panic: `Err` holds the panic's message. The one
/// place a panic payload is read (documents, workers, calamine calls).
pub fn catch_panic<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string())
    })
}
