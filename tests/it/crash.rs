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

/// A running task (record and workspace) and an archived record that no crash may
/// touch.
fn add_canaries(mini: &Mini) -> Result<Canaries, Box<dyn Error>> {
    mini.add_task(RUNNING, ENV, "running")?;
    let running = mini.add_workspace(ENV, RUNNING, 20)?;
    let archived = mini.add_task(ARCHIVED, ENV, "done")?;
    std::fs::rename(&archived, mini.archived_record(ARCHIVED))?;
    Ok(Canaries::new(
        mini,
        &[
            &running,
            &mini.active_record(RUNNING),
            &mini.archived_record(ARCHIVED),
        ],
    ))
}

fn crash_at(point: &str) -> TestResult {
    let mini = Mini::new()?;
    let files = if point.contains('=') { LARGE } else { SMALL };
    mini.add_task(TASK, ENV, "done")?;
    let workspace = mini.add_workspace(ENV, TASK, files)?;
    let canaries = add_canaries(&mini)?;
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

/// Another task discarded with `TASK` by the staging-first tests.
const SECOND: &str = "c4a5000004";

/// Two tasks discarded together, killed at `point`; the next start is a command that
/// does not name them (a sweep that finds nothing old): it finishes each record change
/// the staging names carry, then the deletes, and each task ends archived once as
/// `discarded` with one discard line.
fn crash_then_resume_elsewhere(point: &str) -> TestResult {
    let mini = Mini::new()?;
    let mut workspaces = Vec::new();
    for task in [TASK, SECOND] {
        mini.add_task(task, ENV, "done")?;
        workspaces.push(mini.add_workspace(ENV, task, SMALL)?);
    }
    let canaries = add_canaries(&mini)?;
    kill_at(&mini, &["discard", TASK, SECOND], point)?;
    let after = format!("killed at {point}");
    canaries.assert_intact(&after);
    assert_records_whole(&mini, &after)?;
    let staged = mini.staged();
    assert!(!staged.is_empty(), "{after}: nothing staged");
    let mut in_staging = Vec::new();
    for leftover in &staged {
        let name = leftover.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let parsed = agents_janitor::remove::StagedName::parse(name);
        assert!(
            parsed.as_ref().is_some_and(|p| p.env_id == ENV
                && [TASK, SECOND].contains(&p.folder.as_str())
                && p.intent == agents_janitor::remove::StagedIntent::Discard),
            "{after}: {name:?} does not carry the task, environment and intent"
        );
        in_staging.extend(parsed.map(|p| p.folder));
    }
    // A task whose workspace had not moved yet is untouched, whole at home.
    let untouched: Vec<(&str, &PathBuf)> = [TASK, SECOND]
        .into_iter()
        .zip(&workspaces)
        .filter(|(task, workspace)| {
            workspace.exists() && !in_staging.iter().any(|staged| staged == task)
        })
        .collect();
    for (task, _) in &untouched {
        assert_eq!(
            status_and_logs(&mini.active_record(task))?.0,
            "done",
            "{after}"
        );
    }

    let next = mini.run(&["sweep", "--older-than", "1000w"])?;
    assert_eq!(next.code, Some(0), "{after}, then sweep: {next}");
    assert!(mini.staged().is_empty(), "{after}: {next}");
    for (task, workspace) in [TASK, SECOND].iter().zip(&workspaces) {
        if untouched.iter().any(|(left, _)| left == task) {
            assert!(workspace.exists(), "{after}: {task} gone: {next}");
            assert_eq!(status_and_logs(&mini.active_record(task))?.0, "done");
            continue;
        }
        assert!(!workspace.exists(), "{after}: {task} at home: {next}");
        let found = records(&mini.data_dir)?;
        assert_eq!(
            found.get(*task).map(Vec::as_slice),
            Some([mini.archived_record(task)].as_slice()),
            "{after}: {task}: {next}"
        );
        let (status, logs) = status_and_logs(&mini.archived_record(task))?;
        assert_eq!(status, "discarded", "{after}: {task}");
        let discards = logs
            .iter()
            .filter(|l| *l == "[cleanup/janitor][INFO] Task discarded by agents-janitor")
            .count();
        assert_eq!(discards, 1, "{after}: {task}: {logs:?}");
    }
    canaries.assert_intact(&format!("{after}, then sweep"));
    Ok(())
}

macro_rules! resumed_elsewhere {
    ($($test:ident => $point:expr;)*) => {$(
        #[test]
        fn $test() -> TestResult {
            crash_then_resume_elsewhere($point)
        }
    )*};
}

resumed_elsewhere! {
    staged_first_then_killed_the_next_start_finishes_the_record => checkpoint::WORKSPACE_STAGED;
    all_staged_then_killed_the_next_start_finishes_both_records => checkpoint::ALL_STAGED;
    killed_after_the_status_write_the_next_start_archives_it => checkpoint::RECORD_WRITTEN;
    killed_after_the_archive_the_next_start_only_deletes => checkpoint::RECORD_ARCHIVED;
}

/// Staged, killed, and then Agents-Runner starts the task again before the next start:
/// the record it owns is not touched (byte for byte), the next start says why, and the
/// staged workspace is still deleted.
#[test]
fn a_task_running_again_before_the_next_start_keeps_its_record() -> TestResult {
    let mini = Mini::new()?;
    mini.add_task(TASK, ENV, "done")?;
    mini.add_workspace(ENV, TASK, SMALL)?;
    kill_at(&mini, &["discard", TASK], checkpoint::WORKSPACE_STAGED)?;
    assert_eq!(mini.staged().len(), 1);
    let record = mini.active_record(TASK);
    std::fs::write(
        &record,
        common::mini::task_toml(TASK, ENV, "running")?.as_bytes(),
    )?;
    let before = std::fs::read(&record)?;
    let next = mini.run(&["sweep", "--older-than", "1000w"])?;
    assert_eq!(next.code, Some(0), "{next}");
    assert_eq!(std::fs::read(&record)?, before, "{next}");
    assert!(
        next.stderr.contains(&format!(
            "Interrupted cleanup of task {TASK} not finished: it is running now"
        )),
        "{next}"
    );
    assert!(mini.staged().is_empty(), "{next}");
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
    killed_after_every_workspace_is_staged => checkpoint::ALL_STAGED;
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
    // The delete runs on several threads; all of them stop at the first point (see
    // `checkpoint::counted`), and the second point is well below what is left.
    let [first, second] = [LARGE as u64 / 3, LARGE as u64 / 20];
    crash_twice(first, second)
}
