//! One connection of `lacuna serve`, and the security headers on the
//! replies hyper makes itself.
//!
//! hyper answers a request it cannot read (a garbage request line: 400; a
//! URI over 64 KiB: 414; too many or too large headers: 431) on its own,
//! before any router or middleware sees it, and has no hook to add headers
//! to that reply. So each connection serves one request (no keep-alive),
//! and its stream is wrapped in [`Guarded`]: when hyper writes without
//! having called the app, what it writes can only be that automatic reply,
//! and the security headers go in after its status line. Replies of the app
//! pass through untouched (the middleware gave them the same headers).

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// A connection's stream: the automatic reply gets the security headers.
pub(super) struct Guarded {
    inner: TcpStream,
    /// Set when hyper hands the connection's request to the app.
    served: Arc<AtomicBool>,
    /// Whether the automatic reply has been taken (written or queued).
    spliced: bool,
    /// The automatic reply with the headers put in, and how much of it is written.
    out: Vec<u8>,
    at: usize,
}

impl Guarded {
    /// Wrap a stream; `served` is set by the service when it is called.
    pub(super) fn new(inner: TcpStream, served: Arc<AtomicBool>) -> Guarded {
        Guarded {
            inner,
            served,
            spliced: false,
            out: Vec::new(),
            at: 0,
        }
    }

    /// Write what is queued of the automatic reply.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some(rest) = self.out.get(self.at..).filter(|r| !r.is_empty()) {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, rest))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.at += n;
        }
        Poll::Ready(Ok(()))
    }

    /// Whether bytes written now are hyper's own reply (the app was not called).
    fn automatic(&self) -> bool {
        !self.spliced && !self.served.load(Ordering::SeqCst)
    }

    /// Take hyper's automatic reply (its first write holds the whole head):
    /// queue it with the headers after the status line.
    fn splice(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.spliced = true;
        self.out = with_security_headers(buf);
        self.at = 0;
        match self.poll_drain(cx) {
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            // the rest goes out at the next write, flush or shutdown
            _ => Poll::Ready(Ok(buf.len())),
        }
    }
}

/// `reply` with the security headers after its first line (unchanged when
/// it holds no complete first line).
fn with_security_headers(reply: &[u8]) -> Vec<u8> {
    let Some(end) = reply.windows(2).position(|w| w == b"\r\n") else {
        return reply.to_vec();
    };
    let (line, rest) = reply.split_at(end + 2);
    let mut out = Vec::with_capacity(reply.len() + 300);
    out.extend_from_slice(line);
    for (name, value) in super::SECURITY_HEADERS {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(rest);
    out
}

impl AsyncRead for Guarded {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.automatic() && !buf.is_empty() {
            return self.splice(cx, buf);
        }
        ready!(self.poll_drain(cx))?;
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.automatic() {
            if let Some(first) = bufs.iter().find(|b| !b.is_empty()) {
                return self.splice(cx, first);
            }
        }
        ready!(self.poll_drain(cx))?;
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_drain(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_drain(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_headers_go_after_the_status_line() {
        let reply = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n";
        let text = String::from_utf8(super::with_security_headers(reply)).unwrap_or_default();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(
            lines,
            [
                "HTTP/1.1 400 Bad Request",
                &format!("content-security-policy: {}", super::super::CSP),
                "x-content-type-options: nosniff",
                "x-frame-options: DENY",
                "referrer-policy: no-referrer",
                "content-length: 0",
                "",
                ""
            ]
        );
        assert_eq!(super::with_security_headers(b"HTTP/1.1 4"), b"HTTP/1.1 4");
    }
}
