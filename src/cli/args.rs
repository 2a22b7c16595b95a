//! The command line as clap parses it: the global options, the subcommands and their
//! flags. Doc comments on fields and variants are the `--help` text and the man pages.

use super::dist_files;
use crate::config::{self, Config};
use crate::policy::DeleteMode;
use crate::store::footprint::FootprintKind;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// The parsed command line of `agents-janitor`: global options and at most one subcommand
/// (none opens the window, or the text overview without a display).
#[derive(Debug, Parser)]
#[command(
    name = "agents-janitor",
    version,
    about = "Sizes and safely cleans Agents-Runner task workspaces"
)]
pub struct Cli {
    /// The Agents-Runner data directory (default: $AGENTS_RUNNER_STATE_PATH, else ~/.midoriai/agents-runner).
    #[arg(long, global = true, value_name = "DIR")]
    pub(super) data_dir: Option<PathBuf>,
    /// The janitor's settings file (default: config.toml in the user's config folder).
    #[arg(long, global = true, value_name = "FILE")]
    pub(super) config: Option<PathBuf>,
    #[command(subcommand)]
    pub(super) command: Option<CliCommand>,
}

/// The subcommands, each with its own arguments.
#[derive(Debug, Subcommand)]
pub(super) enum CliCommand {
    /// List task records with their status and workspace size.
    List {
        #[arg(long)]
        json: bool,
        /// Only tasks of this environment.
        #[arg(long, value_name = "ID")]
        env: Option<String>,
        /// Only archived tasks (tasks/done).
        #[arg(long, conflicts_with = "all")]
        archived: bool,
        /// Active and archived tasks.
        #[arg(long)]
        all: bool,
        /// Check remotes first: `git fetch --prune` each workspace (60 s each at most),
        /// so a branch merged and deleted on the remote shows as merged.
        #[arg(long)]
        fetch: bool,
    },
    /// Disk usage per environment and per workspace.
    Usage {
        #[arg(long)]
        json: bool,
    },
    /// Archive finished tasks; delete the workspaces of done ones (failed ones are kept for
    /// debugging), as the settings keep_on_error and archive_cleans_done say.
    Archive {
        #[command(flatten)]
        run: RunFlags,
        /// Delete the workspaces of failed/error tasks too (overrides keep_on_error).
        #[arg(long)]
        delete_failed: bool,
        /// Delete workspaces even when they hold uncommitted or unpushed work (as does the
        /// setting allow_unsaved_delete).
        #[arg(long)]
        force: bool,
    },
    /// Discard tasks: mark them discarded, archive them, remove their container and workspace.
    Discard {
        #[arg(required = true, value_name = "TASK_ID")]
        task_ids: Vec<String>,
        #[command(flatten)]
        run: RunFlags,
        /// Discard even tasks that are still running.
        #[arg(long)]
        force: bool,
    },
    /// Delete workspaces whose newest file is older than the given age.
    Sweep {
        /// Age such as 24h, 90m, 2d or 1w (a bare number means hours; default: the
        /// setting sweep_age_hours, 24).
        #[arg(long, value_name = "AGE", value_parser = config::parse_age_hours)]
        older_than: Option<f64>,
        /// Only this environment.
        #[arg(long, value_name = "ID")]
        env: Option<String>,
        #[command(flatten)]
        run: RunFlags,
        /// Also sweep running tasks and workspaces with unsaved git work.
        #[arg(long)]
        force: bool,
    },
    /// Clean up after finished tasks (failed ones are kept unless --delete-failed).
    Complete {
        #[arg(required = true, value_name = "TASK_ID")]
        task_ids: Vec<String>,
        #[command(flatten)]
        run: RunFlags,
        /// Delete the workspaces of failed/error tasks too (overrides keep_on_error).
        #[arg(long)]
        delete_failed: bool,
        /// Also clean running tasks and workspaces with unsaved git work.
        #[arg(long)]
        force: bool,
    },
    /// Delete the oldest finished workspaces of each environment over its quota (the
    /// settings file's quotas) until it is under; active, kept-for-debugging and unsaved
    /// workspaces stay.
    EnforceQuotas {
        /// Only this environment's quota.
        #[arg(long, value_name = "ID")]
        env: Option<String>,
        /// Only the quotas with auto_clean = true (what a scheduled cleanup enforces).
        #[arg(long, conflicts_with = "env")]
        auto_only: bool,
        #[command(flatten)]
        run: RunFlags,
        /// Delete workspaces even when they hold uncommitted or unpushed work (as does the
        /// setting allow_unsaved_delete).
        #[arg(long)]
        force: bool,
    },
    /// List workspace folders no task record points at (orphans, backups Agents-Runner
    /// moved aside, folders of deleted environments), and legacy checkouts; with
    /// --delete, delete the orphan folders unchanged for an hour (legacy checkouts never).
    Orphans {
        /// Delete every orphan folder, or the folders named (--dry-run shows the plan
        /// only). Backups and deleted environments' folders go only when named.
        #[arg(long)]
        delete: bool,
        /// Folders to delete (as `orphans` lists them); none: every plain orphan.
        #[arg(value_name = "PATH")]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        run: RunFlags,
        /// Delete orphan folders even when they hold uncommitted or unpushed work (as does
        /// the setting allow_unsaved_delete).
        #[arg(long)]
        force: bool,
    },
    /// Take back the rest of Agents-Runner's footprint: artifacts, context files, crash
    /// leftovers, archived records' logs, backups, docker images and containers...
    /// Each item is checked (its task finished, old enough, an exact known path).
    Reclaim {
        /// Kinds to take (as `usage` names them: artifacts, crash_leftovers,
        /// docker_images, ...); none: every kind whose setting is not "never".
        #[arg(value_name = "KIND", value_parser = parse_kind)]
        kinds: Vec<FootprintKind>,
        /// Only what is older than this age (24h, 7d, 2w; a bare number means hours).
        #[arg(long, value_name = "AGE", value_parser = config::parse_age_hours)]
        older_than: Option<f64>,
        /// Take what the schedule takes: the kinds set to "schedule", older than the
        /// setting reclaim.schedule_age (the systemd service runs this).
        #[arg(long)]
        scheduled: bool,
        /// Show the plan; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// The plan and the result as one JSON document.
        #[arg(long)]
        json: bool,
    },
    /// Delete only the build output of kept workspaces: what git ignores in them
    /// (target/, node_modules/, ... when ignored), never a tracked or an untracked file
    /// that is not ignored, never .git. Finished tasks only.
    Slim {
        /// The tasks whose workspaces to slim.
        #[arg(value_name = "ID")]
        task_ids: Vec<String>,
        /// Every finished task's workspace.
        #[arg(long)]
        all_finished: bool,
        /// Show the plan (each folder with its size) without changing anything.
        #[arg(long)]
        dry_run: bool,
        /// The plan and the result as one JSON document.
        #[arg(long)]
        json: bool,
    },
    /// Show or change the janitor's settings.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Un-archive a task: move its record from tasks/done/ back to tasks/.
    Restore {
        #[arg(value_name = "TASK_ID")]
        task_id: String,
        #[arg(long)]
        json: bool,
    },
    /// Write a realistic demo data directory to try everything safely.
    Demo {
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    #[command(flatten)]
    DistFiles(dist_files::DistFilesCommand),
}

/// `config show` and `config set`.
#[derive(Debug, Subcommand)]
pub(super) enum ConfigCommand {
    /// Print the settings file's path and every setting in use.
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Change one setting, keeping the file's comments (quotas.ENV.limit off removes a quota).
    Set {
        /// keep_on_error, archive_cleans_done, sweep_age_hours, allow_unsaved_delete,
        /// delete_mode, schedule, quotas.ENV.limit, quotas.ENV.warn_percent,
        /// quotas.ENV.auto_clean, reclaim.KIND (never, ask or schedule),
        /// reclaim.schedule_age, reclaim.trim_logs_after or reclaim.trim_logs_keep.
        key: String,
        #[arg(allow_hyphen_values = true)]
        value: String,
    },
}

/// The flags every cleaning subcommand takes: how to run the plan and what to print.
#[derive(Debug, Args)]
pub(super) struct RunFlags {
    /// Show the plan; change nothing.
    #[arg(long)]
    pub(super) dry_run: bool,
    #[arg(long)]
    pub(super) json: bool,
    /// Move workspaces to the system trash instead of deleting them (the space is freed
    /// when the trash is emptied; default: the setting delete_mode).
    #[arg(long)]
    pub(super) trash: bool,
    /// Delete workspaces even when the setting delete_mode is "trash".
    #[arg(long, conflicts_with = "trash")]
    pub(super) no_trash: bool,
}

impl RunFlags {
    /// What happens to workspaces: the flags' choice, else the settings'.
    pub(super) fn delete_mode(&self, settings: &Config) -> DeleteMode {
        if self.trash {
            DeleteMode::Trash
        } else if self.no_trash {
            DeleteMode::Delete
        } else {
            settings.delete_mode
        }
    }
}

/// A kind of the footprint as the command line names it (`crash-leftovers` too).
fn parse_kind(text: &str) -> Result<FootprintKind, String> {
    text.parse()
}
