//! A private Redis that speaks TLS only, with a user and password, as
//! hosted providers run it: a self-signed certificate made with `openssl`,
//! and a `rediss://user:password@…/#insecure` URL to reach it.

use crate::ports::{free_port, wait_ready};
use crate::servers::unique_namespace;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::Duration;

pub const USER: &str = "threadline";
/// Percent-encoded in the URL, as hosts hand out passwords.
pub const PASSWORD: &str = "s3cret/p@ss";

pub struct TlsRedis {
    pub port: u16,
    dir: PathBuf,
    child: Child,
}

impl TlsRedis {
    pub fn start() -> Self {
        let dir = PathBuf::from(format!("/tmp/tlrtls{}", unique_namespace()));
        std::fs::create_dir_all(&dir).unwrap();
        self_signed(&dir);
        let mut last = String::new();
        for _ in 0..3 {
            let port = free_port();
            let mut child = spawn(&dir, port);
            match wait_ready(
                &mut child,
                &dir.join("redis.out"),
                "Ready to accept connections",
                Duration::from_secs(20),
            ) {
                Ok(()) => return TlsRedis { port, dir, child },
                Err(e) => last = e,
            }
        }
        panic!("TLS redis-server did not start on three free ports: {last}");
    }

    /// The URL as a host would give it, `#insecure` for the self-signed
    /// certificate.
    pub fn url(&self) -> String {
        let password = PASSWORD.replace('/', "%2F").replace('@', "%40");
        format!(
            "rediss://{USER}:{password}@127.0.0.1:{}/#insecure",
            self.port
        )
    }
}

impl Drop for TlsRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn self_signed(dir: &std::path::Path) {
    let status = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args([
            "-subj",
            "/CN=localhost",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
        ])
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("openssl (bin/setup installs it)");
    assert!(status.success(), "openssl could not make a certificate");
}

fn spawn(dir: &std::path::Path, port: u16) -> Child {
    let out = std::fs::File::create(dir.join("redis.out")).unwrap();
    let password = format!(">{PASSWORD}");
    Command::new("redis-server")
        .args(["--port", "0", "--tls-port", &port.to_string()])
        .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .args(["--tls-cert-file", "cert.pem", "--tls-key-file", "key.pem"])
        .args(["--tls-ca-cert-file", "cert.pem", "--tls-auth-clients", "no"])
        // Each word of an ACL rule is its own argument on the command line.
        .args(["--user", USER, "on", &password, "~*", "&*", "+@all"])
        .args(["--user", "default", "off"])
        .current_dir(dir)
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .expect("redis-server (bin/setup installs it)")
}
