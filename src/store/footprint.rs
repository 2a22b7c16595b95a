//! Everything Agents-Runner leaves on disk besides its task workspaces: archived and
//! legacy records, backups and deleted environments' folders (the orphan kinds of
//! [`super::OrphanKind`]), task artifacts and their `staging/`, GitHub context and PR
//! metadata files, crash leftovers, crash reports, diagnostic logs, the speech model
//! cache and prompts.
//!
//! [`inventory`] lists them (files with their size, folders to be sized by the caller);
//! [`LeftoverShape`] is the one place that says which names Agents-Runner gives them, so
//! listing and the remover's validation agree; [`task_blocks_removal`] is the remover's
//! last look at a task's records. Docker's share (images and containers) is listed by
//! [`crate::container`] with the names below ([`is_runner_image`],
//! [`is_runner_container`]).
//!
//! Two roots: the data directory, and Agents-Runner's home (`~/.midoriai/agents-runner`,
//! [`paths::runner_home`]), which holds artifacts, prompts, models and crash reports even
//! when the data directory is elsewhere. The home is an input, never looked up here.

use super::{Problem, Snapshot, paths};

mod shapes;

use crate::status::StatusClass;
use serde::{Deserialize, Serialize};
pub use shapes::{LeftoverShape, Root, is_runner_container, is_runner_image};
use std::fs::Metadata;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::SystemTime;

/// The kinds of Agents-Runner's footprint besides task workspaces, one row each in
/// `usage` and the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FootprintKind {
    /// `tasks/done/*.toml`: archived records (up to 2,000 log lines each, never pruned).
    ArchivedRecords,
    /// `tasks/*.json`, `tasks/done/*.json`: records of an older Agents-Runner.
    LegacyRecords,
    /// `managed-repos/<env>/tasks/<task>.bak-<ns>`: folders Agents-Runner moved aside.
    Backups,
    /// Task folders of environments no longer in `environments.json`.
    DeletedEnvironments,
    /// `artifacts/<task>/` of tasks that were not discarded.
    Artifacts,
    /// `artifacts/<task>/` of discarded tasks.
    DiscardedArtifacts,
    /// `artifacts/<task>/staging/` left by cancelled, killed and discarded tasks.
    ArtifactStaging,
    /// `github-context/github-context-<task>.toml`.
    GithubContext,
    /// `pr-metadata/pr-metadata-<task>.toml`.
    PrMetadata,
    /// Temp files of interrupted writes (`*.tmp`, `state-*.toml`),
    /// `interactive-finish-<task>.txt` and `tmp/stt-*.wav`.
    CrashLeftovers,
    /// `crash-reports/crash-*.json`.
    CrashReports,
    /// `faulthandler.log` and `qt-diagnostics.log`.
    DiagnosticLogs,
    /// `models/faster-whisper/`: downloaded again when needed.
    SpeechModels,
    /// `prompts/*.md`: shown only (environments may use any of them).
    Prompts,
    /// Docker images `agent-runner-env:*`, `agent-runner-desktop:*`, `agent-runner-phase-*`.
    DockerImages,
    /// Docker containers `agents-runner-*`.
    DockerContainers,
}

impl FootprintKind {
    /// Every kind, in the order rows are shown.
    pub const ALL: [Self; 16] = [
        Self::ArchivedRecords,
        Self::LegacyRecords,
        Self::Backups,
        Self::DeletedEnvironments,
        Self::Artifacts,
        Self::DiscardedArtifacts,
        Self::ArtifactStaging,
        Self::GithubContext,
        Self::PrMetadata,
        Self::CrashLeftovers,
        Self::CrashReports,
        Self::DiagnosticLogs,
        Self::SpeechModels,
        Self::Prompts,
        Self::DockerImages,
        Self::DockerContainers,
    ];

    /// The kind's name in JSON, on the command line and in the settings file.
    pub fn name(self) -> &'static str {
        match self {
            Self::ArchivedRecords => "archived_records",
            Self::LegacyRecords => "legacy_records",
            Self::Backups => "backups",
            Self::DeletedEnvironments => "deleted_environments",
            Self::Artifacts => "artifacts",
            Self::DiscardedArtifacts => "discarded_artifacts",
            Self::ArtifactStaging => "artifact_staging",
            Self::GithubContext => "github_context",
            Self::PrMetadata => "pr_metadata",
            Self::CrashLeftovers => "crash_leftovers",
            Self::CrashReports => "crash_reports",
            Self::DiagnosticLogs => "diagnostic_logs",
            Self::SpeechModels => "speech_models",
            Self::Prompts => "prompts",
            Self::DockerImages => "docker_images",
            Self::DockerContainers => "docker_containers",
        }
    }

    /// The kind for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::ArchivedRecords => "Archived task records",
            Self::LegacyRecords => "Legacy JSON records",
            Self::Backups => "Backups moved aside (.bak-)",
            Self::DeletedEnvironments => "Deleted environments' folders",
            Self::Artifacts => "Task artifacts",
            Self::DiscardedArtifacts => "Artifacts of discarded tasks",
            Self::ArtifactStaging => "Artifact staging left behind",
            Self::GithubContext => "GitHub context files",
            Self::PrMetadata => "PR metadata files",
            Self::CrashLeftovers => "Crash leftovers",
            Self::CrashReports => "Crash reports",
            Self::DiagnosticLogs => "Diagnostic logs",
            Self::SpeechModels => "Speech model cache",
            Self::Prompts => "Prompts",
            Self::DockerImages => "Docker images",
            Self::DockerContainers => "Docker containers",
        }
    }

    /// Whether the kind lives in Docker rather than on disk.
    pub fn is_docker(self) -> bool {
        matches!(self, Self::DockerImages | Self::DockerContainers)
    }

    /// Whether anything of the kind may ever be reclaimed (prompts are shown only:
    /// environments may use any of them).
    pub fn is_reclaimable(self) -> bool {
        self != Self::Prompts
    }
}

impl FromStr for FootprintKind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim().replace('-', "_");
        Self::ALL
            .into_iter()
            .find(|kind| kind.name() == text)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|kind| kind.name()).collect();
                format!("unknown kind {text:?}: one of {}", names.join(", "))
            })
    }
}

/// One file or folder of the footprint.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiskItem {
    /// Its kind.
    pub kind: FootprintKind,
    /// Where it is.
    pub path: PathBuf,
    /// How the remover validates it; `None` for what is never deleted as a leftover
    /// (archived records, prompts, names Agents-Runner does not give) or goes through
    /// the workspace rules (backups, deleted environments' folders).
    pub shape: Option<LeftoverShape>,
    /// The task it belongs to, when it has one.
    pub task_id: Option<String>,
    /// A folder (sized by the caller), not a file.
    pub is_dir: bool,
    /// On-disk bytes (allocated blocks); a folder's once sized.
    pub bytes: u64,
    /// When it last changed (a folder's newest entry, once sized).
    pub modified: Option<SystemTime>,
    /// Whether `bytes` and `modified` are known (a file's always are).
    pub sized: bool,
}

impl DiskItem {
    fn file(kind: FootprintKind, path: PathBuf, meta: &Metadata) -> Self {
        Self {
            kind,
            path,
            shape: None,
            task_id: None,
            is_dir: false,
            bytes: disk_bytes(meta),
            modified: meta.modified().ok(),
            sized: true,
        }
    }

    fn folder(kind: FootprintKind, path: PathBuf) -> Self {
        Self {
            kind,
            path,
            shape: None,
            task_id: None,
            is_dir: true,
            bytes: 0,
            modified: None,
            sized: false,
        }
    }

    fn shaped(mut self, shape: Option<(LeftoverShape, Option<String>)>) -> Self {
        if let Some((shape, task)) = shape {
            self.shape = Some(shape);
            self.task_id = task;
        }
        self
    }
}

/// On-disk bytes of a file (what deleting it gives back).
#[cfg(unix)]
pub fn disk_bytes(meta: &Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    meta.blocks().saturating_mul(512)
}

/// On-disk bytes of a file (its length where blocks are unknown).
#[cfg(not(unix))]
pub fn disk_bytes(meta: &Metadata) -> u64 {
    meta.len()
}

/// The footprint's files and folders as listed at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inventory {
    /// Every item found, in kind order, then path order.
    pub items: Vec<DiskItem>,
    /// Folders that could not be listed, symlinks not followed.
    pub problems: Vec<Problem>,
    /// Agents-Runner's home, canonical, when it exists.
    pub runner_home: Option<PathBuf>,
    /// The data directory is Agents-Runner's home: a task with no record here has none
    /// anywhere. Elsewhere, an artifact with no record here may belong to another data
    /// directory.
    pub home_is_data_dir: bool,
}

/// Lists the footprint of `snapshot`'s data directory and of `runner_home` (none when
/// `None` or missing). Files are sized from their metadata; folders are left for the
/// caller to size (`sized` false). Nothing is followed through a symlink.
pub fn inventory(snapshot: &Snapshot, runner_home: Option<&Path>) -> Inventory {
    let mut lister = Lister {
        items: Vec::new(),
        problems: Vec::new(),
    };
    let data_dir = &snapshot.data_dir;
    lister.records(snapshot);
    lister.orphan_folders(snapshot);
    lister.shaped_files(
        data_dir,
        Root::DataDir,
        Path::new(""),
        FootprintKind::CrashLeftovers,
    );
    for folder in [
        PathBuf::from(paths::TASKS_DIR),
        Path::new(paths::TASKS_DIR).join(paths::ARCHIVE_DIR),
    ] {
        lister.shaped_files(
            data_dir,
            Root::DataDir,
            &folder,
            FootprintKind::CrashLeftovers,
        );
    }
    lister.task_files(
        data_dir,
        paths::GITHUB_CONTEXT_DIR,
        FootprintKind::GithubContext,
    );
    lister.task_files(data_dir, paths::PR_METADATA_DIR, FootprintKind::PrMetadata);
    let home = runner_home.and_then(|home| std::fs::canonicalize(home).ok());
    if let Some(home) = home.as_deref().filter(|home| home.is_dir()) {
        lister.artifacts(snapshot, home);
        lister.shaped_files(
            home,
            Root::RunnerHome,
            Path::new(paths::TMP_DIR),
            FootprintKind::CrashLeftovers,
        );
        lister.task_files(home, paths::CRASH_REPORTS_DIR, FootprintKind::CrashReports);
        lister.shaped_files(
            home,
            Root::RunnerHome,
            Path::new(""),
            FootprintKind::DiagnosticLogs,
        );
        lister.speech_models(home);
        lister.task_files(home, paths::PROMPTS_DIR, FootprintKind::Prompts);
    }
    let mut items = lister.items;
    items.sort_by(|a, b| a.kind.cmp(&b.kind).then_with(|| a.path.cmp(&b.path)));
    Inventory {
        items,
        problems: lister.problems,
        home_is_data_dir: home.as_deref() == Some(data_dir.as_path()),
        runner_home: home,
    }
}

struct Lister {
    items: Vec<DiskItem>,
    problems: Vec<Problem>,
}

/// An entry of a listed folder, its own metadata (not followed).
struct Entry {
    name: String,
    path: PathBuf,
    meta: Metadata,
}

impl Lister {
    /// The entries of `folder`; none when it is missing; a symlinked or unreadable
    /// folder is a problem and lists nothing. Symlinks inside are skipped, and so are
    /// names that are not UTF-8 (Agents-Runner gives none).
    fn list(&mut self, folder: &Path) -> Vec<Entry> {
        match folder.symlink_metadata() {
            Ok(meta) if meta.file_type().is_symlink() => {
                self.problems.push(Problem::new(
                    folder,
                    "is a symlink: not followed; nothing behind it is listed or touched",
                ));
                return Vec::new();
            }
            Ok(meta) if !meta.is_dir() => return Vec::new(),
            Ok(_) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
            Err(err) => {
                self.problems
                    .push(Problem::new(folder, format!("cannot read: {err}")));
                return Vec::new();
            }
        }
        let entries = match std::fs::read_dir(folder) {
            Ok(entries) => entries,
            Err(err) => {
                self.problems
                    .push(Problem::new(folder, format!("cannot list: {err}")));
                return Vec::new();
            }
        };
        let mut found = Vec::new();
        for entry in entries.filter_map(Result::ok) {
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            let Ok(meta) = entry.metadata() else {
                continue;
            };
            if meta.file_type().is_symlink() {
                continue;
            }
            found.push(Entry {
                name,
                path: entry.path(),
                meta,
            });
        }
        found
    }

    /// Archived TOML records, and legacy JSON records (active or archived).
    fn records(&mut self, snapshot: &Snapshot) {
        for task in &snapshot.tasks {
            let kind = if task.legacy {
                FootprintKind::LegacyRecords
            } else if task.archived {
                FootprintKind::ArchivedRecords
            } else {
                continue;
            };
            let Ok(meta) = task.file.symlink_metadata() else {
                continue;
            };
            let mut item = DiskItem::file(kind, task.file.clone(), &meta);
            item.task_id = Some(task.task_id.clone());
            if task.legacy {
                item.shape = Some(LeftoverShape::LegacyRecord);
            }
            self.items.push(item);
        }
    }

    /// Backups and deleted environments' folders (orphans of their own kind).
    fn orphan_folders(&mut self, snapshot: &Snapshot) {
        for orphan in snapshot.orphans() {
            let kind = match orphan.kind {
                super::OrphanKind::Orphan => continue,
                super::OrphanKind::Backup => FootprintKind::Backups,
                super::OrphanKind::DeletedEnvironment => FootprintKind::DeletedEnvironments,
            };
            let mut item = DiskItem::folder(kind, orphan.dir.path.clone());
            item.is_dir = orphan.dir.is_dir;
            self.items.push(item);
        }
    }

    /// The files of `root/folder` that have a shape, as `kind`.
    fn shaped_files(&mut self, root: &Path, which: Root, folder: &Path, kind: FootprintKind) {
        for entry in self.list(&root.join(folder)) {
            if !entry.meta.is_file() {
                continue;
            }
            let shape = LeftoverShape::of(which, &folder.join(&entry.name));
            let shape = match shape {
                Some((LeftoverShape::LegacyRecord, _)) | None => continue,
                found => found,
            };
            self.items
                .push(DiskItem::file(kind, entry.path, &entry.meta).shaped(shape));
        }
    }

    /// Every file of `root/folder` as `kind`, with its shape when it has one (a name
    /// Agents-Runner does not give is shown, never deleted).
    fn task_files(&mut self, root: &Path, folder: &str, kind: FootprintKind) {
        let which = if kind == FootprintKind::GithubContext || kind == FootprintKind::PrMetadata {
            Root::DataDir
        } else {
            Root::RunnerHome
        };
        for entry in self.list(&root.join(folder)) {
            if !entry.meta.is_file() {
                continue;
            }
            let shape = match kind {
                FootprintKind::Prompts => None,
                _ => LeftoverShape::of(which, &Path::new(folder).join(&entry.name)),
            };
            self.items
                .push(DiskItem::file(kind, entry.path, &entry.meta).shaped(shape));
        }
    }

    /// `artifacts/<task>/` (of a discarded task or not) and their `staging/`.
    fn artifacts(&mut self, snapshot: &Snapshot, home: &Path) {
        let artifacts = paths::artifacts_dir(home);
        for entry in self.list(&artifacts) {
            if !entry.meta.is_dir() {
                continue;
            }
            let relative = Path::new(paths::ARTIFACTS_DIR).join(&entry.name);
            let shape = LeftoverShape::of(Root::RunnerHome, &relative);
            let discarded = snapshot.tasks.iter().any(|task| {
                task.task_id == entry.name && task.status_class() == StatusClass::Discarded
            });
            let kind = if discarded {
                FootprintKind::DiscardedArtifacts
            } else {
                FootprintKind::Artifacts
            };
            let staging = entry.path.join(paths::ARTIFACT_STAGING_DIR);
            self.items
                .push(DiskItem::folder(kind, entry.path).shaped(shape));
            if staging.symlink_metadata().is_ok_and(|meta| meta.is_dir()) {
                let shape = LeftoverShape::of(
                    Root::RunnerHome,
                    &relative.join(paths::ARTIFACT_STAGING_DIR),
                );
                self.items
                    .push(DiskItem::folder(FootprintKind::ArtifactStaging, staging).shaped(shape));
            }
        }
    }

    /// `models/faster-whisper/`.
    fn speech_models(&mut self, home: &Path) {
        let relative = Path::new(paths::MODELS_DIR).join(paths::SPEECH_MODEL_DIR);
        let path = home.join(&relative);
        match path.symlink_metadata() {
            Ok(meta) if meta.file_type().is_symlink() => self.problems.push(Problem::new(
                &path,
                "is a symlink: not followed; nothing behind it is listed or touched",
            )),
            Ok(meta) if meta.is_dir() => self.items.push(
                DiskItem::folder(FootprintKind::SpeechModels, path)
                    .shaped(LeftoverShape::of(Root::RunnerHome, &relative)),
            ),
            _ => {}
        }
    }
}

/// Why a leftover of task `task_id` must not be deleted now: a record of it under the
/// names Agents-Runner gives (`tasks/<id>.toml`, `tasks/done/<id>.toml`, and their
/// legacy `.json`), read now, says it may still be running (an active or unknown
/// status), or cannot be read. `None` when none does.
pub fn task_blocks_removal(data_dir: &Path, task_id: &str) -> Option<String> {
    if !paths::is_exact_safe_id(task_id) {
        return Some(format!("{task_id:?} is not a plain task id"));
    }
    let folders = [
        (paths::active_tasks_dir(data_dir), false),
        (paths::archived_tasks_dir(data_dir), true),
    ];
    for (folder, archived) in folders {
        for extension in ["toml", "json"] {
            let record = folder.join(format!("{task_id}.{extension}"));
            if record.symlink_metadata().is_err() {
                continue;
            }
            match super::tasks::read_record(&record, archived) {
                Ok(task) => match task.status_class() {
                    StatusClass::Active | StatusClass::Unknown => {
                        return Some(format!(
                            "task {task_id} may still be running (status {:?} in {})",
                            task.status,
                            record.display()
                        ));
                    }
                    _ => {}
                },
                Err(reason) => {
                    return Some(format!(
                        "the record {} of task {task_id} cannot be read ({reason})",
                        record.display()
                    ));
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests;
