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

/// How the table brings the focused row into view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScrollTo {
    /// In the middle (a task picked elsewhere).
    Center,
    /// Only as far as needed (the keyboard cursor).
    InView,
}

/// The selected tasks, the focused one, and the ticked orphan folders.
#[derive(Default)]
pub(crate) struct Selection {
    selected: HashSet<String>,
    focused: Option<String>,
    anchor: Option<String>,
    /// The table should scroll to the focused task.
    scroll: Option<ScrollTo>,
    task_log: Option<TaskLog>,
    orphans_ticked: HashSet<PathBuf>,
}

impl Selection {
    pub(crate) fn selected(&self) -> &HashSet<String> {
        &self.selected
    }

    /// The selected ids in order.
    #[cfg(test)]
    pub(crate) fn selected_sorted(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.selected.iter().cloned().collect();
        ids.sort();
        ids
    }

    /// The selected tasks the table shows, in table order: what an action takes. A
    /// task a filter hides stays selected but is never acted on.
    pub(crate) fn shown(&self, table: &Table) -> Vec<String> {
        table.shown_in_order(self.selected.iter())
    }

    /// How many selected tasks a filter hides.
    pub(crate) fn hidden_count(&self, table: &Table) -> usize {
        self.selected.len() - self.shown(table).len()
    }

    /// Escape: nothing is selected or focused any more.
    pub(crate) fn clear_selected(&mut self) {
        self.selected.clear();
        self.anchor = None;
        self.focused = None;
        self.task_log = None;
    }

    /// Where the keyboard cursor is: the focused row, else the anchor, if shown.
    pub(crate) fn cursor(&self, table: &Table) -> Option<usize> {
        self.focused
            .as_deref()
            .or(self.anchor.as_deref())
            .and_then(|id| table.position_of(id))
    }

    /// Space: the focused row joins or leaves the selection.
    pub(crate) fn toggle_focused(&mut self) {
        let Some(id) = self.focused.clone() else {
            return;
        };
        if !self.selected.remove(&id) {
            self.selected.insert(id.clone());
        }
        self.anchor = Some(id);
    }

    /// After a change that takes `gone` out of the table: the row after the last of
    /// them (else the one before the first) becomes the selection, so the next Delete
    /// acts on what the user sees. Returns it, to be focused.
    pub(crate) fn select_after(&mut self, table: &Table, gone: &HashSet<&str>) -> Option<String> {
        if !self.selected.iter().any(|id| gone.contains(id.as_str())) {
            return None;
        }
        let ids: Vec<String> = table.visible_ids().collect();
        let last = ids.iter().rposition(|id| gone.contains(id.as_str()));
        let first = ids.iter().position(|id| gone.contains(id.as_str()));
        let after = last.and_then(|last| {
            ids[last + 1..]
                .iter()
                .find(|id| !gone.contains(id.as_str()))
        });
        let before = first.and_then(|first| {
            ids[..first]
                .iter()
                .rev()
                .find(|id| !gone.contains(id.as_str()))
        });
        self.selected.retain(|id| !gone.contains(id.as_str()));
        let next = after.or(before)?.clone();
        self.selected.clear();
        self.selected.insert(next.clone());
        self.anchor = Some(next.clone());
        Some(next)
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
        self.scroll = Some(ScrollTo::Center);
    }

    /// The keyboard moved the cursor: the table keeps it in view.
    pub(crate) fn scroll_to_cursor(&mut self) {
        self.scroll = Some(ScrollTo::InView);
    }

    /// Whether (and how) the table should scroll to the focused task, once.
    pub(crate) fn take_scroll_request(&mut self) -> Option<ScrollTo> {
        self.scroll.take()
    }

    pub(crate) fn select_all(&mut self, ids: impl IntoIterator<Item = String>) {
        self.selected = ids.into_iter().collect();
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
