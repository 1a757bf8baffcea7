//! A buffered writer that does not copy what it is handed by value.
//!
//! A document's JSON lines are made in a buffer of their own, and then
//! written twice on their way: by a worker to its pipe, and by the run to
//! the records file. Through a `BufWriter` each of those writes first
//! copies the lines into the writer's buffer. [`Gather`] keeps owned
//! pieces as they are, copies only what it is lent (`Write::write`), and
//! sends everything waiting in vectored writes (`writev`), a megabyte or
//! more at a time.

use std::io::{self, IoSlice, Write};

/// Pieces waiting to be written to `inner`, in order.
#[derive(Debug)]
pub struct Gather<W: Write> {
    inner: W,
    /// Owned pieces, and the copies of lent bytes closed off between them.
    pieces: Vec<Vec<u8>>,
    /// Lent bytes since the last owned piece.
    copied: Vec<u8>,
    /// Bytes waiting, in `pieces` and `copied` together.
    waiting: usize,
}

impl<W: Write> Gather<W> {
    /// What may wait before it is written, whatever else happens.
    pub const LIMIT: usize = 1 << 20;

    pub fn new(inner: W) -> Gather<W> {
        Gather {
            inner,
            pieces: Vec::new(),
            copied: Vec::new(),
            waiting: 0,
        }
    }

    /// Queues `piece` as it is (no copy); writes everything waiting once
    /// a megabyte is.
    pub fn push(&mut self, piece: Vec<u8>) -> io::Result<()> {
        if piece.is_empty() {
            return Ok(());
        }
        if !self.copied.is_empty() {
            self.pieces.push(std::mem::take(&mut self.copied));
        }
        self.waiting += piece.len();
        self.pieces.push(piece);
        self.send_if_full()
    }

    /// Writes everything waiting to the inner writer (not flushed).
    pub fn send(&mut self) -> io::Result<()> {
        if !self.copied.is_empty() {
            self.pieces.push(std::mem::take(&mut self.copied));
        }
        let mut slices: Vec<IoSlice<'_>> = self.pieces.iter().map(|p| IoSlice::new(p)).collect();
        let mut rest = &mut slices[..];
        while !rest.is_empty() {
            match self.inner.write_vectored(rest) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => IoSlice::advance_slices(&mut rest, n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        drop(slices);
        self.pieces.clear();
        self.waiting = 0;
        Ok(())
    }

    /// The inner writer, everything waiting written to it.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.send()?;
        Ok(self.inner)
    }

    fn send_if_full(&mut self) -> io::Result<()> {
        if self.waiting >= Self::LIMIT {
            self.send()?;
        }
        Ok(())
    }
}

impl<W: Write> Write for Gather<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.copied.extend_from_slice(buf);
        self.waiting += buf.len();
        self.send_if_full()?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()?;
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pipe that takes at most 7 bytes a write, and counts the writes.
    #[derive(Default)]
    struct Narrow {
        got: Vec<u8>,
        writes: usize,
    }

    impl Write for Narrow {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.write_vectored(&[IoSlice::new(buf)])
        }

        fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
            self.writes += 1;
            let mut room = 7;
            for b in bufs {
                let n = b.len().min(room);
                self.got.extend_from_slice(&b[..n]);
                room -= n;
                if room == 0 {
                    break;
                }
            }
            Ok(7 - room)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn pieces_and_lent_bytes_go_out_in_order_through_short_writes() {
        let mut g = Gather::new(Narrow::default());
        g.push(b"head-1|".to_vec()).unwrap();
        g.write_all(b"lent|").unwrap();
        g.write_all(b"more|").unwrap();
        g.push(Vec::new()).unwrap();
        g.push(b"blob-one|".to_vec()).unwrap();
        g.write_all(b"tail").unwrap();
        assert_eq!(g.inner.writes, 0, "nothing is written before a flush");
        g.flush().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&g.inner.got),
            "head-1|lent|more|blob-one|tail"
        );
        assert!(g.pieces.is_empty() && g.copied.is_empty() && g.waiting == 0);
        g.flush().unwrap(); // nothing waiting: nothing written
        let inner = g.into_inner().unwrap();
        assert_eq!(inner.got.len(), 30);
    }

    #[test]
    fn a_megabyte_is_written_without_waiting_for_a_flush() {
        let mut g = Gather::new(Vec::new());
        g.push(vec![1; 600 << 10]).unwrap();
        g.write_all(&[2; 12]).unwrap();
        assert!(g.inner.is_empty());
        g.write_all(&vec![3; 600 << 10]).unwrap();
        assert_eq!(g.inner.len(), 12 + (1200 << 10));
        g.push(vec![4; 3]).unwrap();
        assert_eq!(g.into_inner().unwrap().len(), 15 + (1200 << 10));
    }
}
