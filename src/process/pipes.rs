//! A child's stdout and stderr, read as output comes. On unix one `poll` on both pipes
//! in the waiting thread; elsewhere a reader thread per pipe. Two threads per run were a
//! tenth of the CPU time of 2,000 `git status` runs.

use std::process::Child;
use std::time::Duration;

/// Size of one read: a pipe's whole buffer on Linux.
const CHUNK: usize = 64 * 1024;

#[cfg(unix)]
pub(super) use by_poll::Pipes;
#[cfg(not(unix))]
pub(super) use by_threads::Pipes;

#[cfg(unix)]
mod by_poll {
    use super::*;
    use rustix::event::{PollFd, PollFlags, Timespec};
    use std::io::{self, Read};
    use std::os::fd::AsFd;
    use std::process::{ChildStderr, ChildStdout};

    pub(in crate::process) struct Pipes {
        stdout: Option<ChildStdout>,
        stderr: Option<ChildStderr>,
        out: Vec<u8>,
        err: Vec<u8>,
    }

    impl Pipes {
        /// The pipes of `child` (taken from it).
        pub(in crate::process) fn take(child: &mut Child) -> io::Result<Self> {
            Ok(Self {
                stdout: child.stdout.take(),
                stderr: child.stderr.take(),
                out: Vec::new(),
                err: Vec::new(),
            })
        }

        /// Whether a pipe is still open.
        pub(in crate::process) fn open(&self) -> bool {
            self.stdout.is_some() || self.stderr.is_some()
        }

        /// Waits up to `pause` for output, and reads what came. A pipe that reaches its
        /// end, or fails to read, is closed: what was read so far is kept.
        pub(in crate::process) fn read_for(&mut self, pause: Duration) {
            let wanted = PollFlags::IN;
            let (out_ready, err_ready) = {
                let mut fds: Vec<PollFd> = Vec::with_capacity(2);
                if let Some(pipe) = &self.stdout {
                    fds.push(PollFd::new(pipe, wanted));
                }
                if let Some(pipe) = &self.stderr {
                    fds.push(PollFd::new(pipe, wanted));
                }
                // Capped so that it always converts: never an endless wait.
                let timeout =
                    Timespec::try_from(pause.min(Duration::from_secs(3600))).unwrap_or(Timespec {
                        tv_sec: 0,
                        tv_nsec: 1_000_000,
                    });
                match rustix::event::poll(&mut fds, Some(&timeout)) {
                    Ok(_) => {}
                    // Interrupted: the caller's loop asks again.
                    Err(rustix::io::Errno::INTR) => return,
                    // No way to wait on the pipes (out of memory): wait the pause out
                    // instead of spinning, and try again.
                    Err(_) => {
                        std::thread::sleep(pause);
                        return;
                    }
                }
                let ready = |fd: &PollFd| !fd.revents().is_empty();
                let out_ready = self.stdout.is_some() && ready(&fds[0]);
                let err_index = usize::from(self.stdout.is_some());
                let err_ready = self.stderr.is_some() && ready(&fds[err_index]);
                (out_ready, err_ready)
            };
            if out_ready && !read_once(self.stdout.as_mut(), &mut self.out) {
                self.stdout = None;
            }
            if err_ready && !read_once(self.stderr.as_mut(), &mut self.err) {
                self.stderr = None;
            }
        }

        /// Everything read from stdout and from stderr.
        pub(in crate::process) fn into_output(self) -> (Vec<u8>, Vec<u8>) {
            (self.out, self.err)
        }
    }

    /// One read of a pipe `poll` found ready into `into`; false at its end or on an error
    /// (other than an interruption).
    fn read_once<R: Read + AsFd>(pipe: Option<&mut R>, into: &mut Vec<u8>) -> bool {
        let Some(pipe) = pipe else {
            return false;
        };
        let mut buffer = [0_u8; CHUNK];
        match pipe.read(&mut buffer) {
            Ok(0) => false,
            Ok(read) => {
                into.extend_from_slice(&buffer[..read]);
                true
            }
            Err(error) => error.kind() == io::ErrorKind::Interrupted,
        }
    }
}

#[cfg(not(unix))]
mod by_threads {
    use super::*;
    use std::io::{self, Read};
    use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
    use std::thread;

    #[derive(Debug, Clone, Copy)]
    enum Stream {
        Stdout,
        Stderr,
    }

    enum Chunk {
        Data(Stream, Vec<u8>),
        Closed,
    }

    pub(in crate::process) struct Pipes {
        receiver: Receiver<Chunk>,
        open_streams: usize,
        out: Vec<u8>,
        err: Vec<u8>,
    }

    impl Pipes {
        /// The pipes of `child` (taken from it), each drained by a thread of its own.
        pub(in crate::process) fn take(child: &mut Child) -> io::Result<Self> {
            let (sender, receiver) = mpsc::channel();
            let readers = [
                child
                    .stdout
                    .take()
                    .map(|pipe| spawn_reader(Stream::Stdout, pipe, sender.clone())),
                child
                    .stderr
                    .take()
                    .map(|pipe| spawn_reader(Stream::Stderr, pipe, sender.clone())),
            ];
            // Only the readers hold senders now, so the channel disconnects once both
            // are done.
            drop(sender);
            let mut open_streams = 0;
            for reader in readers.into_iter().flatten() {
                reader?;
                open_streams += 1;
            }
            Ok(Self {
                receiver,
                open_streams,
                out: Vec::new(),
                err: Vec::new(),
            })
        }

        pub(in crate::process) fn open(&self) -> bool {
            self.open_streams > 0
        }

        pub(in crate::process) fn read_for(&mut self, pause: Duration) {
            match self.receiver.recv_timeout(pause) {
                Ok(Chunk::Data(Stream::Stdout, bytes)) => self.out.extend_from_slice(&bytes),
                Ok(Chunk::Data(Stream::Stderr, bytes)) => self.err.extend_from_slice(&bytes),
                Ok(Chunk::Closed) => self.open_streams = self.open_streams.saturating_sub(1),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => self.open_streams = 0,
            }
        }

        pub(in crate::process) fn into_output(self) -> (Vec<u8>, Vec<u8>) {
            (self.out, self.err)
        }
    }

    /// Forwards everything read from `pipe` as chunks, then `Closed`. A read error ends
    /// the stream like end-of-file: what was read so far is still delivered.
    fn spawn_reader<R: Read + Send + 'static>(
        stream: Stream,
        mut pipe: R,
        sender: Sender<Chunk>,
    ) -> io::Result<()> {
        thread::Builder::new()
            .name(format!("{stream:?} reader").to_lowercase())
            .spawn(move || {
                let mut buffer = [0_u8; CHUNK];
                loop {
                    match pipe.read(&mut buffer) {
                        Ok(0) => break,
                        Ok(read) => {
                            let data = buffer[..read].to_vec();
                            // A send error means the caller gave up (timeout): stop.
                            if sender.send(Chunk::Data(stream, data)).is_err() {
                                return;
                            }
                        }
                        Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                        Err(_) => break,
                    }
                }
                // A failed send only means the caller already gave up.
                let _ = sender.send(Chunk::Closed);
            })
            .map(drop)
    }
}
