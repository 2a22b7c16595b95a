//! The demo's folders: each task's workspace (a checkout, or plain files without
//! git), the leftovers Agents-Runner leaves (an orphan, a legacy checkout, a backup, an
//! upgraded task's workspace) and the mounted environment's notes.

use super::files::{age_tree, append, io_error, set_read_only, write_plain};
use super::tables::*;
use super::{Demo, DemoError};
use crate::store::paths::{managed_repos_dir, task_workspace_path};
use std::fs;
use std::path::Path;
use std::time::Duration;

impl Demo {
    pub(super) fn write_notes(&self) -> Result<(), DemoError> {
        let notes = self.notes_dir();
        write_plain(
            &notes.join("todo.md"),
            b"# To do\n\n- [ ] Renew the TLS certificate before Friday\n- [x] Send the invoice to ACME\n- [ ] Try agents-janitor on the demo data\n",
        )?;
        write_plain(
            &notes.join("ideas").join("roadmap.md"),
            b"# Roadmap ideas\n\n1. Dark mode for the dashboard\n2. CSV export of invoices\n3. Faster login (see the flaky test)\n",
        )?;
        write_plain(
            &notes.join("meeting-notes.txt"),
            b"Monday stand-up\n- billing API: pagination ships this week\n- web app: login test still flaky\n",
        )
    }

    /// Builds the task's workspace, if it has one. Returns whether a folder was made.
    pub(super) fn write_workspace(&self, index: usize, task: &DemoTask) -> Result<bool, DemoError> {
        let Some(env) = self.environment(task.env_id) else {
            return Ok(false);
        };
        let remote = env.remote_path(&self.data_dir);
        if task.workspace == DemoWorkspace::None || remote.is_none() {
            return Ok(false);
        }
        let workspace = task_workspace_path(&self.data_dir, task.env_id, task.id);
        let timeline = self.timeline(index, task);
        let when = timeline.last_touched();
        match (remote, self.git) {
            (Some(remote), true) => self.write_checkout(task, env, &remote, &workspace, when)?,
            _ => write_plain_workspace(task, env, &workspace)?,
        }
        if task.id == READ_ONLY_TASK {
            write_module_cache(&workspace.join(READ_ONLY_SUBDIR))?;
        }
        age_tree(&workspace, when)?;
        if task.id == READ_ONLY_TASK {
            make_read_only(&workspace.join(READ_ONLY_SUBDIR))?;
        }
        Ok(true)
    }

    /// What older or interrupted Agents-Runner runs leave behind: an orphan workspace
    /// ([`ORPHAN_FOLDER`], five days old) in the web app's tasks, and a legacy checkout
    /// directly in the billing API's folder (from before per-task workspaces).
    pub(super) fn write_leftovers(&self) -> Result<(), DemoError> {
        let orphan = task_workspace_path(&self.data_dir, ENV_WEBAPP, ORPHAN_FOLDER);
        write_plain(
            &orphan.join("README.md"),
            b"# web app\n\nA checkout whose task record is gone.\n",
        )?;
        write_plain(
            &orphan.join("src/main.rs"),
            b"fn main() {\n    println!(\"hello\");\n}\n",
        )?;
        age_tree(&orphan, self.now - Duration::from_secs(5 * 24 * 3600))?;
        let legacy = managed_repos_dir(&self.data_dir).join(ENV_API);
        write_plain(&legacy.join(".git/HEAD"), b"ref: refs/heads/main\n")?;
        write_plain(
            &legacy.join("README.md"),
            b"# billing API (checkout from an older Agents-Runner)\n",
        )?;
        age_tree(
            &legacy.join(".git"),
            self.now - Duration::from_secs(90 * 24 * 3600),
        )?;
        Ok(())
    }

    /// What a data dir upgraded from an older Agents-Runner holds besides its legacy
    /// JSON record: that task's workspace (40 days old) and a backup folder
    /// ([`BACKUP_FOLDER`], six days old).
    pub(super) fn write_upgrade_folders(&self) -> Result<(), DemoError> {
        let finished = self.ago(40 * 24 * 3600);
        let workspace = task_workspace_path(&self.data_dir, ENV_WEBAPP, JSON_RECORD_TASK);
        write_plain(
            &workspace.join("README.md"),
            b"# web app\n\nThe workspace of a task recorded in JSON by an older Agents-Runner.\n",
        )?;
        write_plain(
            &workspace.join("src/settings.tsx"),
            b"export const darkMode = true;\n",
        )?;
        age_tree(&workspace, finished)?;
        let backup = managed_repos_dir(&self.data_dir)
            .join(ENV_WEBAPP)
            .join("tasks")
            .join(BACKUP_FOLDER);
        write_plain(
            &backup.join("README.md"),
            b"# billing API\n\nA checkout of another repository, moved aside by Agents-Runner.\n",
        )?;
        age_tree(&backup, self.now - Duration::from_secs(6 * 24 * 3600))?;
        Ok(())
    }
}

pub(super) fn write_uncommitted_changes(
    task: &DemoTask,
    workspace: &Path,
) -> Result<(), DemoError> {
    append(
        &workspace.join("README.md"),
        &format!(
            "\n## Notes from task {}\n\nHalf-written section the agent never committed.\n",
            task.id
        ),
    )?;
    write_plain(
        &workspace.join("agent-scratch.md"),
        format!(
            "Scratch notes of task {}: try the retry with a fake clock.\n",
            task.id
        )
        .as_bytes(),
    )
}

/// Stand-in workspace when `git` is not available: the same files, no history.
fn write_plain_workspace(
    task: &DemoTask,
    env: &DemoEnvironment,
    workspace: &Path,
) -> Result<(), DemoError> {
    for (_, files) in seed_commits(env.remote.unwrap_or("demo")) {
        for (path, contents) in files {
            write_plain(&workspace.join(path), &contents)?;
        }
    }
    match task.workspace {
        DemoWorkspace::Uncommitted => write_uncommitted_changes(task, workspace),
        DemoWorkspace::Unpushed => append(
            &workspace.join("src").join("lib.rs"),
            &agent_change(task, env),
        ),
        DemoWorkspace::Clean | DemoWorkspace::None => Ok(()),
    }
}

/// A read-only module cache, like Go's `pkg/mod`, whose files ignore a plain delete.
fn write_module_cache(folder: &Path) -> Result<(), DemoError> {
    write_plain(
        &folder.join("errors.go"),
        b"// Package errors provides simple error handling primitives.\npackage errors\n",
    )?;
    write_plain(&folder.join("go.mod"), b"module github.com/pkg/errors\n")?;
    write_plain(
        &folder.join("LICENSE"),
        b"Copyright (c) 2015, Dave Cheney\n",
    )
}

fn make_read_only(folder: &Path) -> Result<(), DemoError> {
    let entries = fs::read_dir(folder).map_err(io_error(folder))?;
    for entry in entries {
        let path = entry.map_err(io_error(folder))?.path();
        set_read_only(&path, false)?;
    }
    set_read_only(folder, true)
}
