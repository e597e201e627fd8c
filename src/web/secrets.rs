//! `GITHUB_WEBHOOK_SECRET` may list several secrets, comma-separated, for
//! rotation without downtime: set `new,old`, change the secret on GitHub,
//! then drop `old`. A signature valid under any of them is accepted, and
//! the delivery's log line says which one matched, by position (1 is the
//! first), never by value. Each extra secret costs one more HMAC of the
//! body, only while it is listed.

use super::signature::{self, Refusal};
use crate::settings::Secret;

/// The secrets of a `GITHUB_WEBHOOK_SECRET` value, in order.
pub fn split(raw: &Secret) -> Vec<Secret> {
    raw.expose()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| Secret(s.to_string()))
        .collect()
}

/// A signature check against each secret at once, fed chunk by chunk.
pub struct Verifier {
    each: Vec<signature::Verifier>,
}

impl Verifier {
    /// Refuses a missing or malformed header before any body is read.
    pub fn new(secrets: &[Secret], header: Option<&[u8]>) -> Result<Self, Refusal> {
        let each = secrets
            .iter()
            .map(|s| signature::Verifier::new(s.expose().as_bytes(), header))
            .collect::<Result<Vec<_>, _>>()?;
        if each.is_empty() {
            return Err(Refusal::Mismatch);
        }
        Ok(Verifier { each })
    }

    pub fn update(&mut self, chunk: &[u8]) {
        for v in &mut self.each {
            v.update(chunk);
        }
    }

    /// The position (from 1) of the first secret the signature matches.
    pub fn finish(self) -> Result<usize, Refusal> {
        let mut matched = None;
        // Every tag is computed and compared, so timing does not tell which.
        for (i, v) in self.each.into_iter().enumerate() {
            if v.finish().is_ok() && matched.is_none() {
                matched = Some(i + 1);
            }
        }
        matched.ok_or(Refusal::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &[u8] = b"sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    fn check(raw: &str, header: Option<&[u8]>) -> Result<usize, Refusal> {
        let mut v = Verifier::new(&split(&Secret(raw.into())), header)?;
        v.update(b"Hello, ");
        v.update(b"World!");
        v.finish()
    }

    #[test]
    fn any_listed_secret_matches_and_says_which() {
        assert_eq!(check("It's a Secret to Everybody", Some(GOOD)), Ok(1));
        assert_eq!(
            check("new-one, It's a Secret to Everybody", Some(GOOD)),
            Ok(2)
        );
        assert_eq!(check("new-one,other", Some(GOOD)), Err(Refusal::Mismatch));
        assert_eq!(check("a,b", None), Err(Refusal::Missing));
        assert_eq!(check(" , ", Some(GOOD)), Err(Refusal::Mismatch));
    }
}
