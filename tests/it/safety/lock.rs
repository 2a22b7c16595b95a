//! The lock: a second janitor stops, says who holds the lock, and changes nothing.

use super::{TestResult, canaries, canonical_data, demo_task_id};
use crate::common;
use agents_janitor::demo::ENV_WEBAPP;
use agents_janitor::lock::LOCK_FILE;
use common::{Fixture, docker_calls, run};
use std::fs;

#[test]
fn a_held_lock_stops_a_second_janitor() -> TestResult {
    let fx = Fixture::new()?;
    let data = canonical_data(&fx)?;
    let lock_path = fx.data_dir.join(LOCK_FILE);
    fs::write(&lock_path, "pid 4242, safety-test holder, since now")?;
    let lock = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&lock_path)?;
    lock.try_lock()?;
    let canaries = canaries(&fx, &[&fx.data_dir]);
    let id = demo_task_id("done", ENV_WEBAPP)?;

    for args in [
        vec!["discard", id],
        vec!["sweep", "--older-than", "0", "--force"],
    ] {
        let blocked = run(&fx, &args)?;
        assert_eq!(blocked.code, Some(1), "{args:?}: {blocked}");
        let said = blocked.stderr.lines().any(|line| {
            line.contains("another agents-janitor")
                && line.contains(&*data.to_string_lossy())
                && line.contains("safety-test holder")
        });
        assert!(said, "{args:?}: {blocked}");
        canaries.assert_intact(&args.join(" "));
    }
    assert!(
        docker_calls(&fx)?.is_empty(),
        "docker ran under a held lock"
    );

    // Dry runs need no lock.
    let dry = run(&fx, &["discard", id, "--dry-run"])?;
    assert_eq!(dry.code, Some(0), "{dry}");
    canaries.assert_intact("discard --dry-run");
    drop(lock);
    Ok(())
}
