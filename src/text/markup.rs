//! The markup Discord cannot show: HTML tags dropped (an `<img>` becomes
//! "[image]"), markdown images turned into "[image: alt]".
//!
//! Linear in the text. Each search for what closes an image or a tag (`](`,
//! `)`, `>`) goes on from the last one's answer ([`Next`]), so a text of
//! unclosed openings (`![![![…`, `<b<b<b…`), which GitHub accepts and signs
//! at 65,536 characters, costs no more than any other. The cleaner before
//! this searched to the end of the text from every opening.

use super::one_line;

/// HTML tags GitHub renders and Discord shows raw; their text is kept.
pub(super) const DROPPED_TAGS: &[&str] = &[
    "details", "summary", "br", "p", "div", "span", "sub", "sup", "b", "i", "em", "strong", "kbd",
    "picture", "source", "a", "img",
];

/// Removes the HTML tags Discord cannot show (an `<img>` becomes
/// "[image]") and turns markdown images into "[image: alt]".
pub fn strip_markup(s: &str) -> String {
    Stripper::new(s).run()
}

/// The work a strip took: bytes looked at by its searches, for the tests
/// that show it linear.
#[cfg(test)]
fn strip_markup_steps(s: &str) -> (String, usize) {
    let mut stripper = Stripper::new(s);
    let out = stripper.clean();
    (out, stripper.steps())
}

struct Stripper<'a> {
    s: &'a str,
    /// The next `](` (an image's alt ends), `)` (its URL ends), `>` (a tag ends).
    alt_end: Next,
    url_end: Next,
    tag_end: Next,
    /// Bytes looked at by the scan for the next `<` or `!`.
    scanned: usize,
}

impl<'a> Stripper<'a> {
    fn new(s: &'a str) -> Self {
        Stripper {
            s,
            alt_end: Next::new("]("),
            url_end: Next::new(")"),
            tag_end: Next::new(">"),
            scanned: 0,
        }
    }

    fn run(mut self) -> String {
        self.clean()
    }

    fn clean(&mut self) -> String {
        let s = self.s;
        let mut out = String::with_capacity(s.len());
        let mut at = 0;
        while let Some(found) = s[at..].find(['<', '!']) {
            self.scanned += found + 1;
            let pos = at + found;
            out.push_str(&s[at..pos]);
            if let Some((replacement, end)) = self.image(pos).or_else(|| self.tag(pos)) {
                out.push_str(&replacement);
                at = end;
            } else {
                // `<` and `!` are one byte each.
                out.push_str(&s[pos..pos + 1]);
                at = pos + 1;
            }
        }
        out.push_str(&s[at..]);
        out
    }

    /// `![alt](url)` at `pos`: its text and where it ends. The alt runs to
    /// the first `](` after `![`, the URL to the first `)` after that.
    fn image(&mut self, pos: usize) -> Option<(String, usize)> {
        let s = self.s;
        if !s[pos..].starts_with("![") {
            return None;
        }
        let alt_end = self.alt_end.at_or_after(s, pos + 2)?;
        let url_end = self.url_end.at_or_after(s, alt_end)?;
        let alt = one_line(&s[pos + 2..alt_end]);
        let text = if alt.is_empty() {
            "[image]".to_string()
        } else {
            format!("[image: {alt}]")
        };
        Some((text, url_end + 1))
    }

    /// A tag Discord cannot show at `pos`, to its first `>`: its text and
    /// where it ends.
    fn tag(&mut self, pos: usize) -> Option<(String, usize)> {
        let s = self.s;
        let inner = s[pos..].strip_prefix('<')?;
        // No dropped tag's name is longer than this, so a longer run of
        // letters is no dropped tag and need not be read to its end.
        let name: String = inner
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .take(TAG_NAME_MAX + 1)
            .collect();
        let name = name.to_ascii_lowercase();
        if !DROPPED_TAGS.contains(&name.as_str()) {
            return None;
        }
        let end = self.tag_end.at_or_after(s, pos)? + 1;
        let text = if name == "img" { "[image]" } else { "" };
        Some((text.to_string(), end))
    }

    #[cfg(test)]
    fn steps(&self) -> usize {
        self.scanned + self.alt_end.steps + self.url_end.steps + self.tag_end.steps
    }
}

/// The longest name in [`DROPPED_TAGS`].
const TAG_NAME_MAX: usize = 7;

/// The first place at or after a position where a pattern starts, for
/// positions asked in increasing order: an answer found from an earlier
/// position stands until the position passes it, and a "none" stands for
/// good, so every byte is searched about once however often it is asked.
struct Next {
    pattern: &'static str,
    /// The last search: where it started, and what it found.
    last: Option<(usize, Option<usize>)>,
    /// Bytes looked at so far.
    steps: usize,
}

impl Next {
    fn new(pattern: &'static str) -> Self {
        Next {
            pattern,
            last: None,
            steps: 0,
        }
    }

    fn at_or_after(&mut self, s: &str, pos: usize) -> Option<usize> {
        match self.last {
            // Nothing from `from` on, so nothing from `pos` on.
            Some((from, None)) if from <= pos => return None,
            // The first one from `from` on, and none lies in `from..pos`.
            Some((from, Some(at))) if from <= pos && at >= pos => return Some(at),
            _ => {}
        }
        let found = s[pos..].find(self.pattern).map(|i| pos + i);
        self.steps += found.map_or(s.len(), |at| at + self.pattern.len()) - pos;
        self.last = Some((pos, found));
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::quadratic;

    /// Texts made of the pieces markup is made of, from a seeded xorshift.
    fn markup_soup(seed: u64, count: usize) -> Vec<String> {
        const PIECES: &[&str] = &[
            "!",
            "![",
            "[",
            "]",
            "](",
            "(",
            ")",
            "<",
            ">",
            "/",
            "</",
            "<b>",
            "<img ",
            "<details",
            "<summary>",
            "<Br/>",
            "<picturex>",
            "<strongest",
            "a",
            "x y",
            "\n",
            " ",
            "é",
            "🚀",
            "@",
            "<!",
            "!!",
            "]]",
            "((",
            "<sub",
            "kbd",
            "<i",
            "SPAN",
            "\t",
        ];
        let mut state = seed | 1;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        (0..count)
            .map(|_| {
                let len = (next() % 24) as usize;
                (0..len)
                    .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                    .collect()
            })
            .collect()
    }

    #[test]
    fn the_linear_cleaner_says_what_the_old_one_said() {
        for text in markup_soup(0x5eed, 50_000) {
            assert_eq!(
                strip_markup(&text),
                quadratic::strip_markup(&text),
                "{text:?}"
            );
        }
    }

    /// Bodies GitHub accepts (65,536 characters) that made the old cleaner
    /// search to the end of the text from every opening.
    const ADVERSARIAL: &[&str] = &["![", "<b", "![a](", "<img ", "</details", "<", "[", "!"];

    #[test]
    fn cleaning_is_linear_in_the_text() {
        for unit in ADVERSARIAL {
            let text = |bytes: usize| unit.repeat(bytes / unit.len());
            let (out, _) = strip_markup_steps(&text(4 << 10));
            assert_eq!(out, quadratic::strip_markup(&text(4 << 10)), "{unit:?}");
            let (_, small) = strip_markup_steps(&text(32 << 10));
            let (_, large) = strip_markup_steps(&text(64 << 10));
            assert!(
                large <= 4 * (64 << 10),
                "{unit:?}: {large} steps for 64 KiB"
            );
            assert!(
                large * 10 <= small * 22,
                "{unit:?}: twice the text took {large} steps against {small}"
            );
        }
    }

    #[test]
    fn the_old_cleaner_was_quadratic_by_the_same_measure() {
        for unit in ["![", "<b", "![a]("] {
            let text = |bytes: usize| unit.repeat(bytes / unit.len());
            let (_, small) = quadratic::strip_markup_steps(&text(8 << 10));
            let (_, large) = quadratic::strip_markup_steps(&text(16 << 10));
            assert!(large > 3 * small, "{unit:?}: {large} against {small}");
            assert!(large > 4 * (16 << 10), "{unit:?}: {large}");
        }
    }
}
