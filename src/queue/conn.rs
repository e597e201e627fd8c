//! A Faktory connection that can always be dropped safely.
//!
//! The faktory crate's `Client` writes `END` in its `Drop` and unwraps the
//! result, so dropping a client whose socket has died panics. This stream
//! wrapper swallows write errors and remembers them: a dead socket then
//! surfaces as an error on the next read (every Faktory command reads a
//! reply), and the reply-less `END` of a drop becomes a no-op, not a panic.

use faktory::Reconnect;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncBufRead, AsyncRead, AsyncWrite, BufStream, ReadBuf};
use tokio::net::TcpStream;

pub struct SafeStream {
    inner: BufStream<TcpStream>,
    host_port: String,
    dead: bool,
}

impl SafeStream {
    pub async fn connect(host_port: &str) -> io::Result<Self> {
        let tcp = TcpStream::connect(host_port).await?;
        tcp.set_nodelay(true)?;
        Ok(SafeStream {
            inner: BufStream::new(tcp),
            host_port: host_port.to_string(),
            dead: false,
        })
    }

    fn note<T>(&mut self, r: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        if let Poll::Ready(Err(_)) = &r {
            self.dead = true;
        }
        r
    }

    fn swallow<T>(&mut self, r: Poll<io::Result<T>>, instead: T) -> Poll<io::Result<T>> {
        match r {
            Poll::Ready(Err(_)) => {
                self.dead = true;
                Poll::Ready(Ok(instead))
            }
            other => other,
        }
    }
}

impl AsyncRead for SafeStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        self.note(r)
    }
}

impl AsyncBufRead for SafeStream {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_fill_buf(cx) {
            Poll::Ready(Err(e)) => {
                this.dead = true;
                Poll::Ready(Err(e))
            }
            other => other,
        }
    }

    fn consume(mut self: Pin<&mut Self>, amt: usize) {
        Pin::new(&mut self.inner).consume(amt)
    }
}

impl AsyncWrite for SafeStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.dead {
            return Poll::Ready(Ok(buf.len()));
        }
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.swallow(r, buf.len())
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.dead {
            return Poll::Ready(Ok(()));
        }
        let r = Pin::new(&mut self.inner).poll_flush(cx);
        self.swallow(r, ())
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.dead {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[async_trait::async_trait]
impl Reconnect for SafeStream {
    async fn reconnect(&mut self) -> io::Result<Box<dyn faktory::Connection>> {
        Ok(Box::new(SafeStream::connect(&self.host_port).await?))
    }
}
