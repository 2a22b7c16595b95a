//! Runs an external program (git, docker) with a deadline, so a hung tool can never hang the janitor.

mod pipes;

use pipes::Pipes;
use std::io;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Longest wait between two checks of whether the child has exited; output wakes the
/// loop earlier.
const POLL_INTERVAL: Duration = Duration::from_millis(10);

/// The first wait for the exit once both pipes have closed, doubled up to
/// [`POLL_INTERVAL`]: a child that closed them is almost always exiting, and a whole
/// interval's sleep there took as long as a `git status` itself.
const FIRST_EXIT_POLL: Duration = Duration::from_micros(50);

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
/// Both pipes are drained as output comes (one `poll` on both on unix), so a chatty child
/// cannot block on a full pipe. When the timeout passes, the child is killed and reaped and
/// `TimedOut` is returned. Only the direct child is killed: its own children keep running.
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

    let mut pipes = match Pipes::take(&mut child) {
        Ok(pipes) => pipes,
        Err(source) => {
            kill_and_reap(&mut child);
            return Err(RunError::Output { program, source });
        }
    };

    let mut exit_poll = FIRST_EXIT_POLL;
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
        if pipes.open() {
            pipes.read_for(pause);
        } else {
            // Both pipes are closed, so there is nothing to wake us early.
            thread::sleep(pause.min(exit_poll));
            exit_poll = (exit_poll * 2).min(POLL_INTERVAL);
        }
    };

    while pipes.open() {
        let left = match deadline {
            None => POLL_INTERVAL,
            Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => left,
                _ => break,
            },
        };
        pipes.read_for(left);
    }
    let (stdout, stderr) = pipes.into_output();
    Ok(CommandOutput {
        status,
        stdout,
        stderr,
    })
}

/// Best effort: the child may already be gone, and an error here has nowhere better to go
/// than the error the caller is about to return.
fn kill_and_reap(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Programs run at once per core by [`in_program_pool`], and at most in all.
const PROGRAMS_PER_CORE: usize = 4;
const MAX_PROGRAMS: usize = 32;

/// Runs `work` (which runs external programs from a parallel iterator) in a pool of
/// more threads than cores. Each of its threads mostly waits: for the program to start,
/// to write, to exit. With one thread per core, 2,000 `git status` runs kept two cores
/// half idle; four per core keep them busy. Without a pool (it could not be made),
/// `work` runs in the global one.
pub fn in_program_pool<R: Send>(work: impl FnOnce() -> R + Send) -> R {
    let cores = thread::available_parallelism().map_or(1, usize::from);
    match rayon::ThreadPoolBuilder::new()
        .num_threads((cores * PROGRAMS_PER_CORE).clamp(4, MAX_PROGRAMS))
        .thread_name(|index| format!("program-{index}"))
        .build()
    {
        Ok(pool) => pool.install(work),
        Err(_) => work(),
    }
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
