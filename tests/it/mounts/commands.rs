//! Every command, and the window's scheduled cleanup, refuses a workspace holding a bind
//! mount.

use super::{Case, ID, PATIENCE, mode_name, with_mode};
use crate::common;
use agents_janitor::policy::Action;
use agents_janitor::policy::DeleteMode;
use agents_janitor::remove::Filesystem;
use agents_janitor::worker::{Command, Event, Unattended, Worker, WorkerSetup};
use common::mini::{ENV, TestResult, make_old};
use std::collections::BTreeMap;
use std::error::Error;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Archive, complete, sweep, quotas and orphans go through the same refusal, in both
/// modes, and exit 1 although no task was named.
#[test]
fn every_command_refuses_a_workspace_holding_a_bind_mount() -> TestResult {
    let commands: [&[&str]; 5] = [
        &["archive"],
        &["complete", ID],
        &["sweep", "--older-than", "1h"],
        &["enforce-quotas"],
        &["orphans", "--delete"],
    ];
    for command in commands {
        for trash in [false, true] {
            let case = Case::new()?;
            let config = case.mini.root.path().join("config.toml");
            fs::write(&config, format!("[quotas.{ENV}]\nlimit = 1\n"))?;
            if command[0] == "orphans" {
                // No record: the workspace is an orphan.
                fs::remove_file(&case.record)?;
            }
            // Old enough for the sweep and the orphans (the mount point made first).
            fs::create_dir_all(case.workspace.join("d000/mnt"))?;
            make_old(&case.workspace, 3)?;
            let Some(mount_point) = case.bind_notes("d000/mnt")? else {
                return Ok(());
            };
            let canaries = case.canaries();
            let record = fs::read(&case.record).unwrap_or_default();
            let config = config.to_str().ok_or("not UTF-8")?;
            let mut args = vec!["--config", config];
            args.extend(with_mode(command, trash));
            let output = case.run(&args)?;
            let what = format!("{command:?} in {}", mode_name(trash));
            case.assert_refused(&output, &mount_point, &canaries, &record, &what)?;
        }
    }
    Ok(())
}

/// The real filesystem, with a "trash" that is a folder of the test's: the worker runs
/// in this process, whose own home trash must never be used.
struct TrashInto(PathBuf);

impl Filesystem for TrashInto {
    fn trash(&self, path: &Path, _data_dir: &Path) -> io::Result<()> {
        let name = path
            .file_name()
            .ok_or_else(|| io::Error::other("no name"))?;
        fs::create_dir_all(&self.0)?;
        fs::rename(path, self.0.join(name))
    }
}

/// The window's scheduled cleanup (archive, sweep, auto-clean quotas) refuses it too,
/// and says so in the log and in its notice.
#[test]
fn the_scheduled_cleanup_refuses_a_workspace_holding_a_bind_mount() -> TestResult {
    for mode in [DeleteMode::Delete, DeleteMode::Trash] {
        let case = Case::new()?;
        let Some(mount_point) = case.bind_notes("mnt")? else {
            return Ok(());
        };
        let canaries = case.canaries();
        let record = fs::read(&case.record)?;
        let bin = case.mini.root.path().join("trash-bin");
        let worker = Worker::spawn_with(
            case.mini.data_dir.clone(),
            WorkerSetup {
                filesystem: Arc::new(TrashInto(bin.clone())),
                ..WorkerSetup::default()
            },
            Arc::new(|| {}),
        );
        let mut log = Vec::new();
        let mut wait_for = |done: &dyn Fn(&Event) -> bool| -> Result<Event, Box<dyn Error>> {
            loop {
                let event = worker.events().recv_timeout(PATIENCE)?;
                if let Event::Log(line) = &event {
                    log.push(line.text.clone());
                }
                if done(&event) {
                    return Ok(event);
                }
            }
        };
        assert!(worker.send(Command::Load));
        wait_for(&|e| matches!(e, Event::Loaded(_)))?;
        let action = Action::Scheduled {
            slim_failed: false,
            merged_unsaved: false,
            keep_on_error: true,
            allow_unsaved: false,
            clean_done: true,
            older_than_hours: 0.0,
            quotas: BTreeMap::new(),
        };
        assert!(worker.send(Command::RunUnattended(action, mode)));
        let Event::Unattended(outcome) = wait_for(&|e| matches!(e, Event::Unattended(_)))? else {
            return Err("no outcome".into());
        };
        let warnings = match outcome {
            Unattended::Done { warnings, .. } | Unattended::NothingToDo { warnings } => warnings,
            Unattended::Failed(why) => return Err(why.into()),
        };
        let said = format!(
            "{} is a mount point: unmount it first",
            mount_point.display()
        );
        assert!(
            warnings.iter().any(|w| w.contains(&said)),
            "{mode:?}: {warnings:?}"
        );
        assert!(
            log.iter()
                .any(|l| l.starts_with("[cleanup] ERROR: Refused") && l.contains(&said)),
            "{mode:?}: {log:?}"
        );
        drop(worker);
        canaries.assert_intact(&format!("the schedule in {mode:?}"));
        assert_eq!(fs::read(&case.record)?, record);
        case.assert_no_trash(&format!("{mode:?}"))?;
        assert!(!bin.exists(), "{mode:?}: nothing went to the trash");
    }
    Ok(())
}
