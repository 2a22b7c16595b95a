//! The headless interface: `list`, `usage`, `archive`, `discard`, `sweep`, `complete`,
//! `enforce-quotas`, `orphans`, `reclaim`, `slim`, `restore`, `demo`, `config`, `completions`, `man`.
//!
//! The cleaning commands take their defaults from the settings file
//! ([`crate::config`], `--config FILE`); an unusable file is a warning, not an error.
//!
//! Results go to stdout (a table, or JSON with `--json`); `[cleanup]` lines and
//! problems go to stderr as they happen. Exit codes: 0 done, 1 some steps failed
//! or were refused, 2 bad usage or input.
//!
//! The clap types are in `args`; each subcommand has its own module with its JSON rows
//! and its printing; the cleaning ones share `run_plan` (plan, print, execute, report).

use crate::policy::{Action, SlimSelection};
use anyhow::Result;

mod args;
mod demo;
mod dist_files;
mod list;
mod orphans;
mod overview;
mod quotas;
mod reclaim;
mod restore;
mod run_plan;
mod settings;
mod slim;
mod snapshot;
mod table;
mod usage;
mod work;

pub use args::Cli;
use args::{CliCommand, ConfigCommand, RunFlags};
use run_plan::execute;
use settings::settings;
use snapshot::open;

/// A failure with the exit code it deserves: `main` exits with `code` after printing it.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ExitError {
    /// The process exit code: 1 for a failed or refused step, 2 for bad usage or input.
    pub code: u8,
    message: String,
}

/// Bad usage or input: exit code 2.
fn bad_input(message: impl Into<String>) -> anyhow::Error {
    ExitError {
        code: 2,
        message: message.into(),
    }
    .into()
}

/// A step that failed or was refused: exit code 1.
fn failure(message: impl Into<String>) -> anyhow::Error {
    ExitError {
        code: 1,
        message: message.into(),
    }
    .into()
}

/// Runs a subcommand and returns the process exit code.
pub fn run(cli: Cli) -> Result<u8> {
    let data_dir = cli.data_dir.as_deref();
    let config_path = cli.config.as_deref();
    let Some(command) = cli.command else {
        return overview::window_or_overview(data_dir, config_path);
    };
    match command {
        CliCommand::Demo { dir } => demo::demo(&dir),
        CliCommand::DistFiles(command) => dist_files::run(command, &mut std::io::stdout().lock()),
        CliCommand::List {
            json,
            env,
            archived,
            all,
            fetch,
        } => {
            let snapshot = open(data_dir)?;
            snapshot::note_agents_runner(&snapshot);
            list::list(&snapshot, json, env.as_deref(), archived, all, fetch)
        }
        CliCommand::Slim {
            task_ids,
            all_finished,
            dry_run,
            json,
        } => {
            let snapshot = open(data_dir)?;
            snapshot::note_agents_runner(&snapshot);
            slim::slim(&snapshot, task_ids, all_finished, dry_run, json)
        }
        CliCommand::Usage { json } => {
            let settings = settings(config_path);
            let snapshot = open(data_dir)?;
            usage::usage(&snapshot, json, &settings)
        }
        CliCommand::Reclaim {
            kinds,
            older_than,
            scheduled,
            dry_run,
            json,
        } => {
            let settings = settings(config_path);
            let snapshot = open(data_dir)?;
            snapshot::note_agents_runner(&snapshot);
            let args = reclaim::ReclaimArgs {
                kinds,
                older_than,
                scheduled,
                dry_run,
                json,
            };
            reclaim::reclaim(&snapshot, &settings, &args)
        }
        CliCommand::Config { command } => settings::config_command(config_path, command),
        CliCommand::Restore { task_id, json } => restore::restore(data_dir, &task_id, json),
        CliCommand::Archive {
            run,
            delete_failed,
            force,
        } => {
            let settings = settings(config_path);
            let keep_on_error = settings.keep_on_error && !delete_failed;
            let action = Action::Archive {
                keep_on_error,
                allow_unsaved: settings.allow_unsaved_delete || force,
                clean_done: settings.archive_cleans_done,
                merged_unsaved: settings.delete_merged_unsaved,
            };
            let code = execute(&open(data_dir)?, action, &run, run.delete_mode(&settings))?;
            if !(keep_on_error && settings.archive_slims_failed) {
                return Ok(code);
            }
            // The failed tasks' workspaces it kept are slimmed instead of kept whole.
            let slimmed = slim::slim_selection(
                &open(data_dir)?,
                SlimSelection::KeptFailed,
                run.dry_run,
                if run.json {
                    slim::Output::LogOnly
                } else {
                    slim::Output::Text
                },
            )?;
            Ok(code.max(slimmed))
        }
        CliCommand::Discard {
            task_ids,
            run,
            force,
        } => {
            let mode = run.delete_mode(&settings(config_path));
            execute(
                &open(data_dir)?,
                Action::Discard { task_ids, force },
                &run,
                mode,
            )
        }
        CliCommand::Sweep {
            older_than,
            env,
            run,
            force,
        } => {
            let settings = settings(config_path);
            // What the systemd service runs: `delete_merged_unsaved` applies, as in the
            // window's schedule.
            let action = Action::Sweep {
                merged_unsaved: settings.delete_merged_unsaved,
                older_than_hours: older_than.unwrap_or(settings.sweep_age_hours),
                env_id: env,
                force,
                allow_unsaved: settings.allow_unsaved_delete,
            };
            execute(&open(data_dir)?, action, &run, run.delete_mode(&settings))
        }
        CliCommand::Complete {
            task_ids,
            run,
            delete_failed,
            force,
        } => {
            let settings = settings(config_path);
            let action = Action::Complete {
                task_ids,
                keep_on_error: settings.keep_on_error && !delete_failed,
                force,
            };
            execute(&open(data_dir)?, action, &run, run.delete_mode(&settings))
        }
        CliCommand::EnforceQuotas {
            env,
            auto_only,
            run,
            force,
        } => quotas::enforce_quotas(
            data_dir,
            &settings(config_path),
            env.as_deref(),
            auto_only,
            &run,
            force,
        ),
        CliCommand::Orphans {
            delete,
            paths,
            run,
            force,
        } => orphans::command(
            data_dir,
            &settings(config_path),
            delete,
            &paths,
            &run,
            force,
        ),
    }
}
