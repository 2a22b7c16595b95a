//! Removes a task's container through the docker CLI (or a compatible one such as podman),
//! and lists and removes Agents-Runner's images and stopped containers
//! ([`ContainerRuntime::runner_objects`]).

mod runner_objects;

pub use runner_objects::{DockerContainer, DockerImage, DockerListing};

use std::ffi::OsString;
use std::time::Duration;

/// Longest container id or name accepted.
const MAX_ID_LENGTH: usize = 255;

/// What became of a container the janitor asked the runtime to remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContainerRemoval {
    /// The runtime removed it.
    Removed,
    /// The runtime has no such container: it is already gone, which is what we wanted.
    NotFound,
    /// The runtime program is not installed (or not on `PATH`).
    RuntimeMissing {
        /// The program looked for.
        program: String,
    },
    /// The id was not a valid container id or name, so nothing was run.
    Refused {
        /// Why the id was refused.
        reason: String,
    },
    /// The runtime failed, or did not answer in time.
    Failed {
        /// Its first line of error output, or what went wrong running it.
        message: String,
    },
}

impl ContainerRemoval {
    /// Whether the container is gone now.
    pub fn is_ok(&self) -> bool {
        matches!(self, Self::Removed | Self::NotFound)
    }

    /// The outcome in words, for the log and the task's record.
    pub fn describe(&self) -> String {
        match self {
            Self::Removed => "container removed".to_owned(),
            Self::NotFound => "container already gone".to_owned(),
            Self::RuntimeMissing { program } => format!("{program} not found"),
            Self::Refused { reason } => format!("refused: {reason}"),
            Self::Failed { message } => format!("container removal failed: {message}"),
        }
    }
}

/// The container runtime the janitor removes containers with: `docker` by default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerRuntime {
    /// The CLI to run (`docker`, `podman`, or a path to one).
    pub program: OsString,
    /// How long one removal may take before it counts as failed.
    pub timeout: Duration,
}

impl Default for ContainerRuntime {
    fn default() -> Self {
        Self {
            program: OsString::from("docker"),
            timeout: Duration::from_secs(30),
        }
    }
}

impl ContainerRuntime {
    /// Runs `<program> rm -f <container_id>` (stops the container if needed), after checking
    /// that the id cannot be mistaken for an option.
    pub fn remove(&self, container_id: &str) -> ContainerRemoval {
        if let Err(reason) = validate_container_id(container_id) {
            return ContainerRemoval::Refused { reason };
        }
        // docker: "No such container: x"; podman: "... no such container".
        self.removal(&["rm", "-f", container_id], "no such container")
    }
}

/// Docker ids and names match `[a-zA-Z0-9][a-zA-Z0-9_.-]*`. Checking this keeps an id such
/// as `--help` or `-v` from being read as an option.
fn validate_container_id(id: &str) -> Result<(), String> {
    let mut chars = id.chars();
    let Some(first) = chars.next() else {
        return Err("empty container id".to_owned());
    };
    if id.len() > MAX_ID_LENGTH {
        return Err(format!(
            "container id is {} bytes long (at most {MAX_ID_LENGTH})",
            id.len()
        ));
    }
    if !first.is_ascii_alphanumeric() {
        return Err(format!(
            "container id {id:?} must start with a letter or digit"
        ));
    }
    if let Some(bad) = chars.find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
    {
        return Err(format!(
            "container id {id:?} contains {bad:?}, which docker does not allow"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn default_runtime_is_docker_with_30_seconds() {
        let runtime = ContainerRuntime::default();
        assert_eq!(runtime.program, "docker");
        assert_eq!(runtime.timeout, Duration::from_secs(30));
    }

    #[test]
    fn valid_ids_and_names_are_accepted() {
        let long = "a".repeat(MAX_ID_LENGTH);
        for id in [
            "a",
            "Z",
            "0",
            "3f4e5d6c7b8a",
            "agents-runner-task_42.v2",
            "9-",
            long.as_str(),
        ] {
            assert_eq!(validate_container_id(id), Ok(()), "{id}");
        }
    }

    #[test]
    fn invalid_ids_are_refused_with_a_reason() -> TestResult {
        let dir = tempfile::tempdir()?;
        // Never reached: a refused id must not run anything.
        let runtime = ContainerRuntime {
            program: dir.path().join("no-such-docker").into_os_string(),
            timeout: Duration::from_secs(30),
        };
        let too_long = "a".repeat(MAX_ID_LENGTH + 1);
        let cases = [
            ("", "empty container id"),
            ("-f", "must start with a letter or digit"),
            ("--help", "must start with a letter or digit"),
            ("_x", "must start with a letter or digit"),
            (".x", "must start with a letter or digit"),
            ("a b", "contains ' '"),
            ("a/b", "contains '/'"),
            ("../x", "must start with a letter or digit"),
            ("a\nb", "contains '\\n'"),
            ("café", "contains 'é'"),
            ("a;rm", "contains ';'"),
            (too_long.as_str(), "at most 255"),
        ];
        for (id, expected) in cases {
            let removal = runtime.remove(id);
            let ContainerRemoval::Refused { reason } = &removal else {
                return Err(format!("{id:?}: expected Refused, got {removal:?}").into());
            };
            assert!(reason.contains(expected), "{id:?}: {reason}");
            assert!(!removal.is_ok());
        }
        Ok(())
    }

    #[test]
    fn missing_runtime_is_reported() -> TestResult {
        let dir = tempfile::tempdir()?;
        let program = dir.path().join("no-such-docker");
        let runtime = ContainerRuntime {
            program: program.clone().into_os_string(),
            timeout: Duration::from_secs(30),
        };
        let removal = runtime.remove("abc123");
        assert_eq!(
            removal,
            ContainerRemoval::RuntimeMissing {
                program: program.to_string_lossy().into_owned()
            }
        );
        assert!(!removal.is_ok());
        Ok(())
    }

    #[test]
    fn descriptions() {
        let cases = [
            (ContainerRemoval::Removed, "container removed", true),
            (ContainerRemoval::NotFound, "container already gone", true),
            (
                ContainerRemoval::RuntimeMissing {
                    program: "docker".to_owned(),
                },
                "docker not found",
                false,
            ),
            (
                ContainerRemoval::Refused {
                    reason: "empty container id".to_owned(),
                },
                "refused: empty container id",
                false,
            ),
            (
                ContainerRemoval::Failed {
                    message: "boom".to_owned(),
                },
                "container removal failed: boom",
                false,
            ),
        ];
        for (removal, description, ok) in cases {
            assert_eq!(removal.describe(), description);
            assert_eq!(removal.is_ok(), ok, "{description}");
        }
    }

    /// A fake docker in `dir` that records its arguments in `dir/args`, then runs `body`.
    #[cfg(unix)]
    fn fake_docker(
        dir: &std::path::Path,
        body: &str,
        timeout: Duration,
    ) -> Result<ContainerRuntime, Box<dyn std::error::Error>> {
        let program = dir.join("docker");
        let args = dir.join("args");
        let script = format!("printf '%s\\n' \"$@\" > '{}'\n{body}", args.display());
        crate::process::write_script(&program, &script)?;
        Ok(ContainerRuntime {
            program: program.into_os_string(),
            timeout,
        })
    }

    #[cfg(unix)]
    #[test]
    fn successful_rm_is_removed_and_passes_rm_f_id() -> TestResult {
        let dir = tempfile::tempdir()?;
        let runtime = fake_docker(dir.path(), "exit 0", Duration::from_secs(30))?;
        let removal = runtime.remove("task-1.abc_DEF");
        assert_eq!(removal, ContainerRemoval::Removed);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("args"))?,
            "rm\n-f\ntask-1.abc_DEF\n"
        );
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn no_such_container_is_not_found() -> TestResult {
        let dir = tempfile::tempdir()?;
        let runtime = fake_docker(
            dir.path(),
            "echo 'Error: No such container: x' >&2\nexit 1",
            Duration::from_secs(30),
        )?;
        let removal = runtime.remove("x");
        assert_eq!(removal, ContainerRemoval::NotFound);
        assert!(removal.is_ok());
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn other_errors_are_failed_with_the_message() -> TestResult {
        let dir = tempfile::tempdir()?;
        let runtime = fake_docker(
            dir.path(),
            "echo 'Cannot connect to the Docker daemon. Is it running?' >&2\nexit 1",
            Duration::from_secs(30),
        )?;
        assert_eq!(
            runtime.remove("x"),
            ContainerRemoval::Failed {
                message: "Cannot connect to the Docker daemon. Is it running?".to_owned()
            }
        );
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn silent_failure_reports_the_exit_status() -> TestResult {
        let dir = tempfile::tempdir()?;
        let runtime = fake_docker(dir.path(), "exit 7", Duration::from_secs(30))?;
        let removal = runtime.remove("x");
        let ContainerRemoval::Failed { message } = &removal else {
            return Err(format!("expected Failed, got {removal:?}").into());
        };
        assert!(message.contains('7'), "{message}");
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn hung_runtime_is_failed_after_the_timeout() -> TestResult {
        let dir = tempfile::tempdir()?;
        let runtime = fake_docker(dir.path(), "exec sleep 30", Duration::from_millis(200))?;
        let removal = runtime.remove("x");
        let ContainerRemoval::Failed { message } = &removal else {
            return Err(format!("expected Failed, got {removal:?}").into());
        };
        assert!(message.contains("did not finish within 200ms"), "{message}");
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn refused_id_runs_nothing() -> TestResult {
        let dir = tempfile::tempdir()?;
        let runtime = fake_docker(dir.path(), "exit 0", Duration::from_secs(30))?;
        for id in ["--all", "-v", "", "a b"] {
            let removal = runtime.remove(id);
            assert!(
                matches!(removal, ContainerRemoval::Refused { .. }),
                "{id:?}: {removal:?}"
            );
        }
        assert!(!dir.path().join("args").exists());
        Ok(())
    }
}
