//! Durations as people write them in config and on the command line:
//! `90s`, `30m`, `1h30m`, `2d`. A unit is required, so that `10` is never
//! silently read as seconds where minutes were meant.

/// A duration such as `90s`, `30m`, `1h30m` or `2d`.
pub fn parse(raw: &str) -> Option<std::time::Duration> {
    let mut total = 0u64;
    let mut number = String::new();
    for c in raw.trim().chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return None,
        };
        let n: u64 = std::mem::take(&mut number).parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
    }
    (number.is_empty() && !raw.trim().is_empty()).then(|| std::time::Duration::from_secs(total))
}
