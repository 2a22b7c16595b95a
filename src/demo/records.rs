//! The demo's Agents-Runner files: task records (TOML, a clash copy, a legacy JSON
//! record), `environments.json` and `state.toml`.

use super::files::{multiline_array, write_json, write_toml};
use super::tables::*;
use super::{Demo, DemoError, Timeline, unix_seconds};
use crate::store::paths::{
    active_tasks_dir, archived_tasks_dir, environments_file, safe_id, task_workspace_path,
};
use crate::store::time::format_iso;
use serde_json::{Value, json};
use std::time::{Duration, UNIX_EPOCH};
use toml_edit::{Array, DocumentMut, Item, Table, value};

impl Demo {
    pub(super) fn write_task_file(&self, index: usize, task: &DemoTask) -> Result<(), DemoError> {
        let folder = if task.archived {
            archived_tasks_dir(&self.data_dir)
        } else {
            active_tasks_dir(&self.data_dir)
        };
        let path = folder.join(format!("{}.toml", safe_id(task.id)));
        let log_lines = if task.id == HUGE_LOG_TASK {
            HUGE_LOG_LINES
        } else {
            5 + index * 7 % 36
        };
        let document = self.task_document(index, task, task.finalization_done, log_lines);
        write_toml(&path, &document)
    }

    /// The legacy JSON record of [`JSON_RECORD_TASK`] (40 days old), written like an
    /// older Agents-Runner's `json.dump`: indent 2, sorted keys, `null`s kept.
    pub(super) fn write_json_record(&self) -> Result<(), DemoError> {
        let finished = self.ago(40 * 24 * 3600);
        let record = json!({
            "task_id": JSON_RECORD_TASK,
            "environment_id": ENV_WEBAPP,
            "status": "done",
            "exit_code": 0,
            "error": null,
            "created_at_s": unix_seconds(finished - Duration::from_secs(25 * 60)),
            "started_at": format_iso(finished - Duration::from_secs(24 * 60)),
            "finished_at": format_iso(finished),
            "gh_management_mode": "github",
            "gh_repo_root": task_workspace_path(&self.data_dir, ENV_WEBAPP, JSON_RECORD_TASK)
                .display()
                .to_string(),
            "gh_branch": branch_name(JSON_RECORD_TASK),
            "gh_base_branch": "main",
            "gh_pr_url": "",
            "container_id": null,
            "prompt": "Add a dark mode toggle to the settings page",
            "agent_cli": "codex",
            "artifacts": [],
            "runner_config": null,
            "logs": [
                "[10:02:11] cloning into the task workspace",
                "[10:02:40] agent started",
                "[10:26:03] agent exited with code 0",
            ],
        });
        let path = archived_tasks_dir(&self.data_dir).join(format!("{JSON_RECORD_TASK}.json"));
        write_json(&path, record)
    }

    /// An older copy of [`CLASH_TASK`], stored beside it the way Agents-Runner stores a clash.
    pub(super) fn write_clash_copy(&self) -> Result<(), DemoError> {
        let Some((index, task)) = TASKS.iter().enumerate().find(|(_, t)| t.id == CLASH_TASK) else {
            return Ok(());
        };
        let stored_at = self.timeline(index, task).last_touched() + Duration::from_secs(90);
        let nanos = stored_at
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos());
        let path = archived_tasks_dir(&self.data_dir)
            .join(format!("{}.dup-{nanos}.toml", safe_id(task.id)));
        // Written before finalization finished, with a shorter log.
        let document = self.task_document(index, task, false, 6);
        write_toml(&path, &document)
    }

    fn task_document(
        &self,
        index: usize,
        task: &DemoTask,
        finalization_done: bool,
        log_lines: usize,
    ) -> DocumentMut {
        let timeline = self.timeline(index, task);
        let env = self.environment(task.env_id);
        let workspace_type = task.workspace_type();
        let cloned = workspace_type == "cloned";
        let branch = branch_name(task.id);
        let remote = env
            .and_then(|env| env.remote_path(&self.data_dir))
            .map(|path| path.display().to_string());
        let pr_url = pr_url(task);
        let agent_cli = ["codex", "claude", "copilot"][index % 3];

        let mut doc = DocumentMut::new();
        doc["task_id"] = value(task.id);
        doc["environment_id"] = value(task.env_id);
        doc["status"] = value(task.status);
        if let Some(code) = task.exit_code {
            doc["exit_code"] = value(code);
        }
        if let Some(error) = error_message(task) {
            doc["error"] = value(error);
        }
        doc["created_at_s"] = value(unix_seconds(timeline.created));
        if let Some(started) = timeline.started {
            doc["started_at"] = value(format_iso(started));
        }
        if let Some(finished) = timeline.finished {
            doc["finished_at"] = value(format_iso(finished));
        }
        if task.id == LEGACY_MODE_TASK {
            doc["gh_management_mode"] = value("github");
        } else {
            doc["workspace_type"] = value(workspace_type);
        }
        if cloned {
            let root = task_workspace_path(&self.data_dir, task.env_id, task.id);
            doc["gh_repo_root"] = value(root.display().to_string());
            doc["gh_branch"] = value(branch.as_str());
            doc["gh_base_branch"] = value("main");
        }
        if let Some(url) = &pr_url {
            doc["gh_pr_url"] = value(url.as_str());
        }
        if has_container(task) {
            doc["container_id"] = value(format!("ar-{}", task.id));
        }
        doc["prompt"] = value(prompt(index));
        doc["agent_cli"] = value(agent_cli);
        doc["finalization_state"] = value(if finalization_done { "done" } else { "pending" });
        doc["logs"] = Item::Value(
            multiline_array(log_lines_for(task, &timeline, agent_cli, log_lines)).into(),
        );
        doc["artifacts"] = Item::Value(Array::new().into());
        doc["attempt_history"] = Item::Value(Array::new().into());
        doc[MARKER_KEY] = value(MARKER_VALUE);

        let mut git = Table::new();
        if cloned {
            if let Some(remote) = remote {
                git["repo_url"] = value(remote);
            }
            git["branch"] = value(branch.as_str());
            git["base_branch"] = value("main");
            if let Some(url) = &pr_url {
                git["pull_request_url"] = value(url.as_str());
            }
        }
        doc["git"] = Item::Table(git);

        let mut runner = Table::new();
        runner["image"] = value("lunamidori5/pixelarch:emerald");
        runner["agent_cli"] = value(agent_cli);
        runner["agent_cli_args"] = value("");
        runner["timeout_s"] = value(3600_i64);
        runner["headless"] = value(true);
        if workspace_type == "mounted" {
            runner["host_workdir"] = value(self.notes_dir().display().to_string());
        }
        doc["runner_config"] = Item::Table(runner);
        doc
    }

    pub(super) fn write_environments(&self) -> Result<(), DemoError> {
        let items: Vec<Value> = ENVIRONMENTS
            .iter()
            .map(|env| self.environment_json(env))
            .collect();
        write_json(
            &environments_file(&self.data_dir),
            json!({ "environments": items }),
        )
    }

    fn environment_json(&self, env: &DemoEnvironment) -> Value {
        let target = match (env.workspace_type, env.remote_path(&self.data_dir)) {
            ("cloned", Some(remote)) => remote.display().to_string(),
            ("mounted", _) => self.notes_dir().display().to_string(),
            _ => String::new(),
        };
        let host_workdir = if env.workspace_type == "mounted" {
            target.clone()
        } else {
            String::new()
        };
        let mut item = json!({
            "name": env.name,
            "color": env.color,
            "workspace_type": if env.legacy { "github" } else { env.workspace_type },
            "workspace_target": target,
            "host_workdir": host_workdir,
            "host_codex_dir": "~/.codex",
            "agent_cli_args": "",
            "max_agents_running": -1,
            "env_vars": {},
            "extra_mounts": [],
            "prompts": [],
            "ports": [],
            "agent_selection": null,
        });
        if let Value::Object(fields) = &mut item {
            if env.legacy {
                fields.insert("id".to_owned(), json!(env.id));
            } else {
                fields.insert("env_id".to_owned(), json!(env.id));
                fields.insert("version".to_owned(), json!(1));
            }
            if env.id == ENV_WEBAPP {
                fields.insert("env_vars".to_owned(), json!({ "NODE_ENV": "test" }));
                fields.insert("ports".to_owned(), json!(["5173:5173"]));
            }
        }
        item
    }

    pub(super) fn write_state(&self) -> Result<(), DemoError> {
        let mut doc = DocumentMut::new();
        doc["version"] = value(4_i64);
        let mut settings = Table::new();
        settings["use"] = value("codex");
        settings["shell"] = value("bash");
        settings["active_environment_id"] = value(ENV_WEBAPP);
        settings["max_agents_running"] = value(2_i64);
        settings["host_codex_dir"] = value("~/.codex");
        settings["interactive_terminal_id"] = value("konsole");
        settings["preflight_enabled"] = value(false);
        doc["settings"] = Item::Table(settings);
        let mut watch = Table::new();
        watch["enabled"] = value(true);
        watch["poll_interval_s"] = value(30_i64);
        doc["agent_watch"] = Item::Table(watch);
        write_toml(&self.data_dir.join("state.toml"), &doc)
    }
}

fn log_lines_for(
    task: &DemoTask,
    timeline: &Timeline,
    agent_cli: &str,
    count: usize,
) -> Vec<String> {
    const STEPS: &[&str] = &[
        "[git] Cloning repository into the task workspace",
        "[git] Checked out branch {branch}",
        "[docker] Pulling image lunamidori5/pixelarch:emerald",
        "[docker] Starting container ar-{id}",
        "[agent] {cli} started",
        "[agent] Reading the repository layout",
        "[agent] Running cargo test",
        "[agent] test result: ok. 42 passed; 0 failed",
        "[agent] Editing src/lib.rs",
        "[agent] Thinking about the failing assertion",
    ];
    let start = timeline.started.unwrap_or(timeline.created);
    let branch = branch_name(task.id);
    (0..count)
        .map(|line| {
            let step = STEPS[line % STEPS.len()]
                .replace("{branch}", &branch)
                .replace("{id}", task.id)
                .replace("{cli}", agent_cli);
            let at: chrono::DateTime<chrono::Utc> =
                (start + Duration::from_secs(line as u64 * 2)).into();
            format!("[{}] {step}", at.format("%H:%M:%S"))
        })
        .collect()
}
