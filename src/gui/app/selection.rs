//! What the user picked: the selected tasks (by id, so a selection survives reloads),
//! the focused one the details pane shows with its log, the anchor Shift-click extends
//! from, and the orphan folders ticked in the Orphans tab.

use super::table::Table;
use std::collections::HashSet;
use std::path::PathBuf;

/// The last lines of a task's own log, as the worker read them.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskLog {
    /// The task record the log belongs to.
    pub record: PathBuf,
    /// The lines, or why they could not be read.
    pub lines: Result<Vec<String>, String>,
}

/// The selected tasks, the focused one, and the ticked orphan folders.
#[derive(Default)]
pub(crate) struct Selection {
    selected: HashSet<String>,
    focused: Option<String>,
    anchor: Option<String>,
    /// The table should scroll to the focused task (it was picked in the Usage tab).
    scroll_to_focused: bool,
    task_log: Option<TaskLog>,
    orphans_ticked: HashSet<PathBuf>,
}

impl Selection {
    pub(crate) fn selected(&self) -> &HashSet<String> {
        &self.selected
    }

    /// The selected ids in order, for a plan.
    pub(crate) fn selected_sorted(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.selected.iter().cloned().collect();
        ids.sort();
        ids
    }

    pub(crate) fn focused(&self) -> Option<&str> {
        self.focused.as_deref()
    }

    pub(crate) fn task_log(&self) -> Option<&TaskLog> {
        self.task_log.as_ref()
    }

    pub(crate) fn set_task_log(&mut self, log: TaskLog) {
        self.task_log = Some(log);
    }

    /// Another data folder opens: nothing of the old one stays picked.
    pub(crate) fn clear(&mut self) {
        self.selected.clear();
        self.focused = None;
        self.task_log = None;
    }

    /// A click on the row at `position` of the table: alone, toggled (Ctrl) or as a
    /// range from the anchor (Shift). Returns the task to focus.
    pub(crate) fn click(
        &mut self,
        table: &Table,
        position: usize,
        toggle: bool,
        extend: bool,
    ) -> Option<String> {
        let id = table.visible_id(position)?.to_owned();
        let anchor_position = self
            .anchor
            .as_deref()
            .and_then(|anchor| table.position_of(anchor));
        match anchor_position {
            Some(anchor) if extend => {
                let (from, to) = (anchor.min(position), anchor.max(position));
                if !toggle {
                    self.selected.clear();
                }
                for position in from..=to {
                    if let Some(id) = table.visible_id(position) {
                        self.selected.insert(id.to_owned());
                    }
                }
            }
            _ => {
                if toggle {
                    if !self.selected.remove(&id) {
                        self.selected.insert(id.clone());
                    }
                } else {
                    self.selected.clear();
                    self.selected.insert(id.clone());
                }
                self.anchor = Some(id.clone());
            }
        }
        Some(id)
    }

    /// Shows `task_id` in the details pane; true when that is a change (its log is
    /// then to be read).
    pub(crate) fn focus(&mut self, task_id: String) -> bool {
        if self.focused.as_deref() == Some(task_id.as_str()) {
            return false;
        }
        self.focused = Some(task_id);
        self.task_log = None;
        true
    }

    /// Selects `task_id` alone and asks the table to scroll to it (a task picked
    /// outside the table).
    pub(crate) fn pick_from_elsewhere(&mut self, task_id: &str) {
        self.selected.clear();
        self.selected.insert(task_id.to_owned());
        self.anchor = Some(task_id.to_owned());
        self.scroll_to_focused = true;
    }

    /// Whether the table should scroll to the focused task, once.
    pub(crate) fn take_scroll_request(&mut self) -> bool {
        std::mem::take(&mut self.scroll_to_focused)
    }

    pub(crate) fn select_all(&mut self, ids: impl IntoIterator<Item = String>) {
        self.selected = ids.into_iter().collect();
    }

    /// The "Hide" button of the details pane.
    pub(crate) fn hide_details(&mut self) {
        self.focused = None;
    }

    /// After a reload: tasks no longer there are neither selected nor focused.
    pub(crate) fn keep_known(&mut self, known: &HashSet<&str>) {
        self.selected.retain(|id| known.contains(id.as_str()));
        if self
            .focused
            .as_deref()
            .is_some_and(|id| !known.contains(id))
        {
            self.focused = None;
        }
    }

    pub(crate) fn orphans_ticked(&self) -> &HashSet<PathBuf> {
        &self.orphans_ticked
    }

    pub(crate) fn tick_orphan(&mut self, path: PathBuf, ticked: bool) {
        if ticked {
            self.orphans_ticked.insert(path);
        } else {
            self.orphans_ticked.remove(&path);
        }
    }

    /// Only folders still listed (and deletable) stay ticked.
    pub(crate) fn keep_orphans(&mut self, listed: &HashSet<&PathBuf>) {
        self.orphans_ticked.retain(|path| listed.contains(path));
    }
}
