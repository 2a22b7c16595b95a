//! Arbitrary bytes as a whole data dir (`environments.json`, active and archived task
//! files, split at 0xFF bytes): loading gives a snapshot with problems, planning every
//! action gives a plan or an error, never a panic, and no file is changed.
#![no_main]

use agents_janitor::policy::{self, Action, DeleteMode, PlanInput};
use agents_janitor::store::{Snapshot, paths};
use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;
use std::time::SystemTime;

fuzz_target!(|bytes: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    let data = dir.path();
    let mut parts = bytes.split(|b| *b == 0xFF);
    let mut files = Vec::new();
    if let Some(environments) = parts.next() {
        files.push((paths::environments_file(data), environments));
    }
    for (index, part) in parts.enumerate() {
        let folder = if index % 3 == 2 {
            paths::archived_tasks_dir(data)
        } else {
            paths::active_tasks_dir(data)
        };
        files.push((folder.join(format!("t{index}.toml")), part));
    }
    for (path, content) in &files {
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(path, content));
        if written.is_err() {
            return;
        }
    }
    let Ok(snapshot) = Snapshot::load(data) else {
        return;
    };
    let ids: Vec<String> = snapshot.tasks.iter().map(|t| t.task_id.clone()).collect();
    let usage = HashMap::new();
    let git = HashMap::new();
    let input = PlanInput {
        snapshot: &snapshot,
        usage: &usage,
        git: &git,
        mount_points: None,
        now: SystemTime::now(),
        agents_runner: None,
        delete_mode: DeleteMode::Delete,
    };
    for action in [
        Action::Archive {
            merged_unsaved: true,
            keep_on_error: true,
            allow_unsaved: false,
            clean_done: true,
        },
        Action::Sweep {
            merged_unsaved: true,
            older_than_hours: 0.0,
            env_id: None,
            force: true,
            allow_unsaved: false,
        },
        Action::Discard {
            task_ids: ids.clone(),
            force: true,
        },
        Action::Complete {
            task_ids: ids.clone(),
            keep_on_error: false,
            force: true,
        },
    ] {
        let _ = policy::plan(&action, &input);
    }
    for (path, content) in &files {
        assert_eq!(
            std::fs::read(path).unwrap_or_default(),
            *content,
            "{} changed",
            path.display()
        );
    }
});
