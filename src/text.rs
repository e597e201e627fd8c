//! Text shaping: GitHub markdown in, Discord-safe text out.
//!
//! What Discord cannot show (HTML comments, `<details>` and other tags,
//! images) is cleaned rather than dumped raw.
//! Discord counts limits in characters (names 1–100, messages 2000), so
//! every cut here is by `char`, never by byte. Mentions are neutralised
//! twice: `allowed_mentions` stops the ping, and a zero-width space keeps
//! `@everyone` from even looking like one.

/// Discord's limit on thread and channel names.
pub const NAME_MAX: usize = 100;
/// Discord's limit on message content.
pub const MESSAGE_MAX: usize = 2000;
/// How much of a PR body a job carries.
pub const EXCERPT_MAX: usize = 1500;

/// Removes `<!-- ... -->` comments; an unterminated one runs to the end.
pub fn strip_html_comments(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        match rest[start + 4..].find("-->") {
            Some(end) => rest = &rest[start + 4 + end + 3..],
            None => rest = "",
        }
    }
    out.push_str(rest);
    out
}

/// Cuts `s` to at most `max` characters, ending in "…" when cut.
pub fn truncate_chars(s: &str, max: usize) -> (String, bool) {
    if s.chars().count() <= max {
        return (s.to_string(), false);
    }
    let kept: String = s.chars().take(max.saturating_sub(1)).collect();
    (format!("{}…", kept.trim_end()), true)
}

/// HTML tags GitHub renders and Discord shows raw; their text is kept.
const DROPPED_TAGS: &[&str] = &[
    "details", "summary", "br", "p", "div", "span", "sub", "sup", "b", "i", "em", "strong", "kbd",
    "picture", "source", "a", "img",
];

/// Removes the HTML tags Discord cannot show (an `<img>` becomes
/// "[image]") and turns markdown images into "[image: alt]".
///
/// Linear in the text: every search for what closes an image or a tag
/// goes forward from the last one's answer (see [`Next`]), so a text of
/// unclosed openings (`![![![…`, `<b<b<b…`) costs no more than any other.
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

/// How much of a text is cleaned for an excerpt, after its comments are
/// gone: sixteen excerpts, so that markup dropped by the cleaning (images'
/// URLs, tags) leaves the excerpt full, while a text of any size costs the
/// same as one of this size.
const CLEAN_MAX: usize = 16 * EXCERPT_MAX;

/// The cleaned, bounded excerpt of a PR body that a job carries. Comments
/// go first (a template's may fill the body's first kilobytes, and their
/// removal is one pass), then the rest is cut to [`CLEAN_MAX`] characters
/// before the markup is cleaned.
pub fn body_excerpt(body: Option<&str>) -> (String, bool) {
    let uncommented = strip_html_comments(body.unwrap_or(""));
    let (kept, cut) = match uncommented.char_indices().nth(CLEAN_MAX) {
        Some((end, _)) => (&uncommented[..end], true),
        None => (uncommented.as_str(), false),
    };
    let cleaned = strip_markup(kept);
    let (text, truncated) = truncate_chars(cleaned.trim(), EXCERPT_MAX);
    (text, truncated || cut)
}

/// `#123 Title`, cut to Discord's 100 characters: the title is cut, never the number.
pub fn thread_name(number: u64, title: &str, draft: bool) -> String {
    thread_name_in(None, number, title, draft)
}

/// The longest repository name kept in a qualified thread name, so that
/// the title keeps some room.
const REPO_IN_NAME_MAX: usize = 40;

/// `rocket#123 Title` when `repo` (the name without its owner) is given,
/// for channels that more than one repository reaches; `#123 Title`
/// otherwise. The title is cut first, then the repository name, never the
/// number.
pub fn thread_name_in(repo: Option<&str>, number: u64, title: &str, draft: bool) -> String {
    let repo = repo.map_or(String::new(), |r| {
        truncate_chars(&one_line(r), REPO_IN_NAME_MAX).0
    });
    let draft = if draft { "[draft] " } else { "" };
    let prefix = format!("{draft}{repo}#{number} ");
    let title = one_line(title);
    let room = NAME_MAX.saturating_sub(prefix.chars().count());
    let (title, _) = truncate_chars(&title, room);
    let name = format!("{prefix}{title}");
    name.trim_end().to_string()
}

/// Collapses whitespace runs (newlines included) into single spaces.
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Breaks `@everyone` and `@here` with a zero-width space, and masked
/// links (`[github.com](https://elsewhere)`) so that the text shown is the
/// address visited.
pub fn defuse(s: &str) -> String {
    s.replace("@everyone", "@\u{200b}everyone")
        .replace("@here", "@\u{200b}here")
        .replace("](", "]\u{200b}(")
}

/// Quotes every line as a Discord block quote.
pub fn quote(s: &str) -> String {
    s.lines()
        .map(|l| format!("> {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `head`, then `body` quoted, the whole within Discord's 2000
/// characters; a cut body ends with a link to the full text at `url`.
pub fn with_excerpt(head: &str, body: &str, truncated: bool, url: &str) -> String {
    let body = defuse(body.trim());
    if body.is_empty() {
        return truncate_chars(head, MESSAGE_MAX).0;
    }
    let more = format!("\n… full text: <{url}>");
    let room = MESSAGE_MAX.saturating_sub(head.chars().count() + more.chars().count() + 2);
    let (quoted, cut) = truncate_chars(&quote(&body), room);
    let tail = if cut || truncated { more.as_str() } else { "" };
    truncate_chars(&format!("{head}\n\n{quoted}{tail}"), MESSAGE_MAX).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_removed_even_unterminated() {
        assert_eq!(strip_html_comments("a<!-- x -->b<!-- y"), "ab");
        assert_eq!(strip_html_comments("no comments"), "no comments");
    }

    #[test]
    fn markup_discord_cannot_show_is_cleaned() {
        let s = strip_markup(
            "<details><summary>Log</summary>\nline</details> ![shot](x.png) <img src=\"a\"> a < b",
        );
        assert_eq!(s, "Log\nline [image: shot] [image] a < b");
        assert_eq!(strip_markup("é! ![](u) <b>x</b>"), "é! [image] x");
    }

    /// The cleaner as it was before it was made linear, kept to check the
    /// new one against, with its searches' work counted the same way.
    mod quadratic {
        use super::super::{one_line, DROPPED_TAGS};
        use std::cell::Cell;

        thread_local!(static STEPS: Cell<usize> = const { Cell::new(0) });

        fn find(s: &str, pattern: &str) -> Option<usize> {
            let found = s.find(pattern);
            let looked = found.map_or(s.len(), |i| i + pattern.len());
            STEPS.with(|n| n.set(n.get() + looked));
            found
        }

        pub fn strip_markup_steps(s: &str) -> (String, usize) {
            STEPS.with(|n| n.set(0));
            let out = strip_markup(s);
            (out, STEPS.with(Cell::get))
        }

        pub fn strip_markup(s: &str) -> String {
            let mut out = String::with_capacity(s.len());
            let mut rest = s;
            while let Some(pos) = rest.find(['<', '!']) {
                STEPS.with(|n| n.set(n.get() + pos + 1));
                out.push_str(&rest[..pos]);
                let tail = &rest[pos..];
                if let Some((replacement, used)) = markdown_image(tail).or_else(|| html_tag(tail)) {
                    out.push_str(&replacement);
                    rest = &tail[used..];
                } else {
                    let ch = tail.chars().next().map_or(1, char::len_utf8);
                    out.push_str(&tail[..ch]);
                    rest = &tail[ch..];
                }
            }
            out.push_str(rest);
            out
        }

        fn markdown_image(s: &str) -> Option<(String, usize)> {
            let alt_end = find(s.strip_prefix("![")?, "](")? + 2;
            let url_end = find(&s[alt_end..], ")")? + alt_end;
            let alt = one_line(&s[2..alt_end]);
            let text = if alt.is_empty() {
                "[image]".to_string()
            } else {
                format!("[image: {alt}]")
            };
            Some((text, url_end + 1))
        }

        fn html_tag(s: &str) -> Option<(String, usize)> {
            let inner = s.strip_prefix('<')?;
            let name: String = inner
                .trim_start_matches('/')
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect();
            let name = name.to_ascii_lowercase();
            if !DROPPED_TAGS.contains(&name.as_str()) {
                return None;
            }
            let end = find(s, ">")? + 1;
            let text = if name == "img" { "[image]" } else { "" };
            Some((text.to_string(), end))
        }
    }

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

    #[test]
    fn excerpts_cut_before_cleaning_and_say_so() {
        let body = format!(
            "<!-- {} -->kept {}",
            "x".repeat(50_000),
            "![".repeat(60_000)
        );
        let (text, truncated) = body_excerpt(Some(&body));
        assert!(truncated);
        assert!(text.starts_with("kept ![!["), "{text:.20}");
        assert_eq!(text.chars().count(), EXCERPT_MAX);
        // A template's screenshots are cleaned away before the excerpt is cut.
        let shot = "<img width=\"800\" alt=\"Screenshot\" src=\"https://github.com/user-attachments/assets/0f3c9d2e-1a2b-4c5d-8e9f-0a1b2c3d4e5f\" /> ";
        let body = format!("{}{}", shot.repeat(60), "word ".repeat(400));
        let (text, truncated) = body_excerpt(Some(&body));
        assert!(truncated);
        assert!(text.starts_with("[image] [image]"), "{text}");
        assert!(text.ends_with("word word…"), "{text}");
    }

    #[test]
    fn truncation_counts_characters() {
        let (s, cut) = truncate_chars(&"é".repeat(10), 5);
        assert!(cut);
        assert_eq!(s.chars().count(), 5);
        assert!(s.ends_with('…'));
        assert_eq!(truncate_chars("short", 5), ("short".into(), false));
    }

    #[test]
    fn qualified_names_carry_the_repo_and_keep_the_number() {
        assert_eq!(
            thread_name_in(Some("rocket"), 12, "Title", false),
            "rocket#12 Title"
        );
        assert_eq!(
            thread_name_in(Some("rocket"), 12, "T", true),
            "[draft] rocket#12 T"
        );
        let name = thread_name_in(Some(&"r".repeat(100)), 987654, &"x".repeat(200), true);
        assert!(name.chars().count() <= NAME_MAX);
        assert!(name.contains("#987654 "), "{name}");
    }

    #[test]
    fn thread_name_keeps_the_number_and_fits() {
        let name = thread_name(123456, &"Ünïcödé 🚀 ".repeat(40), false);
        assert!(name.starts_with("#123456 Ünïcödé"));
        assert!(name.chars().count() <= NAME_MAX);
        let draft = thread_name(7, "WIP\nthing", true);
        assert_eq!(draft, "[draft] #7 WIP thing");
    }

    #[test]
    fn mentions_and_masked_links_are_defused() {
        let s = defuse("hi @everyone and @here, see [github.com](https://evil.example)");
        assert!(!s.contains("@everyone") && !s.contains("@here"));
        assert!(!s.contains("]("), "{s}");
    }
}
