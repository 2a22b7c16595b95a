use super::*;
use std::path::Path;
use std::time::Duration;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A fake docker in `dir` answering `image ls` and `ps` with the given lines, logging
/// every call to `dir/calls`; `rm` and `image rm` print `rm_stderr` and exit `rm_code`.
#[cfg(unix)]
fn fake(
    dir: &Path,
    images: &str,
    containers: &str,
    rm_stderr: &str,
    rm_code: i32,
) -> Result<ContainerRuntime, Box<dyn std::error::Error>> {
    let program = dir.join("docker");
    let calls = dir.join("calls");
    let script = format!(
        "echo \"$@\" >> '{calls}'\ncase \"$1 $2\" in\n  'image ls') printf '{images}' ;;\n  'ps -a') printf '{containers}' ;;\n  *) printf '{rm_stderr}' >&2; exit {rm_code} ;;\nesac\n",
        calls = calls.display()
    );
    crate::process::write_script(&program, &script)?;
    Ok(ContainerRuntime {
        program: program.into_os_string(),
        timeout: Duration::from_secs(30),
    })
}

const IMAGES: &str = "sha256:aaaa1111bbbb2222\\tagent-runner-env\\tk1\\t1.5GB\\t2026-11-20 10:00:00 +0000 UTC\\n\
sha256:cccc3333dddd4444\\tagent-runner-desktop\\tk2\\t812MB\\t2026-11-21 10:00:00 +0000 UTC\\n\
sha256:eeee5555ffff6666\\tagent-runner-phase-build\\tlatest\\t12.5kB\\tnot a date\\n\
sha256:9999\\tubuntu\\t24.04\\t78MB\\t2026-11-01 10:00:00 +0000 UTC\\n\
sha256:8888\\t<none>\\t<none>\\t1GB\\t2026-11-01 10:00:00 +0000 UTC\\n";

const CONTAINERS: &str = "c1c1c1c1c1c1c1c1\\tagents-runner-abc123def0\\tagent-runner-env:k1\\texited\\t12MB (virtual 1.5GB)\\t2026-11-22 10:00:00 +0000 UTC\\n\
c2c2c2c2c2c2c2c2\\tagents-runner-def456abc0\\teeee5555ffff\\trunning\\t0B (virtual 12.5kB)\\t2026-11-22 11:00:00 +0000 UTC\\n\
c3c3c3c3c3c3c3c3\\tweb\\tnginx\\trunning\\t0B\\t2026-11-22 11:00:00 +0000 UTC\\n";

#[cfg(unix)]
#[test]
fn images_and_containers_of_agents_runner_are_listed_with_their_users() -> TestResult {
    let dir = tempfile::tempdir()?;
    let runtime = fake(dir.path(), IMAGES, CONTAINERS, "", 0)?;
    let listing = runtime.runner_objects()?;
    let images: Vec<(&str, u64, &[String])> = listing
        .images
        .iter()
        .map(|image| {
            (
                image.reference.as_str(),
                image.bytes,
                image.used_by.as_slice(),
            )
        })
        .collect();
    assert_eq!(
        images,
        vec![
            (
                "agent-runner-env:k1",
                1_500_000_000,
                &["agents-runner-abc123def0".to_owned()][..]
            ),
            ("agent-runner-desktop:k2", 812_000_000, &[][..]),
            // Used through its short id, once its tag moved on.
            (
                "agent-runner-phase-build:latest",
                12_500,
                &["agents-runner-def456abc0".to_owned()][..]
            ),
        ]
    );
    assert!(listing.images[0].created.is_some());
    assert!(listing.images[2].created.is_none());
    let containers: Vec<(&str, bool, u64)> = listing
        .containers
        .iter()
        .map(|c| (c.name.as_str(), c.is_stopped(), c.bytes))
        .collect();
    assert_eq!(
        containers,
        vec![
            ("agents-runner-abc123def0", true, 12_000_000),
            ("agents-runner-def456abc0", false, 0),
        ]
    );
    let calls = std::fs::read_to_string(dir.path().join("calls"))?;
    assert!(calls.contains("image ls --no-trunc --format"), "{calls}");
    assert!(
        calls.contains("ps -a --no-trunc --size --format"),
        "{calls}"
    );
    Ok(())
}

#[cfg(unix)]
#[test]
fn docker_absent_or_not_running_says_so() -> TestResult {
    let dir = tempfile::tempdir()?;
    let missing = ContainerRuntime {
        program: dir.path().join("no-docker").into_os_string(),
        timeout: Duration::from_secs(5),
    };
    let err = missing
        .runner_objects()
        .err()
        .ok_or("listed without docker")?;
    assert!(err.contains("is not installed"), "{err}");
    let program = dir.path().join("docker");
    crate::process::write_script(
        &program,
        "echo 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' >&2\nexit 1",
    )?;
    let down = ContainerRuntime {
        program: program.into_os_string(),
        timeout: Duration::from_secs(5),
    };
    let err = down
        .runner_objects()
        .err()
        .ok_or("listed without a daemon")?;
    assert!(err.contains("is not running: Cannot connect"), "{err}");
    Ok(())
}

#[cfg(unix)]
#[test]
fn removals_never_force_and_refuse_what_is_not_agents_runners() -> TestResult {
    let dir = tempfile::tempdir()?;
    let runtime = fake(dir.path(), "", "", "", 0)?;
    assert_eq!(
        runtime.remove_image("agent-runner-env:k1"),
        ContainerRemoval::Removed
    );
    assert_eq!(
        runtime.remove_stopped_container("c1c1c1c1"),
        ContainerRemoval::Removed
    );
    for reference in [
        "ubuntu:24.04",
        "agent-runner-env",
        "-f",
        "agent-runner-env:--all",
        "agent-runner-env:a b",
        "agents-runner-env:k1",
    ] {
        assert!(
            matches!(
                runtime.remove_image(reference),
                ContainerRemoval::Refused { .. }
            ),
            "{reference}"
        );
    }
    assert!(matches!(
        runtime.remove_stopped_container("--all"),
        ContainerRemoval::Refused { .. }
    ));
    let calls = std::fs::read_to_string(dir.path().join("calls"))?;
    assert_eq!(calls, "image rm agent-runner-env:k1\nrm c1c1c1c1\n");
    Ok(())
}

#[cfg(unix)]
#[test]
fn an_image_in_use_and_a_running_container_are_refused_by_docker_itself() -> TestResult {
    let dir = tempfile::tempdir()?;
    let runtime = fake(
        dir.path(),
        "",
        "",
        "Error response from daemon: conflict: unable to remove repository reference (must force) - container c1 is using its referenced image",
        1,
    )?;
    assert!(matches!(
        runtime.remove_image("agent-runner-env:k1"),
        ContainerRemoval::Failed { message } if message.contains("conflict")
    ));
    let gone = tempfile::tempdir()?;
    let runtime = fake(
        gone.path(),
        "",
        "",
        "Error: No such image: agent-runner-env:k1",
        1,
    )?;
    assert_eq!(
        runtime.remove_image("agent-runner-env:k1"),
        ContainerRemoval::NotFound
    );
    Ok(())
}

#[test]
fn docker_sizes_and_dates_read_in_its_own_units() {
    for (text, want) in [
        ("0B", 0),
        ("12.3kB", 12_300),
        ("512MB", 512_000_000),
        ("1.23GB", 1_230_000_000),
        ("5MB (virtual 1.2GB)", 5_000_000),
        ("2TB", 2_000_000_000_000),
        ("N/A", 0),
        ("12XB", 0),
    ] {
        assert_eq!(parse_size(text), want, "{text}");
    }
    let at = parse_created("2026-11-20 10:00:00 +0100 CET");
    let want = chrono::DateTime::parse_from_rfc3339("2026-11-20T09:00:00Z")
        .ok()
        .map(SystemTime::from);
    assert_eq!(at, want);
}
