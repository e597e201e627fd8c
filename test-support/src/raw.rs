//! HTTP/1.1 over a bare TCP stream, for tests that decide how and when a
//! request's bytes are sent: headers alone, a body trickled, a chunked body
//! with no end.

use std::collections::HashMap;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::net::TcpStream;

/// A response as read off the wire; header names in lower case.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub body: String,
}

/// Connects to `address` (`http://127.0.0.1:PORT`).
pub async fn connect(address: &str) -> TcpStream {
    let host = address.trim_start_matches("http://");
    TcpStream::connect(host).await.expect("web accepts")
}

/// The request line and headers of a `POST`, ending with the blank line.
pub fn post_head(path: &str, headers: &[(&str, String)]) -> Vec<u8> {
    let mut head = format!("POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    head.into_bytes()
}

/// GitHub's headers for a delivery of `len` bytes (`None`: chunked); the
/// delivery label is sent as its GUID.
pub fn github_headers(
    delivery: &str,
    len: Option<usize>,
    sig: Option<String>,
) -> Vec<(&'static str, String)> {
    let mut h = vec![
        ("X-GitHub-Event", "pull_request".to_string()),
        ("X-GitHub-Delivery", crate::fixtures::guid(delivery)),
        ("Content-Type", "application/json".to_string()),
    ];
    match len {
        Some(n) => h.push(("Content-Length", n.to_string())),
        None => h.push(("Transfer-Encoding", "chunked".to_string())),
    }
    if let Some(sig) = sig {
        h.push(("X-Hub-Signature-256", sig));
    }
    h
}

/// Well-formed, signed with no secret at all.
pub fn made_up_signature() -> Option<String> {
    Some(format!("sha256={}", "ab".repeat(32)))
}

/// One chunk of a chunked body.
pub fn chunk(data: &[u8]) -> Vec<u8> {
    let mut out = format!("{:x}\r\n", data.len()).into_bytes();
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
    out
}

/// Reads one response: status line, headers, then a `Content-Length` body.
pub async fn read_response<R: AsyncRead + Unpin>(reader: &mut R) -> RawResponse {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let mut byte = [0u8; 1024];
        let n = reader.read(&mut byte).await.expect("response readable");
        assert!(n > 0, "connection closed before a response");
        buf.extend_from_slice(&byte[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let mut more = [0u8; 1024];
        let n = reader.read(&mut more).await.expect("body readable");
        assert!(n > 0, "connection closed inside the response body");
        body.extend_from_slice(&more[..n]);
    }
    RawResponse {
        status,
        headers,
        body: String::from_utf8_lossy(&body).to_string(),
    }
}

/// Reads until the server closes the connection (end of stream or reset);
/// returns how many more bytes it sent. Hangs if it never does.
pub async fn until_closed<R: AsyncRead + Unpin>(reader: &mut R) -> usize {
    let mut extra = 0;
    let mut buf = [0u8; 4096];
    loop {
        match reader.read(&mut buf).await {
            Ok(0) | Err(_) => return extra,
            Ok(n) => extra += n,
        }
    }
}
