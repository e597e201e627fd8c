//! The body cleaner as it was before it was made linear (it searched to
//! the end of the text from every opening), kept for the tests to check
//! the new one against, with its searches' work counted the same way as
//! the new one counts its own.

use super::markup::DROPPED_TAGS;
use super::one_line;
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
