//! Runs an external program (git, docker) with a deadline, so a hung tool can never hang the janitor.

use std::io::{self, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant};

/// Longest wait between two checks of whether the child has exited; output wakes the
/// loop earlier.
const POLL_INTERVAL: Duration = Duration::from_millis(10);

/// What a finished program left behind.
#[derive(Debug)]
pub struct CommandOutput {
    /// How it exited.
    pub status: ExitStatus,
    /// Everything it wrote to stdout.
    pub stdout: Vec<u8>,
    /// Everything it wrote to stderr.
    pub stderr: Vec<u8>,
}

impl CommandOutput {
    /// The first non-blank line of stderr, trimmed: usually the error message of a CLI tool.
    pub fn stderr_first_line(&self) -> Option<String> {
        let line = crate::text::first_line(&String::from_utf8_lossy(&self.stderr)).to_owned();
        (!line.is_empty()).then_some(line)
    }
}

/// Why a program gave no output to look at. Each names the program, as it was given.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// It is not installed (or not on `PATH`).
    #[error("{program} not found")]
    NotFound {
        /// The program.
        program: String,
    },
    /// It could not be started.
    #[error("could not start {program}: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// The OS's error.
        #[source]
        source: io::Error,
    },
    /// It ran out of time and was killed (and reaped).
    #[error("{program} did not finish within {after:?} and was killed")]
    TimedOut {
        /// The program.
        program: String,
        /// The time it had.
        after: Duration,
    },
    /// Waiting for it to exit failed.
    #[error("could not wait for {program}: {source}")]
    Wait {
        /// The program.
        program: String,
        /// The OS's error.
        #[source]
        source: io::Error,
    },
    /// Its stdout or stderr could not be read.
    #[error("could not read the output of {program}: {source}")]
    Output {
        /// The program.
        program: String,
        /// The OS's error.
        #[source]
        source: io::Error,
    },
}

/// Runs `command` with stdin closed and stdout/stderr captured, for at most `timeout`.
///
/// Both pipes are drained on their own threads, so a chatty child cannot block on a full
/// pipe. When the timeout passes, the child is killed and reaped and `TimedOut` is returned.
/// Only the direct child is killed: its own children keep running.
///
/// Once the child has exited, its output is collected until the pipes close, but never past
/// the deadline: a background process it started may hold them open. Output written after
/// the deadline is then cut off, and the child's exit status is still returned.
pub fn run_with_timeout(
    mut command: Command,
    timeout: Duration,
) -> Result<CommandOutput, RunError> {
    let program = command.get_program().to_string_lossy().into_owned();
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // A timeout too large to add to the clock means "no deadline".
    let deadline = Instant::now().checked_add(timeout);
    let mut child = command.spawn().map_err(|source| {
        if source.kind() == io::ErrorKind::NotFound {
            RunError::NotFound {
                program: program.clone(),
            }
        } else {
            RunError::Spawn {
                program: program.clone(),
                source,
            }
        }
    })?;

    let (sender, receiver) = mpsc::channel();
    let mut output = Collected::default();
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
    // Only the readers hold senders now, so the channel disconnects once both are done.
    drop(sender);
    for reader in readers.into_iter().flatten() {
        if let Err(source) = reader {
            kill_and_reap(&mut child);
            return Err(RunError::Output { program, source });
        }
        output.open_streams += 1;
    }

    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(source) => {
                kill_and_reap(&mut child);
                return Err(RunError::Wait { program, source });
            }
        }
        let pause = match deadline {
            None => POLL_INTERVAL,
            Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => left.min(POLL_INTERVAL),
                _ => {
                    kill_and_reap(&mut child);
                    return Err(RunError::TimedOut {
                        program,
                        after: timeout,
                    });
                }
            },
        };
        if output.open_streams == 0 {
            // Both pipes are closed, so there is nothing to wake us early.
            thread::sleep(pause);
        } else {
            match receiver.recv_timeout(pause) {
                Ok(chunk) => output.add(chunk),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => output.open_streams = 0,
            }
        }
    };

    while output.open_streams > 0 {
        match receive_until(&receiver, deadline) {
            Ok(chunk) => output.add(chunk),
            Err(_) => break,
        }
    }
    Ok(CommandOutput {
        status,
        stdout: output.stdout,
        stderr: output.stderr,
    })
}

#[derive(Debug, Clone, Copy)]
enum Stream {
    Stdout,
    Stderr,
}

enum Chunk {
    Data(Stream, Vec<u8>),
    Closed,
}

#[derive(Default)]
struct Collected {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    open_streams: usize,
}

impl Collected {
    fn add(&mut self, chunk: Chunk) {
        match chunk {
            Chunk::Data(Stream::Stdout, bytes) => self.stdout.extend_from_slice(&bytes),
            Chunk::Data(Stream::Stderr, bytes) => self.stderr.extend_from_slice(&bytes),
            Chunk::Closed => self.open_streams = self.open_streams.saturating_sub(1),
        }
    }
}

/// Forwards everything read from `pipe` as chunks, then `Closed`. A read error ends the
/// stream like end-of-file: what was read so far is still delivered.
fn spawn_reader<R: Read + Send + 'static>(
    stream: Stream,
    mut pipe: R,
    sender: Sender<Chunk>,
) -> io::Result<()> {
    thread::Builder::new()
        .name(format!("{stream:?} reader").to_lowercase())
        .spawn(move || {
            let mut buffer = [0_u8; 8192];
            loop {
                match pipe.read(&mut buffer) {
                    Ok(0) => break,
                    Ok(read) => {
                        let data = buffer[..read].to_vec();
                        // A send error means the caller gave up (timeout): stop reading.
                        if sender.send(Chunk::Data(stream, data)).is_err() {
                            return;
                        }
                    }
                    Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
            // Ignoring a failed send is right: it only fails if the caller already gave up.
            let _ = sender.send(Chunk::Closed);
        })
        .map(drop)
}

fn receive_until(
    receiver: &Receiver<Chunk>,
    deadline: Option<Instant>,
) -> Result<Chunk, RecvTimeoutError> {
    match deadline {
        None => receiver.recv().map_err(|_| RecvTimeoutError::Disconnected),
        Some(deadline) => receiver.recv_timeout(deadline.saturating_duration_since(Instant::now())),
    }
}

/// Best effort: the child may already be gone, and an error here has nowhere better to go
/// than the error the caller is about to return.
fn kill_and_reap(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Test helper shared with the git and container tests: writes an executable shell script.
#[cfg(all(test, unix))]
pub(crate) fn write_script(
    path: &std::path::Path,
    body: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;

    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o755)
        .open(path)?;
    // The probe line lets us run the script once below without side effects.
    write!(
        file,
        "#!/bin/sh\n[ -n \"$JANITOR_SCRIPT_PROBE\" ] && exit 0\n{body}\n"
    )?;
    file.sync_all()?;
    drop(file);
    // Another test thread may have forked while our write handle was open; until that child
    // execs, running the script fails with ETXTBSY ("text file busy"). Once one run gets
    // through, no writer is left, so later runs cannot hit it.
    for _ in 0..200 {
        match Command::new(path).env("JANITOR_SCRIPT_PROBE", "1").status() {
            Err(error) if error.kind() == io::ErrorKind::ExecutableFileBusy => {
                thread::sleep(Duration::from_millis(5));
            }
            Err(error) => return Err(error.into()),
            Ok(_) => return Ok(()),
        }
    }
    Err("script stayed busy (ETXTBSY)".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn missing_program_is_not_found() -> TestResult {
        let dir = tempfile::tempdir()?;
        let program = dir.path().join("no-such-program");
        let result = run_with_timeout(Command::new(&program), Duration::from_secs(5));
        let Err(RunError::NotFound { program: reported }) = result else {
            return Err(format!("expected NotFound, got {result:?}").into());
        };
        assert_eq!(reported, program.to_string_lossy());
        Ok(())
    }

    #[test]
    fn stderr_first_line_skips_blank_lines() {
        let output = |stderr: &[u8]| CommandOutput {
            status: ExitStatus::default(),
            stdout: Vec::new(),
            stderr: stderr.to_vec(),
        };
        assert_eq!(
            output(b"\n  \n  Error: boom  \nmore\n").stderr_first_line(),
            Some("Error: boom".to_owned())
        );
        assert_eq!(output(b" \n").stderr_first_line(), None);
    }

    #[test]
    fn timeout_message_names_program_and_duration() {
        let error = RunError::TimedOut {
            program: "git".to_owned(),
            after: Duration::from_secs(5),
        };
        assert_eq!(
            error.to_string(),
            "git did not finish within 5s and was killed"
        );
    }

    #[cfg(unix)]
    fn shell(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.arg("-c").arg(script);
        command
    }

    #[cfg(unix)]
    #[test]
    fn captures_stdout_stderr_and_exit_code() -> TestResult {
        let output = run_with_timeout(
            shell("printf out; printf err >&2; exit 3"),
            Duration::from_secs(30),
        )?;
        assert_eq!(output.status.code(), Some(3));
        assert_eq!(output.stdout, b"out");
        assert_eq!(output.stderr, b"err");
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn large_output_on_both_pipes_does_not_deadlock() -> TestResult {
        // Far more than a pipe buffer (64 KiB on Linux) on each stream.
        let output = run_with_timeout(
            shell("head -c 1000000 /dev/zero; head -c 1000000 /dev/zero >&2"),
            Duration::from_secs(60),
        )?;
        assert!(output.status.success());
        assert_eq!(output.stdout.len(), 1_000_000);
        assert_eq!(output.stderr.len(), 1_000_000);
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn stdin_is_closed() -> TestResult {
        // `cat` would wait forever on an inherited terminal or pipe.
        let output = run_with_timeout(Command::new("cat"), Duration::from_secs(30))?;
        assert!(output.status.success());
        assert!(output.stdout.is_empty());
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn hung_program_is_killed_at_the_timeout() -> TestResult {
        let mut command = Command::new("sleep");
        command.arg("30");
        let result = run_with_timeout(command, Duration::from_millis(100));
        let Err(RunError::TimedOut { program, after }) = result else {
            return Err(format!("expected TimedOut, got {result:?}").into());
        };
        assert_eq!(program, "sleep");
        assert_eq!(after, Duration::from_millis(100));
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn background_process_holding_the_pipes_does_not_block_past_the_deadline() -> TestResult {
        // The shell exits at once, but `sleep` inherits stdout and keeps it open.
        let output = run_with_timeout(shell("echo done; sleep 3 &"), Duration::from_millis(300))?;
        assert!(output.status.success());
        assert_eq!(output.stdout, b"done\n");
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn written_script_runs() -> TestResult {
        let dir = tempfile::tempdir()?;
        let script = dir.path().join("hello");
        write_script(&script, "echo \"hello $1\"")?;
        let mut command = Command::new(&script);
        command.arg("world");
        let output = run_with_timeout(command, Duration::from_secs(30))?;
        assert_eq!(output.stdout, b"hello world\n");
        Ok(())
    }
}
