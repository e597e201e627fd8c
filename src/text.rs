//! Text shaping: GitHub markdown in, Discord-safe text out.
//!
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

/// The cleaned, bounded excerpt of a PR body that a job carries.
pub fn body_excerpt(body: Option<&str>) -> (String, bool) {
    let cleaned = strip_html_comments(body.unwrap_or(""));
    let cleaned = cleaned.trim();
    truncate_chars(cleaned, EXCERPT_MAX)
}

/// `#123 Title`, cut to Discord's 100 characters: the title is cut, never the number.
pub fn thread_name(number: u64, title: &str, draft: bool) -> String {
    let prefix = if draft {
        format!("[draft] #{number} ")
    } else {
        format!("#{number} ")
    };
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

/// Breaks `@everyone` and `@here` with a zero-width space.
pub fn defuse_mentions(s: &str) -> String {
    s.replace("@everyone", "@\u{200b}everyone")
        .replace("@here", "@\u{200b}here")
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
    let body = defuse_mentions(body.trim());
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
    fn truncation_counts_characters() {
        let (s, cut) = truncate_chars(&"é".repeat(10), 5);
        assert!(cut);
        assert_eq!(s.chars().count(), 5);
        assert!(s.ends_with('…'));
        assert_eq!(truncate_chars("short", 5), ("short".into(), false));
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
    fn mentions_are_defused() {
        let s = defuse_mentions("hi @everyone and @here");
        assert!(!s.contains("@everyone") && !s.contains("@here"));
    }
}
