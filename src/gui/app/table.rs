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
    row_by_id: HashMap<String, usize>,
    /// Row indexes in table order (filtered and sorted once per change, not per frame).
    visible: Vec<usize>,
    /// Each row's place in `visible` (`None`: filtered out), so what a frame asks of
    /// the selection costs its size, not the table's.
    position_of_row: Vec<Option<usize>>,
    /// The biggest workspace shown, and how many shown tasks are safe to delete:
    /// what each frame draws, counted once per change.
    shown_biggest: u64,
    shown_safe: usize,
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
}

impl Default for Table {
    fn default() -> Self {
        Self {
            rows: Vec::new(),
            row_by_workspace: HashMap::new(),
            row_by_id: HashMap::new(),
            visible: Vec::new(),
            position_of_row: Vec::new(),
            shown_biggest: 0,
            shown_safe: 0,
            largest: Vec::new(),
            environments: Vec::new(),
            orphans: Vec::new(),
            sweep_ages: HashMap::new(),
            dirty: true,
            shown_with: None,
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
        self.row_by_id.get(task_id).map(|&index| &self.rows[index])
    }

    /// The task id at `position` in table order.
    pub(crate) fn visible_id(&self, position: usize) -> Option<&str> {
        let &index = self.visible.get(position)?;
        Some(self.rows[index].task_id.as_str())
    }

    /// Where `task_id` is in table order, if shown.
    pub(crate) fn position_of(&self, task_id: &str) -> Option<usize> {
        let &index = self.row_by_id.get(task_id)?;
        self.position_of_row.get(index).copied().flatten()
    }

    /// The biggest workspace among the rows shown (0: none sized).
    pub(crate) fn shown_biggest(&self) -> u64 {
        self.shown_biggest
    }

    /// How many rows shown are safe to delete.
    pub(crate) fn shown_safe(&self) -> usize {
        self.shown_safe
    }

    /// Those of `task_ids` the table shows, in table order.
    pub(crate) fn shown_in_order<'a>(
        &self,
        task_ids: impl Iterator<Item = &'a String>,
    ) -> Vec<String> {
        let mut shown: Vec<(usize, &String)> = task_ids
            .filter_map(|id| Some((self.position_of(id)?, id)))
            .collect();
        shown.sort_unstable();
        shown.into_iter().map(|(_, id)| id.clone()).collect()
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
        self.row_by_id.clear();
        self.visible.clear();
        self.position_of_row.clear();
        self.orphans.clear();
        self.dirty = true;
    }

    /// Rows for the data folder's snapshot, with the sizes and git states known so far;
    /// the orphan folders, which change only with the snapshot.
    pub(crate) fn rebuild(&mut self, data: &DataFolder) {
        // The old rows give the order shown by task id: the new rows keep it while
        // values arrive.
        let old_rows = std::mem::take(&mut self.rows);
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
        // The first row of an id wins, as a search from the top would find it.
        self.row_by_id = HashMap::with_capacity(self.rows.len());
        for (index, row) in self.rows.iter().enumerate() {
            self.row_by_id.entry(row.task_id.clone()).or_insert(index);
        }
        self.visible = self
            .visible
            .iter()
            .filter_map(|&old| self.row_by_id.get(old_rows.get(old)?.task_id.as_str()))
            .copied()
            .collect();
        self.position_of_row = positions(self.rows.len(), &self.visible);
        self.largest.clear();
        self.orphans = match data.snapshot() {
            Some(snapshot) => model::orphan_rows(snapshot, data.usage(), data.git()),
            None => Vec::new(),
        };
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
            model::keep_order(self.rows.len(), &self.visible, sorted)
        } else {
            sorted
        };
        self.position_of_row = positions(self.rows.len(), &self.visible);
        let shown = || self.visible.iter().map(|&index| &self.rows[index]);
        self.shown_biggest = shown().filter_map(|row| row.size).max().unwrap_or(0);
        self.shown_safe = shown().filter(|row| row.is_safe_to_delete()).count();
        self.shown_with = Some(settings.clone());
        self.largest = model::largest_workspaces(&self.rows, LARGEST_SHOWN);
        self.environments = match data.snapshot() {
            Some(snapshot) => model::summarize_environments(snapshot, &self.rows, data.usage()),
            None => Vec::new(),
        };
        model::fill_orphan_rows(&mut self.orphans, data.usage(), data.git());
        self.sweep_ages = match data.snapshot() {
            Some(snapshot) => model::sweep_ages(snapshot, data.usage()),
            None => HashMap::new(),
        };
    }
}

/// Each row's place in `visible`.
fn positions(row_count: usize, visible: &[usize]) -> Vec<Option<usize>> {
    let mut positions = vec![None; row_count];
    for (position, &index) in visible.iter().enumerate() {
        positions[index] = Some(position);
    }
    positions
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
