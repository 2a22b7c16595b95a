//! The rows of the window and the views derived from them: the table's filtered and
//! sorted order, the biggest workspaces, the environment totals and the orphan
//! folders. Derived views are computed again once per change (the dirty flag), never
//! per frame.

use super::data_folder::DataFolder;
use crate::git::GitStatus;
use crate::gui::model::{self, EnvSummary, OrphanRow, Row, Settings, SortKey, SweepAges};
use crate::scan::Usage;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// How many workspaces the Usage tab ranks.
const LARGEST_SHOWN: usize = 20;

/// The rows and what is derived from them.
pub(crate) struct Table {
    rows: Vec<Row>,
    row_by_workspace: HashMap<PathBuf, usize>,
    /// Row indexes in table order (filtered and sorted once per change, not per frame).
    visible: Vec<usize>,
    largest: Vec<usize>,
    environments: Vec<EnvSummary>,
    /// Folders without a task record, and legacy checkouts.
    orphans: Vec<OrphanRow>,
    /// The workspace folders' ages by environment folder (`None`: all), for Sweep.
    sweep_ages: HashMap<Option<String>, SweepAges>,
    /// Filters or data changed: the derived views must be computed again.
    dirty: bool,
    /// The filters and sort the visible order was last computed with.
    shown_with: Option<Settings>,
    /// The task ids shown then, in order (the rows may have been rebuilt since).
    shown_ids: Vec<String>,
}

impl Default for Table {
    fn default() -> Self {
        Self {
            rows: Vec::new(),
            row_by_workspace: HashMap::new(),
            visible: Vec::new(),
            largest: Vec::new(),
            environments: Vec::new(),
            orphans: Vec::new(),
            sweep_ages: HashMap::new(),
            dirty: true,
            shown_with: None,
            shown_ids: Vec::new(),
        }
    }
}

impl Table {
    pub(crate) fn rows(&self) -> &[Row] {
        &self.rows
    }

    pub(crate) fn visible(&self) -> &[usize] {
        &self.visible
    }

    pub(crate) fn largest(&self) -> &[usize] {
        &self.largest
    }

    pub(crate) fn environments(&self) -> &[EnvSummary] {
        &self.environments
    }

    pub(crate) fn orphans(&self) -> &[OrphanRow] {
        &self.orphans
    }

    pub(crate) fn row(&self, task_id: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.task_id == task_id)
    }

    /// The task id at `position` in table order.
    pub(crate) fn visible_id(&self, position: usize) -> Option<&str> {
        let &index = self.visible.get(position)?;
        Some(self.rows[index].task_id.as_str())
    }

    /// Where `task_id` is in table order, if shown.
    pub(crate) fn position_of(&self, task_id: &str) -> Option<usize> {
        self.visible
            .iter()
            .position(|&i| self.rows[i].task_id == task_id)
    }

    /// The task ids shown, in table order.
    pub(crate) fn visible_ids(&self) -> impl Iterator<Item = String> + '_ {
        self.visible.iter().map(|&i| self.rows[i].task_id.clone())
    }

    pub(crate) fn task_ids(&self) -> HashSet<&str> {
        self.rows.iter().map(|r| r.task_id.as_str()).collect()
    }

    pub(crate) fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// Filters, sort or data changed: the views are computed again before the next frame.
    pub(crate) fn mark_dirty(&mut self) {
        self.dirty = true;
    }

    pub(crate) fn clear(&mut self) {
        self.rows.clear();
        self.visible.clear();
        self.shown_ids.clear();
        self.dirty = true;
    }

    /// Rows for the data folder's snapshot, with the sizes and git states known so far.
    pub(crate) fn rebuild(&mut self, data: &DataFolder) {
        self.rows = match data.snapshot() {
            Some(snapshot) => model::build_rows(snapshot, data.usage(), data.git()),
            None => Vec::new(),
        };
        for row in &mut self.rows {
            if let Some(path) = row.workspace_on_disk() {
                let bytes = data.reclaimable().get(path).copied();
                row.set_reclaimable(bytes);
            }
        }
        self.row_by_workspace = self
            .rows
            .iter()
            .enumerate()
            .filter_map(|(i, row)| row.workspace_on_disk().map(|p| (p.clone(), i)))
            .collect();
        // Indexes into the old rows mean nothing now; the order is kept by id.
        self.visible.clear();
        self.largest.clear();
        self.dirty = true;
    }

    /// The size of the workspace at `path` (`None`: being sized again).
    pub(crate) fn set_usage(&mut self, path: &Path, usage: Option<&Usage>) {
        if let Some(&index) = self.row_by_workspace.get(path) {
            self.rows[index].set_usage(usage);
        }
    }

    pub(crate) fn set_git(&mut self, path: &Path, status: &GitStatus) {
        if let Some(&index) = self.row_by_workspace.get(path) {
            self.rows[index].set_git(Some(status.clone()));
        }
    }

    /// What "Slim" would free in the workspace at `path`.
    pub(crate) fn set_reclaimable(&mut self, path: &Path, bytes: Option<u64>) {
        if let Some(&index) = self.row_by_workspace.get(path) {
            self.rows[index].set_reclaimable(bytes);
        }
    }

    /// Shows the task as being changed ("discarding") until the reload that follows.
    pub(crate) fn mark_changing(&mut self, task_id: &str, doing: &'static str) {
        if let Some(row) = self.rows.iter_mut().find(|r| r.task_id == task_id) {
            row.changing = Some(doing);
        }
    }

    /// The ages Sweep looks at in the environment folder `env_folder` (`None`: all).
    pub(crate) fn sweep_ages(&self, env_folder: Option<&str>) -> SweepAges {
        self.sweep_ages
            .get(&env_folder.map(str::to_owned))
            .copied()
            .unwrap_or_default()
    }

    /// Bytes of every managed workspace sized so far: the one total the side panel
    /// and the bottom bar both show.
    pub(crate) fn total_bytes(&self) -> u64 {
        self.environments.first().map_or(0, |all| all.bytes)
    }

    /// Filters, sorts and sums again. While `values_arriving` (a scan or git answers
    /// under way) and the filters and sort are unchanged, rows keep their place when
    /// sorted by a value that is arriving (size, git); they are sorted once it is over.
    pub(crate) fn recompute(
        &mut self,
        data: &DataFolder,
        settings: &Settings,
        values_arriving: bool,
    ) {
        self.dirty = false;
        let sorted = model::visible_rows(&self.rows, settings);
        let same_view = self
            .shown_with
            .as_ref()
            .is_some_and(|shown| same_view(shown, settings));
        let arriving_key = matches!(settings.sort, SortKey::Size | SortKey::Git);
        self.visible = if values_arriving && same_view && arriving_key {
            model::keep_order(&self.rows, &self.shown_ids, sorted)
        } else {
            sorted
        };
        self.shown_with = Some(settings.clone());
        self.shown_ids = self.visible_ids().collect();
        self.largest = model::largest_workspaces(&self.rows, LARGEST_SHOWN);
        self.environments = match data.snapshot() {
            Some(snapshot) => model::summarize_environments(snapshot, &self.rows, data.usage()),
            None => Vec::new(),
        };
        self.orphans = match data.snapshot() {
            Some(snapshot) => model::orphan_rows(snapshot, data.usage(), data.git()),
            None => Vec::new(),
        };
        self.sweep_ages = match data.snapshot() {
            Some(snapshot) => model::sweep_ages(snapshot, data.usage()),
            None => HashMap::new(),
        };
    }
}

/// Whether two settings filter and sort the table alike.
fn same_view(a: &Settings, b: &Settings) -> bool {
    a.sort == b.sort
        && a.descending == b.descending
        && a.search == b.search
        && a.hidden_classes == b.hidden_classes
        && a.show_archived == b.show_archived
        && a.env_filter == b.env_filter
}
