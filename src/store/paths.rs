//! Where things live in an Agents-Runner data directory, and how ids become folder names.

use std::path::{Path, PathBuf};

/// Environment variable Agents-Runner reads to relocate its state.
pub const STATE_PATH_VAR: &str = "AGENTS_RUNNER_STATE_PATH";
/// Folder (under the data dir) that holds every environment's managed checkouts.
pub const MANAGED_REPOS: &str = "managed-repos";
/// Folder (under `managed-repos/`) where workspaces wait for deletion after being renamed away.
pub const STAGING: &str = ".janitor-trash";
/// Folder (under the data dir, and under each `managed-repos/<env>/`) of task records,
/// and of task workspaces.
pub const TASKS_DIR: &str = "tasks";
/// Folder (under `tasks/`) of archived task records.
pub const ARCHIVE_DIR: &str = "done";
/// The file (under the data dir) that lists the environments.
pub const ENVIRONMENTS_FILE: &str = "environments.json";

/// Resolves the data directory: an explicit choice first, then `AGENTS_RUNNER_STATE_PATH`
/// (a value ending in `.toml` names the state file, whose folder is the data dir),
/// then `~/.midoriai/agents-runner`. Returns `None` only when no home folder is known.
pub fn resolve_data_dir(explicit: Option<&Path>, state_path_var: Option<&str>) -> Option<PathBuf> {
    if let Some(dir) = explicit {
        return Some(expand_tilde(&dir.to_string_lossy()));
    }
    if let Some(value) = state_path_var.map(str::trim).filter(|v| !v.is_empty()) {
        let path = expand_tilde(value);
        if value.to_ascii_lowercase().ends_with(".toml") {
            return Some(path.parent().map(Path::to_path_buf).unwrap_or_default());
        }
        return Some(path);
    }
    home_dir().map(|home| default_data_dir(&home))
}

/// Resolves the data directory from this process's environment.
pub fn data_dir_from_env(explicit: Option<&Path>) -> Option<PathBuf> {
    let var = std::env::var(STATE_PATH_VAR).ok();
    resolve_data_dir(explicit, var.as_deref())
}

/// The data directory of another process (a running Agents-Runner) from its own
/// `AGENTS_RUNNER_STATE_PATH` value and home folder, by the rules of
/// [`resolve_data_dir`]; `~` is its home. A relative result is relative to that
/// process's working folder.
pub fn data_dir_of_process(state_path_var: Option<&str>, home: &Path) -> PathBuf {
    if let Some(value) = state_path_var.map(str::trim).filter(|v| !v.is_empty()) {
        let path = expand_tilde_with(value, Some(home));
        if value.to_ascii_lowercase().ends_with(".toml") {
            return path.parent().map(Path::to_path_buf).unwrap_or_default();
        }
        return path;
    }
    default_data_dir(home)
}

/// `~/.midoriai/agents-runner` under `home`.
pub fn default_data_dir(home: &Path) -> PathBuf {
    home.join(".midoriai").join("agents-runner")
}

pub(crate) fn home_dir() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|dirs| dirs.home_dir().to_path_buf())
}

fn expand_tilde(value: &str) -> PathBuf {
    expand_tilde_with(value, home_dir().as_deref())
}

fn expand_tilde_with(value: &str, home: Option<&Path>) -> PathBuf {
    if value == "~" {
        return home.map_or_else(|| PathBuf::from(value), Path::to_path_buf);
    }
    match (value.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(value),
    }
}

/// Agents-Runner's folder-name filter: keeps ASCII letters, digits, `-` and `_`;
/// an id that becomes empty maps to `default`.
pub fn safe_id(id: &str) -> String {
    let kept: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    if kept.is_empty() {
        "default".to_owned()
    } else {
        kept
    }
}

/// True when an id maps to a folder name of its own: the filter keeps it unchanged.
/// Ids that the filter would change (`../x`, `a.b`, ``) could name another task's folder,
/// so nothing is ever deleted on their behalf.
pub fn is_exact_safe_id(id: &str) -> bool {
    !id.is_empty() && safe_id(id) == id
}

/// The separator Agents-Runner puts between a workspace folder's name and the
/// nanoseconds when it moves a folder aside (`<task>.bak-<nanoseconds>`).
pub const BACKUP_MARK: &str = ".bak-";

/// The task folder a `<task>.bak-<nanoseconds>` folder was moved aside from, when
/// `folder` has exactly that shape: a plain task folder name, `.bak-`, then digits
/// only. Anything else (`a.b.bak-1`, `t.bak-`, `t.bak-12x`, `../t.bak-1`) is `None`.
pub fn backup_task_folder(folder: &str) -> Option<&str> {
    let (task, nanos) = folder.split_once(BACKUP_MARK)?;
    (is_exact_safe_id(task) && !nanos.is_empty() && nanos.bytes().all(|b| b.is_ascii_digit()))
        .then_some(task)
}

/// Whether `folder` under `managed-repos/` may be the folder of the environment
/// `env_id`, by our filter or by a Unicode-aware one like Agents-Runner's
/// (`str.isalnum()` keeps `é`): used to decide that a folder's environment is gone,
/// where a false "gone" would be the dangerous mistake.
pub fn may_be_env_folder(env_id: &str, folder: &str) -> bool {
    let unicode: String = env_id
        .trim()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    let unicode = if unicode.is_empty() {
        "default".to_owned()
    } else {
        unicode
    };
    safe_id(env_id) == folder || unicode == folder
}

/// `<data>/managed-repos`.
pub fn managed_repos_dir(data_dir: &Path) -> PathBuf {
    data_dir.join(MANAGED_REPOS)
}

/// `<data>/managed-repos/.janitor-trash`: on the workspaces' filesystem, so moving one
/// there is a rename.
pub fn staging_dir(data_dir: &Path) -> PathBuf {
    managed_repos_dir(data_dir).join(STAGING)
}

/// `<data>/managed-repos/<env>/tasks/<task>`, the workspace a cloned task gets.
pub fn task_workspace_path(data_dir: &Path, env_id: &str, task_id: &str) -> PathBuf {
    managed_repos_dir(data_dir)
        .join(safe_id(env_id))
        .join(TASKS_DIR)
        .join(safe_id(task_id))
}

/// `<data>/tasks`: the active task records.
pub fn active_tasks_dir(data_dir: &Path) -> PathBuf {
    data_dir.join(TASKS_DIR)
}

/// `<data>/tasks/done`: the archived task records.
pub fn archived_tasks_dir(data_dir: &Path) -> PathBuf {
    data_dir.join(TASKS_DIR).join(ARCHIVE_DIR)
}

/// True for a record in `tasks/done/` (an archived one), false for one in `tasks/`.
pub fn is_archived_record(record: &Path) -> bool {
    record
        .parent()
        .and_then(Path::file_name)
        .is_some_and(|name| name == ARCHIVE_DIR)
}

/// `<data>/environments.json`.
pub fn environments_file(data_dir: &Path) -> PathBuf {
    data_dir.join(ENVIRONMENTS_FILE)
}

/// Folder (under Agents-Runner's home) of each task's artifacts, `artifacts/<task>/`.
pub const ARTIFACTS_DIR: &str = "artifacts";
/// Folder (under `artifacts/<task>/`) a task's artifacts wait in while it runs; cancelled,
/// killed and discarded tasks leave it behind.
pub const ARTIFACT_STAGING_DIR: &str = "staging";
/// Folder (under the data dir) of `github-context-<task>.toml` files.
pub const GITHUB_CONTEXT_DIR: &str = "github-context";
/// Folder (under the data dir) of `pr-metadata-<task>.toml` files.
pub const PR_METADATA_DIR: &str = "pr-metadata";
/// Folder (under Agents-Runner's home) of the prompts environments use.
pub const PROMPTS_DIR: &str = "prompts";
/// Folder (under Agents-Runner's home) of downloaded models.
pub const MODELS_DIR: &str = "models";
/// The speech-to-text model cache, under `models/`.
pub const SPEECH_MODEL_DIR: &str = "faster-whisper";
/// Folder (under Agents-Runner's home) of temporary recordings (`stt-*.wav`).
pub const TMP_DIR: &str = "tmp";
/// Folder (under Agents-Runner's home) of `crash-*.json` reports.
pub const CRASH_REPORTS_DIR: &str = "crash-reports";
/// The diagnostic logs Agents-Runner writes in its home.
pub const DIAGNOSTIC_LOGS: [&str; 2] = ["faulthandler.log", "qt-diagnostics.log"];

/// Agents-Runner's home, `~/.midoriai/agents-runner` under `home`: where artifacts,
/// prompts, models and crash reports live even when the data directory is elsewhere.
pub fn runner_home(home: &Path) -> PathBuf {
    default_data_dir(home)
}

/// [`runner_home`] of this user, or `None` when no home folder is known. Only the
/// front ends ask; everything below takes the folder as an input.
pub fn runner_home_of_user() -> Option<PathBuf> {
    home_dir().map(|home| runner_home(&home))
}

/// `<home>/artifacts`.
pub fn artifacts_dir(runner_home: &Path) -> PathBuf {
    runner_home.join(ARTIFACTS_DIR)
}

/// `<home>/.janitor-trash`: where folders of Agents-Runner's home (artifacts, the model
/// cache) wait for deletion after being renamed away, on their filesystem.
pub fn runner_home_staging_dir(runner_home: &Path) -> PathBuf {
    runner_home.join(STAGING)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_dir_wins_over_the_variable() {
        let got = resolve_data_dir(Some(Path::new("/srv/data")), Some("/x/state.toml"));
        assert_eq!(got, Some(PathBuf::from("/srv/data")));
    }

    #[test]
    fn a_toml_state_path_names_its_folder() {
        assert_eq!(
            resolve_data_dir(None, Some("/x/y/State.TOML")),
            Some(PathBuf::from("/x/y"))
        );
        assert_eq!(
            resolve_data_dir(None, Some("/x/y/data")),
            Some(PathBuf::from("/x/y/data"))
        );
    }

    #[test]
    fn blank_variable_falls_back_to_the_default() {
        let got = resolve_data_dir(None, Some("  ")).unwrap_or_default();
        assert!(got.ends_with(".midoriai/agents-runner"), "{got:?}");
    }

    #[test]
    fn tilde_expands_to_home() {
        let home = home_dir().unwrap_or_default();
        assert_eq!(resolve_data_dir(None, Some("~/ar")), Some(home.join("ar")));
    }

    #[test]
    fn another_process_resolves_with_its_own_home() {
        let home = Path::new("/home/ar");
        let table = [
            (None, "/home/ar/.midoriai/agents-runner"),
            (Some("  "), "/home/ar/.midoriai/agents-runner"),
            (Some("~/state.TOML"), "/home/ar"),
            (Some("~/data"), "/home/ar/data"),
            (Some("~"), "/home/ar"),
            (Some("/srv/ar/state.toml"), "/srv/ar"),
            (Some("relative/dir"), "relative/dir"),
        ];
        for (value, want) in table {
            assert_eq!(
                data_dir_of_process(value, home),
                PathBuf::from(want),
                "{value:?}"
            );
        }
    }

    #[test]
    fn safe_id_filters_like_agents_runner() {
        let table = [
            ("env-1a2b3c4d", "env-1a2b3c4d"),
            ("../../etc", "etc"),
            ("..", "default"),
            ("", "default"),
            ("a b/c", "abc"),
            ("t_1-é", "t_1-"),
        ];
        for (id, want) in table {
            assert_eq!(safe_id(id), want, "{id:?}");
        }
    }

    #[test]
    fn only_unchanged_ids_are_exact() {
        assert!(is_exact_safe_id("abc123def0"));
        assert!(is_exact_safe_id("default"));
        assert!(!is_exact_safe_id(""));
        assert!(!is_exact_safe_id("../abc"));
        assert!(!is_exact_safe_id("a.b"));
    }

    #[test]
    fn only_the_exact_backup_shape_names_a_task() {
        let table = [
            ("abc123def0.bak-1764000000123456789", Some("abc123def0")),
            ("t_1-x.bak-0", Some("t_1-x")),
            ("t.bak-", None),
            ("t.bak-12x", None),
            ("t.bak-1.bak-2", None),
            ("a.b.bak-1", None),
            ("../t.bak-1", None),
            (".bak-1", None),
            ("t.BAK-1", None),
            ("t.bak--1", None),
            ("abc123def0", None),
        ];
        for (folder, want) in table {
            assert_eq!(backup_task_folder(folder), want, "{folder:?}");
        }
    }

    #[test]
    fn env_folders_match_by_either_filter() {
        assert!(may_be_env_folder("env-1", "env-1"));
        assert!(may_be_env_folder(" env-1 ", "env-1"));
        assert!(may_be_env_folder("café", "caf"), "our ASCII filter");
        assert!(may_be_env_folder("café", "café"), "Agents-Runner's filter");
        assert!(may_be_env_folder("", "default"));
        assert!(!may_be_env_folder("env-1", "env-2"));
    }

    #[test]
    fn workspace_path_uses_safe_ids() {
        let got = task_workspace_path(Path::new("/d"), "env/1", "../t");
        assert_eq!(got, PathBuf::from("/d/managed-repos/env1/tasks/t"));
    }
}
