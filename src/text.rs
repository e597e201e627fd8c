//! Text shaping: GitHub markdown in, Discord-safe text out.
//!
//! What Discord cannot show (HTML comments, `<details>` and other tags,
//! images) is cleaned rather than dumped raw.
//! Discord counts limits in characters (names 1–100, messages 2000), so
//! every cut here is by `char`, never by byte. Mentions are neutralised
//! twice: `allowed_mentions` stops the ping, and a zero-width space keeps
//! `@everyone` from even looking like one. The markup cleaner is in
//! `markup`, linear in the text.

mod markup;
#[cfg(test)]
mod quadratic;

pub use markup::strip_markup;

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

    /// Every `body` in the GitHub fixtures (real payloads and edge cases).
    fn fixture_bodies() -> Vec<String> {
        fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "json") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
                        bodies(&v, out);
                    }
                }
            }
        }
        fn bodies(v: &serde_json::Value, out: &mut Vec<String>) {
            match v {
                serde_json::Value::Object(map) => {
                    for (k, v) in map {
                        match v.as_str() {
                            Some(text) if k == "body" => out.push(text.to_string()),
                            _ => bodies(v, out),
                        }
                    }
                }
                serde_json::Value::Array(items) => items.iter().for_each(|v| bodies(v, out)),
                _ => {}
            }
        }
        let mut out = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/github"),
            &mut out,
        );
        out
    }

    #[test]
    fn real_bodies_are_cleaned_and_excerpted_as_before() {
        let bodies = fixture_bodies();
        assert!(bodies.len() >= 10, "{} bodies", bodies.len());
        for body in bodies {
            let old = quadratic::strip_markup(&strip_html_comments(&body));
            let old_excerpt = truncate_chars(old.trim(), EXCERPT_MAX);
            assert_eq!(body_excerpt(Some(&body)), old_excerpt, "{body:?}");
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
