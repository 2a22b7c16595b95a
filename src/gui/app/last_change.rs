//! What the last change left behind: the workspaces a cancel left in staging (their
//! bytes shown until the delete is finished), the Undo offered while a workspace of
//! it is still in staging or the trash, and which gone workspaces the trash holds.

use crate::executor::{LeftInStaging, PutBack, PutBackFrom, Report, UndoItem};
use crate::policy::{Plan, RecordChange};
use crate::remove::WorkspaceTarget;
use crate::store::{FolderKind, WorkspaceType, paths};
use crate::text;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Undo, as offered after a change.
#[derive(Debug, Clone, PartialEq)]
pub struct UndoOffer {
    /// What was done, for the notice ("discard of 3 tasks").
    pub what: String,
    /// What Undo puts back.
    pub items: Vec<UndoItem>,
    /// Where the workspaces wait ("in the trash", "in staging").
    pub waiting_in: &'static str,
}

/// A step of the running change, as Undo needs it.
struct PlannedStep {
    task_id: String,
    target: Option<WorkspaceTarget>,
    archives_record: bool,
    /// The task's status before, when the step marks it discarded.
    status_before: Option<String>,
}

/// The running change's steps, the workspaces left in staging, the Undo offer and
/// what the trash holds.
#[derive(Default)]
pub(crate) struct LastChange {
    running: Vec<PlannedStep>,
    staged: Vec<LeftInStaging>,
    undo: Option<UndoOffer>,
    /// Gone workspaces the trash holds an item from.
    in_trash: HashSet<PathBuf>,
}

impl LastChange {
    /// A change starts: its steps are kept for Undo (with each task's status as
    /// `status_of` tells it); an older offer goes.
    pub(crate) fn started(&mut self, plan: &Plan, status_of: impl Fn(&str) -> Option<String>) {
        self.undo = None;
        self.running = plan
            .steps
            .iter()
            .map(|step| PlannedStep {
                task_id: step.task_id.clone(),
                target: step.workspace.as_ref().map(|w| WorkspaceTarget {
                    env_id: w.env_id.clone(),
                    task_id: w.task_id.clone(),
                    workspace_type: w.workspace_type,
                    kind: w.kind,
                }),
                archives_record: matches!(
                    step.record_change,
                    RecordChange::Archive | RecordChange::Discard { archive: true }
                ),
                status_before: match step.record_change {
                    RecordChange::Discard { .. } => status_of(&step.task_id),
                    RecordChange::Keep | RecordChange::Archive => None,
                },
            })
            .collect();
    }

    /// The change ended: what a cancel left in staging is kept, and Undo is offered for
    /// the task folders of cloned environments still in staging or the trash.
    pub(crate) fn finished(&mut self, report: &Report) {
        let steps = std::mem::take(&mut self.running);
        self.staged.extend(report.left_in_staging.iter().cloned());
        let mut items = Vec::new();
        let mut trashed = false;
        for (step, outcome) in steps.iter().zip(&report.outcomes) {
            let Some(target) = step.target.clone().filter(put_back_allowed) else {
                continue;
            };
            let from = if outcome.workspace_trashed {
                trashed = true;
                PutBackFrom::Trash
            } else if let Some(left) = report
                .left_in_staging
                .iter()
                .find(|left| left.task_id == step.task_id && left.untouched)
            {
                PutBackFrom::Staging(left.staged.clone())
            } else {
                continue;
            };
            let record_archived = outcome
                .record
                .as_deref()
                .is_some_and(paths::is_archived_record);
            items.push(UndoItem {
                task_id: step.task_id.clone(),
                workspace: Some(PutBack { target, from }),
                restore_record: step.archives_record && record_archived,
                status_before: step.status_before.clone(),
            });
        }
        if items.is_empty() {
            return;
        }
        self.undo = Some(UndoOffer {
            what: format!("{} of {}", report.action, text::count(items.len(), "task")),
            items,
            waiting_in: if trashed {
                "in the trash"
            } else {
                "in staging"
            },
        });
    }

    /// Bytes a cancel left in staging, while there are any.
    pub(crate) fn staged_bytes(&self) -> Option<u64> {
        (!self.staged.is_empty()).then(|| self.staged.iter().map(|left| left.bytes).sum())
    }

    /// Deletes left in staging were finished (`ran`): nothing of them can be undone.
    pub(crate) fn staging_finished(&mut self, ran: bool) {
        if !ran {
            return;
        }
        self.staged.clear();
        if let Some(offer) = &mut self.undo {
            offer.items.retain(|item| {
                !matches!(
                    item.workspace,
                    Some(PutBack {
                        from: PutBackFrom::Staging(_),
                        ..
                    })
                )
            });
            if offer.items.is_empty() {
                self.undo = None;
            }
        }
    }

    pub(crate) fn undo_offer(&self) -> Option<&UndoOffer> {
        self.undo.as_ref()
    }

    /// Undo was clicked (or the offer dismissed): it is no longer offered.
    pub(crate) fn take_undo(&mut self) -> Option<UndoOffer> {
        self.undo.take()
    }

    /// Undo put workspaces back: the ones from staging are no longer there.
    pub(crate) fn put_back(&mut self, paths: &HashSet<PathBuf>) {
        self.staged.retain(|left| !paths.contains(&left.original));
        self.in_trash.retain(|path| !paths.contains(path));
    }

    /// What the trash was found to hold, of the paths asked about.
    pub(crate) fn found_in_trash(&mut self, paths: Vec<PathBuf>) {
        self.in_trash.extend(paths);
    }

    pub(crate) fn is_in_trash(&self, path: &Path) -> bool {
        self.in_trash.contains(path)
    }

    /// Another folder opens.
    pub(crate) fn clear(&mut self) {
        *self = Self::default();
    }
}

/// Only a task folder of a cloned environment is put back (what the remover accepts).
fn put_back_allowed(target: &WorkspaceTarget) -> bool {
    target.kind == FolderKind::TaskWorkspace && target.workspace_type == WorkspaceType::Cloned
}

/// The target of a task's gone workspace at `path`
/// (`<data>/managed-repos/<env>/tasks/<task>`), to bring it back from the trash.
pub(crate) fn trashed_workspace_target(path: &Path, task_id: &str) -> Option<WorkspaceTarget> {
    let env_folder = path.parent()?.parent()?.file_name()?.to_str()?;
    Some(WorkspaceTarget {
        env_id: env_folder.to_owned(),
        task_id: task_id.to_owned(),
        workspace_type: WorkspaceType::Cloned,
        kind: FolderKind::TaskWorkspace,
    })
}
