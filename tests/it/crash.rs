//! Crash safety: a real `discard` of a large workspace runs in a child process and is
//! killed with SIGKILL at a named moment (the `checkpoint` seam: after the record write,
//! after the archive rename, after the staging rename, at the Nth entry of the staged
//! delete, ...). After each kill every record parses and each task is recorded exactly
//! once, no canary changed, the workspace is whole at its real path or in staging, and
//! the next start finishes the staged delete and says so.
#![cfg(unix)]

use crate::common;

use agents_janitor::checkpoint::{self, MARKER, PAUSE_VAR};
use common::mini::{Canaries, ENV, Mini, TestResult, records, status_and_logs};
use common::tree_digest;
use std::error::Error;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::Stdio;

/// Files in the workspace whose delete is interrupted.
const LARGE: usize = 6_000;
/// Files in the workspace when the kill comes before the delete.
const SMALL: usize = 300;
const TASK: &str = "c4a5000001";
/// A running task's record and workspace that no crash may touch.
const RUNNING: &str = "c4a5000002";
/// An archived task that must stay archived exactly once.
const ARCHIVED: &str = "c4a5000003";

/// Starts the janitor with `args`, waits for it to pause at `point`, and kills it.
/// Returns what it printed on stderr.
fn kill_at(mini: &Mini, args: &[&str], point: &str) -> Result<String, Box<dyn Error>> {
    let mut child = mini
        .janitor(args)?
        .env(PAUSE_VAR, point)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let stderr = child.stderr.take().ok_or("no stderr pipe")?;
    let mut seen = String::new();
    let mut paused = false;
    for line in BufReader::new(stderr).lines() {
        let line = line?;
        seen.push_str(&line);
        seen.push('\n');
        if line.starts_with(MARKER) {
            paused = true;
            break;
        }
    }
    // SIGKILL: no destructor, no flush, no cleanup runs.
    child.kill()?;
    child.wait()?;
    if !paused {
        return Err(format!("{args:?} never reached {point}:\n{seen}").into());
    }
    Ok(seen)
}

/// Every record parses and each task is recorded once; returns where `TASK` is.
fn assert_records_whole(mini: &Mini, after: &str) -> Result<PathBuf, Box<dyn Error>> {
    let found = records(&mini.data_dir)?;
    for (id, places) in &found {
        assert_eq!(places.len(), 1, "{after}: {id} recorded at {places:?}");
    }
    for id in [TASK, RUNNING, ARCHIVED] {
        assert!(found.contains_key(id), "{after}: record of {id} lost");
    }
    assert_eq!(
        found.get(ARCHIVED).map(Vec::as_slice),
        Some([mini.archived_record(ARCHIVED)].as_slice()),
        "{after}"
    );
    assert_eq!(
        found.get(RUNNING).map(Vec::as_slice),
        Some([mini.active_record(RUNNING)].as_slice()),
        "{after}"
    );
    found
        .get(TASK)
        .and_then(|places| places.first().cloned())
        .ok_or_else(|| format!("{after}: no record of {TASK}").into())
}

fn crash_at(point: &str) -> TestResult {
    let mini = Mini::new()?;
    let files = if point.contains('=') { LARGE } else { SMALL };
    mini.add_task(TASK, ENV, "done")?;
    let workspace = mini.add_workspace(ENV, TASK, files)?;
    mini.add_task(RUNNING, ENV, "running")?;
    let running = mini.add_workspace(ENV, RUNNING, 20)?;
    let archived = mini.add_task(ARCHIVED, ENV, "done")?;
    std::fs::rename(&archived, mini.archived_record(ARCHIVED))?;
    let canaries = Canaries::new(
        &mini,
        &[
            &running,
            &mini.active_record(RUNNING),
            &mini.archived_record(ARCHIVED),
        ],
    );
    // Only the early kill points leave the workspace at home to compare.
    let whole = (files == SMALL).then(|| tree_digest(&workspace));

    let seen = kill_at(&mini, &["discard", TASK], point)?;
    let after = format!("killed at {point}");
    canaries.assert_intact(&after);
    assert_records_whole(&mini, &after)?;
    let staged = mini.staged();
    if workspace.exists() {
        assert!(staged.is_empty(), "{after}: staged {staged:?} and at home");
        assert!(
            whole.is_none_or(|whole| tree_digest(&workspace) == whole),
            "{after}: workspace changed"
        );
    } else {
        // Staged (and maybe partly deleted), or deleted completely; a delete paused at
        // one entry cannot have removed the staged folder itself.
        let expected = if files == LARGE { 1..=1 } else { 0..=1 };
        assert!(
            expected.contains(&staged.len()),
            "{after}: {staged:?}\n{seen}"
        );
    }

    // The next start: the staged delete is finished first and reported.
    let next = mini.run(&["discard", TASK])?;
    assert_eq!(next.code, Some(0), "{after}, then discard again: {next}");
    for leftover in &staged {
        let said = format!(
            "[cleanup] Finishing interrupted delete: {}",
            leftover.display()
        );
        assert!(
            next.stderr.contains(&said),
            "{after}: {said:?} missing:\n{next}"
        );
    }
    assert!(!workspace.exists(), "{after}: {next}");
    assert!(
        mini.staged().is_empty(),
        "{after}: staging not emptied: {next}"
    );
    let record = assert_records_whole(&mini, &after)?;
    assert_eq!(record, mini.archived_record(TASK), "{after}");
    let (status, logs) = status_and_logs(&record)?;
    assert_eq!(status, "discarded", "{after}");
    assert!(
        logs.iter()
            .any(|l| l == "[cleanup/janitor][INFO] Task discarded by agents-janitor"),
        "{after}: {logs:?}"
    );
    canaries.assert_intact(&format!("{after}, then discard again"));
    Ok(())
}

/// A kill in the middle of a delete, then another in the middle of finishing it.
fn crash_twice(first: u64, second: u64) -> TestResult {
    let mini = Mini::new()?;
    mini.add_task(TASK, ENV, "done")?;
    let workspace = mini.add_workspace(ENV, TASK, LARGE)?;
    mini.add_task(RUNNING, ENV, "running")?;
    mini.add_workspace(ENV, RUNNING, 20)?;
    let archived = mini.add_task(ARCHIVED, ENV, "done")?;
    std::fs::rename(&archived, mini.archived_record(ARCHIVED))?;
    let canaries = Canaries::new(&mini, &[&mini.workspace(ENV, RUNNING)]);

    let purge = format!("{}={first}", checkpoint::PURGE_ENTRY);
    kill_at(&mini, &["discard", TASK], &purge)?;
    let staged = mini.staged();
    assert_eq!(staged.len(), 1, "{staged:?}");
    let resume = format!("{}={second}", checkpoint::RESUME_ENTRY);
    kill_at(&mini, &["sweep", "--older-than", "1000w"], &resume)?;
    canaries.assert_intact("killed twice");
    assert_records_whole(&mini, "killed twice")?;

    let next = mini.run(&["sweep", "--older-than", "1000w"])?;
    assert_eq!(next.code, Some(0), "{next}");
    assert!(
        next.stderr.contains(&format!(
            "[cleanup] Finishing interrupted delete: {}",
            staged[0].display()
        )),
        "{next}"
    );
    assert!(mini.staged().is_empty(), "{next}");
    assert!(!workspace.exists());
    canaries.assert_intact("killed twice, then sweep");
    Ok(())
}

/// Seeded kill points in the staged delete: a fixed linear congruential sequence, so a
/// failure names a point that can be replayed.
fn seeded_points(seed: u64, count: usize, below: u64) -> Vec<u64> {
    let mut state = seed;
    (0..count)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            1 + (state >> 33) % below
        })
        .collect()
}

macro_rules! named_point {
    ($($test:ident => $point:expr;)*) => {$(
        #[test]
        fn $test() -> TestResult {
            crash_at($point)
        }
    )*};
}

named_point! {
    killed_under_the_lock_before_the_first_step => checkpoint::EXECUTE_START;
    killed_between_the_record_write_and_the_archive_rename => checkpoint::RECORD_WRITTEN;
    killed_after_the_archive_rename => checkpoint::RECORD_ARCHIVED;
    killed_after_the_container_removal => checkpoint::CONTAINER_REMOVED;
    killed_after_the_staging_rename => checkpoint::WORKSPACE_STAGED;
    killed_after_the_delete_before_the_log_lines => checkpoint::PURGED;
    killed_after_the_log_lines => checkpoint::RECORDS_LOGGED;
    killed_at_the_first_deleted_entry => &format!("{}=1", checkpoint::PURGE_ENTRY);
}

/// Each test takes a slice of the seeded points so the test harness runs them in parallel.
fn seeded_slice(slice: usize) -> TestResult {
    const SEED: u64 = 0x5afe_c0de;
    const POINTS: usize = 16;
    const SLICES: usize = 4;
    let points = seeded_points(SEED, POINTS, LARGE as u64);
    for point in points.iter().skip(slice).step_by(SLICES) {
        crash_at(&format!("{}={point}", checkpoint::PURGE_ENTRY))?;
    }
    Ok(())
}

#[test]
fn killed_during_the_staged_delete_at_seeded_points_0() -> TestResult {
    seeded_slice(0)
}

#[test]
fn killed_during_the_staged_delete_at_seeded_points_1() -> TestResult {
    seeded_slice(1)
}

#[test]
fn killed_during_the_staged_delete_at_seeded_points_2() -> TestResult {
    seeded_slice(2)
}

#[test]
fn killed_during_the_staged_delete_at_seeded_points_3() -> TestResult {
    seeded_slice(3)
}

#[test]
fn killed_again_while_finishing_an_interrupted_delete() -> TestResult {
    let [first, second] = [LARGE as u64 / 3, LARGE as u64 / 4];
    crash_twice(first, second)
}
