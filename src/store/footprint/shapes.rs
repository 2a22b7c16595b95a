//! The exact names Agents-Runner gives each leftover, under which root: the one place
//! listing and the remover's validation both ask.

use crate::store::paths;
use serde::Serialize;
use std::path::{Component, Path};

/// Which folder a leftover lives under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Root {
    /// The data directory.
    DataDir,
    /// Agents-Runner's home (`~/.midoriai/agents-runner`).
    RunnerHome,
}

/// The exact shapes of file and folder the remover may delete besides workspaces, each
/// a name Agents-Runner gives at one place under one root.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LeftoverShape {
    /// `github-context/github-context-<task>.toml` (data dir).
    GithubContext,
    /// `pr-metadata/pr-metadata-<task>.toml` (data dir).
    PrMetadata,
    /// `interactive-finish-<task>.txt` (data dir).
    InteractiveFinish,
    /// `state-<random>.toml` (data dir): the temp file of an interrupted `state.toml` write.
    StateTemp,
    /// `<name>.tmp` in the data dir, `tasks/` or `tasks/done/`: the temp file of an
    /// interrupted atomic write (Agents-Runner's, or the janitor's `.agents-janitor-*.tmp`).
    TempFile,
    /// `tasks/<name>.json` or `tasks/done/<name>.json`: a legacy JSON record.
    LegacyRecord,
    /// `tmp/stt-<random>.wav` (home): a speech recording.
    SpeechTemp,
    /// `crash-reports/crash-<name>.json` (home).
    CrashReport,
    /// `faulthandler.log` or `qt-diagnostics.log` (home).
    DiagnosticLog,
    /// `artifacts/<task>/` (home), a folder.
    Artifacts,
    /// `artifacts/<task>/staging/` (home), a folder.
    ArtifactStaging,
    /// `models/faster-whisper/` (home), a folder.
    SpeechModels,
}

impl LeftoverShape {
    /// The folder the shape's relative path starts from.
    pub fn root(self) -> Root {
        match self {
            Self::GithubContext
            | Self::PrMetadata
            | Self::InteractiveFinish
            | Self::StateTemp
            | Self::TempFile
            | Self::LegacyRecord => Root::DataDir,
            Self::SpeechTemp
            | Self::CrashReport
            | Self::DiagnosticLog
            | Self::Artifacts
            | Self::ArtifactStaging
            | Self::SpeechModels => Root::RunnerHome,
        }
    }

    /// A folder (deleted through staging), not a file.
    pub fn is_folder(self) -> bool {
        matches!(
            self,
            Self::Artifacts | Self::ArtifactStaging | Self::SpeechModels
        )
    }

    /// The shape of the entry at `relative` under `root`, and the task it belongs to
    /// (for the shapes named after a task). `None` for anything else: a path with `..`,
    /// an absolute one, a name Agents-Runner does not give, an id the folder-name filter
    /// would change.
    pub fn of(root: Root, relative: &Path) -> Option<(Self, Option<String>)> {
        let mut parts = Vec::new();
        for component in relative.components() {
            match component {
                Component::Normal(name) => parts.push(name.to_str()?),
                _ => return None,
            }
        }
        let task = |id: &str| paths::is_exact_safe_id(id).then(|| id.to_owned());
        let found = match (root, parts.as_slice()) {
            (Root::DataDir, [name]) => {
                if let Some(id) = named(name, "interactive-finish-", ".txt") {
                    (Self::InteractiveFinish, Some(task(id)?))
                } else if named(name, "state-", ".toml").is_some() {
                    (Self::StateTemp, None)
                } else if is_temp_name(name) {
                    (Self::TempFile, None)
                } else {
                    return None;
                }
            }
            (Root::DataDir, [paths::TASKS_DIR, name])
            | (Root::DataDir, [paths::TASKS_DIR, paths::ARCHIVE_DIR, name]) => {
                if is_temp_name(name) {
                    (Self::TempFile, None)
                } else if is_legacy_name(name) {
                    (Self::LegacyRecord, None)
                } else {
                    return None;
                }
            }
            (Root::DataDir, [paths::GITHUB_CONTEXT_DIR, name]) => (
                Self::GithubContext,
                Some(task(named(name, "github-context-", ".toml")?)?),
            ),
            (Root::DataDir, [paths::PR_METADATA_DIR, name]) => (
                Self::PrMetadata,
                Some(task(named(name, "pr-metadata-", ".toml")?)?),
            ),
            (Root::RunnerHome, [paths::TMP_DIR, name]) => {
                named(name, "stt-", ".wav")?;
                (Self::SpeechTemp, None)
            }
            (Root::RunnerHome, [paths::CRASH_REPORTS_DIR, name]) => {
                named(name, "crash-", ".json")?;
                (Self::CrashReport, None)
            }
            (Root::RunnerHome, [name]) if paths::DIAGNOSTIC_LOGS.contains(name) => {
                (Self::DiagnosticLog, None)
            }
            (Root::RunnerHome, [paths::ARTIFACTS_DIR, id]) => (Self::Artifacts, Some(task(id)?)),
            (Root::RunnerHome, [paths::ARTIFACTS_DIR, id, paths::ARTIFACT_STAGING_DIR]) => {
                (Self::ArtifactStaging, Some(task(id)?))
            }
            (Root::RunnerHome, [paths::MODELS_DIR, paths::SPEECH_MODEL_DIR]) => {
                (Self::SpeechModels, None)
            }
            _ => return None,
        };
        Some(found)
    }
}

/// The middle of `name` between `prefix` and `suffix`, when it is a free part.
fn named<'a>(name: &'a str, prefix: &str, suffix: &str) -> Option<&'a str> {
    name.strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix(suffix))
        .filter(|middle| is_free_part(middle))
}

/// The free part of a name (a random suffix, a report's name): letters, digits, `-`,
/// `_` and `.`, not empty, not `.` or `..`.
fn is_free_part(text: &str) -> bool {
    !text.is_empty()
        && text != "."
        && text != ".."
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// `<name>.tmp` with a free name (our own `.agents-janitor-*.tmp` included).
fn is_temp_name(name: &str) -> bool {
    name.strip_suffix(".tmp").is_some_and(is_free_part)
}

/// A legacy JSON record's file name: `<id>.json` or `<id>.dup-<ns>.json`, not hidden.
fn is_legacy_name(name: &str) -> bool {
    !name.starts_with('.')
        && name.len() > ".json".len()
        && name.to_ascii_lowercase().ends_with(".json")
        && is_free_part(&name[..name.len() - ".json".len()])
}

/// The Docker repositories of Agents-Runner's images (`agent-runner-env:<key>`,
/// `agent-runner-desktop:<key>`, `agent-runner-phase-*`).
pub fn is_runner_image(repository: &str) -> bool {
    matches!(repository, "agent-runner-env" | "agent-runner-desktop")
        || repository
            .strip_prefix("agent-runner-phase-")
            .is_some_and(|rest| !rest.is_empty())
}

/// Agents-Runner's containers are named `agents-runner-*`.
pub fn is_runner_container(name: &str) -> bool {
    name.strip_prefix("agents-runner-")
        .is_some_and(|rest| !rest.is_empty())
}
