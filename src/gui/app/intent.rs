//! What the user asked for in a frame, as the panels report it: drawing only reads the
//! app, and the app applies the intents once the panel is drawn.

use super::{Dialog, JanitorApp, ReclaimIntent, Tab};
use crate::gui::model::SortKey;
use crate::status::StatusClass;
use std::path::PathBuf;

/// One thing the user asked for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Intent {
    /// Read the data folder and size every workspace again.
    Refresh,
    OpenSettings,
    /// The dialog for a typed data folder path, filled with `typed`.
    OpenFolderDialog {
        typed: String,
    },
    CreateDemo,
    /// Discard the selected tasks the table shows.
    Discard,
    /// Archive the selected tasks the table shows (the context menu).
    ArchiveSelected,
    ArchiveFinished,
    Sweep,
    /// The age in hours Sweep deletes workspaces older than.
    SweepHours(f64),
    EnforceQuotas,
    /// Stop the running change or scan.
    CancelWork,
    /// Delete what a cancel left in staging now.
    FinishStaged,
    /// Put back what the last change moved away.
    Undo,
    DismissUndo,
    /// Copy `text`; `what` it is, for the notice ("path").
    Copy {
        text: String,
        what: &'static str,
    },
    ClearLog,
    ShowTab(Tab),
    /// Only this environment's tasks (`None`: all).
    FilterEnvironment(Option<String>),
    Search(String),
    /// Show or hide the tasks of a status class.
    ShowStatus(StatusClass, bool),
    ShowArchived(bool),
    /// Only the tasks whose workspace is safe to delete.
    OnlySafe(bool),
    /// Delete every safe workspace among the shown rows.
    DeleteSafe,
    /// Slim the selected tasks' workspaces.
    Slim,
    /// Fetch the remotes of the selected (or shown) workspaces, then ask git again.
    CheckRemotes,
    /// A click on a column title.
    SortBy(SortKey),
    /// A click on the row at `position` of the table, Ctrl (`toggle`) or Shift
    /// (`extend`) held.
    ClickRow {
        position: usize,
        toggle: bool,
        extend: bool,
    },
    /// A right click on the row at `position`: the menu acts on the selection it is in.
    ContextRow(usize),
    /// Select this task alone and show it in the table.
    ShowTask(String),
    /// Open or close the details pane.
    ShowDetails(bool),
    /// Open or close the log.
    ShowLog(bool),
    Restore(String),
    /// Restore an archived task and bring its workspace back from the trash.
    RestoreWithWorkspace(String),
    OpenInFileManager(PathBuf),
    /// Tick or untick an orphan folder.
    TickOrphan(PathBuf, bool),
    /// Delete the ticked orphan folders, or every orphan when `all`.
    DeleteOrphans {
        all: bool,
    },
    /// The Reclaim view and the footprint picture.
    Reclaim(ReclaimIntent),
}

impl JanitorApp {
    /// Applies what the panel just drawn reported, in order.
    pub(super) fn apply_intents(&mut self, intents: &mut Vec<Intent>) {
        for intent in intents.drain(..) {
            self.apply_intent(intent);
        }
    }

    fn apply_intent(&mut self, intent: Intent) {
        match intent {
            Intent::Refresh => self.refresh(),
            Intent::OpenSettings => self.open_settings(),
            Intent::OpenFolderDialog { typed } => self.dialogs.open(Dialog::OpenFolder {
                typed,
                problem: None,
                waiting: None,
            }),
            Intent::CreateDemo => self.create_demo(),
            Intent::Discard => self.discard_selected(),
            Intent::ArchiveSelected => self.archive_selected(),
            Intent::ArchiveFinished => self.archive_finished(),
            Intent::Sweep => self.sweep(),
            Intent::SweepHours(hours) => self.settings.sweep_hours = hours,
            Intent::EnforceQuotas => self.enforce_quotas(),
            Intent::CancelWork => self.cancel_work(),
            Intent::FinishStaged => self.finish_staged(),
            Intent::Undo => self.undo(),
            Intent::DismissUndo => self.dismiss_undo(),
            Intent::Copy { text, what } => self.copy(text, what),
            Intent::ClearLog => self.log.clear(),
            Intent::ShowTab(tab) => {
                self.tab = tab;
                self.footprint_wanted();
            }
            Intent::FilterEnvironment(env) => {
                self.settings.env_filter = env;
                self.filters_changed();
            }
            Intent::Search(text) => {
                self.settings.search = text;
                self.filters_changed();
            }
            Intent::ShowStatus(class, shown) => {
                self.settings.hidden_classes.retain(|c| *c != class);
                if !shown {
                    self.settings.hidden_classes.push(class);
                }
                self.filters_changed();
            }
            Intent::ShowArchived(shown) => {
                self.settings.show_archived = shown;
                self.filters_changed();
            }
            Intent::OnlySafe(only) => {
                self.settings.only_safe = only;
                self.filters_changed();
            }
            Intent::DeleteSafe => self.delete_safe_shown(),
            Intent::Slim => self.slim_selected(),
            Intent::CheckRemotes => self.check_remotes(),
            Intent::SortBy(key) => {
                self.settings.sort_by(key);
                self.filters_changed();
            }
            Intent::ClickRow {
                position,
                toggle,
                extend,
            } => self.click_row(position, toggle, extend),
            Intent::ContextRow(position) => self.context_row(position),
            Intent::ShowTask(task_id) => self.show_task(task_id),
            Intent::ShowDetails(shown) => self.settings.details_open = shown,
            Intent::ShowLog(shown) => self.settings.log_open = shown,
            Intent::Restore(task_id) => self.restore(task_id),
            Intent::RestoreWithWorkspace(task_id) => self.restore_with_workspace(task_id),
            Intent::OpenInFileManager(folder) => self.open_in_file_manager(folder),
            Intent::TickOrphan(path, ticked) => self.selection.tick_orphan(path, ticked),
            Intent::DeleteOrphans { all } => self.delete_orphans(all),
            Intent::Reclaim(intent) => {
                self.apply_reclaim(intent);
                self.footprint_wanted();
            }
        }
    }
}
