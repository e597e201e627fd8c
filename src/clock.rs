//! The wall clock, in the one unit the house stores: milliseconds since the
//! Unix epoch. It sits below every other module so that `web`, the CLI and
//! the GitHub client can read the time without linking worker code.

/// Milliseconds since the epoch (0 for a clock set before 1970, rather than
/// a panic on a misconfigured host).
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
