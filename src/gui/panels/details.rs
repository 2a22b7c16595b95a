//! The details pane: the focused task's record, workspace, git state and log, or,
//! with several tasks selected, what they add up to. It collapses to a narrow strip.

use crate::git::{GitState, GitStatus};
use crate::gui::app::{Intent, JanitorApp, TaskLog};
use crate::gui::model::{Row, RowWorkspace, exact_time};
use crate::gui::style::status_badge;
use crate::gui::widgets::{mount_points_text, with_reason_when_disabled};
use crate::text;
use egui::{Align, Layout, RichText, Ui};

/// Whether the pane has anything to show: a focused task, or several selected.
pub(crate) fn has_content(app: &JanitorApp) -> bool {
    app.focused_row().is_some() || app.selected_shown().len() > 1
}

/// The collapsed pane: a button that opens it again.
pub(crate) fn collapsed(ui: &mut Ui, intents: &mut Vec<Intent>) {
    ui.add_space(6.0);
    if ui
        .button("«")
        .on_hover_text("Show the details pane")
        .clicked()
    {
        intents.push(Intent::ShowDetails(true));
    }
}

/// The details pane.
pub(crate) fn show(ui: &mut Ui, app: &JanitorApp, intents: &mut Vec<Intent>) {
    let shown = app.selected_shown();
    ui.add_space(6.0);
    ui.horizontal(|ui| {
        match (shown.len() > 1, app.focused_row()) {
            (true, _) => {
                ui.label(
                    RichText::new(format!("{} selected", text::count(shown.len(), "task")))
                        .strong(),
                );
            }
            (false, Some(row)) => {
                status_badge(ui, row);
                ui.label(RichText::new(&row.task_id).monospace().strong());
            }
            (false, None) => {}
        }
        ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
            if ui
                .small_button("»")
                .on_hover_text("Collapse the details pane")
                .clicked()
            {
                intents.push(Intent::ShowDetails(false));
            }
        });
    });
    ui.separator();
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            if shown.len() > 1 {
                summary(ui, app, &shown);
            } else if let Some(row) = app.focused_row() {
                task(ui, app, row, intents);
            }
        });
}

/// Several selected tasks: how many, their size, their unsaved work, their
/// environments.
fn summary(ui: &mut Ui, app: &JanitorApp, shown: &[String]) {
    let rows: Vec<&Row> = shown.iter().filter_map(|id| app.row(id)).collect();
    let bytes: u64 = rows.iter().filter_map(|row| row.size).sum();
    let not_sized = rows
        .iter()
        .filter(|row| row.workspace_on_disk().is_some() && row.size.is_none())
        .count();
    let unsaved: Vec<&&Row> = rows
        .iter()
        .filter(|row| row.git.as_ref().is_some_and(|git| git.has_unsaved_work()))
        .collect();
    let running = rows.iter().filter(|row| !row.class.is_finished()).count();
    let mut environments: Vec<&str> = rows.iter().map(|row| row.env_name.as_str()).collect();
    environments.sort_unstable();
    environments.dedup();
    egui::Grid::new("selection_summary")
        .num_columns(2)
        .spacing([8.0, 4.0])
        .show(ui, |ui| {
            let field = |ui: &mut Ui, name: &str, value: &str| {
                ui.label(RichText::new(name).weak());
                ui.add(egui::Label::new(value).wrap());
                ui.end_row();
            };
            field(ui, "Tasks", &shown.len().to_string());
            let mut size = text::bytes(bytes);
            if not_sized > 0 {
                size.push_str(&format!(" ({} not sized yet)", not_sized));
            }
            field(ui, "Workspaces", &size);
            field(ui, "Environments", &environments.join(", "));
            if running > 0 {
                field(ui, "Not finished", &text::count(running, "task"));
            }
        });
    ui.add_space(6.0);
    if unsaved.is_empty() {
        ui.label("No unsaved git work among them.");
    } else {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            format!(
                "Unsaved git work in {}:",
                text::count(unsaved.len(), "workspace")
            ),
        );
        for row in unsaved {
            let git = row
                .git
                .as_ref()
                .map(|git| git.describe())
                .unwrap_or_default();
            ui.label(
                RichText::new(format!("{}  {git}", row.task_id))
                    .monospace()
                    .small(),
            );
        }
    }
}

/// One task: its fields, its buttons and the last lines of its log.
fn task(ui: &mut Ui, app: &JanitorApp, row: &Row, intents: &mut Vec<Intent>) {
    egui::Grid::new("details_grid")
        .num_columns(2)
        .spacing([8.0, 4.0])
        .show(ui, |ui| {
            let field = |ui: &mut Ui, name: &str, value: &str| {
                ui.label(RichText::new(name).weak());
                ui.add(egui::Label::new(value).wrap().selectable(true));
                ui.end_row();
            };
            let environment = if row.env_name == row.env_id {
                row.env_id.clone()
            } else {
                format!("{} ({})", row.env_name, row.env_id)
            };
            field(ui, "Environment", &environment);
            field(ui, "Record", &row.record.display().to_string());
            let workspace = match &row.workspace {
                RowWorkspace::Managed { path, on_disk } => {
                    if *on_disk {
                        path.display().to_string()
                    } else if app.workspace_in_trash(path) {
                        format!("{} (in the trash)", path.display())
                    } else {
                        format!("{} (workspace gone)", path.display())
                    }
                }
                RowWorkspace::UserFolder(folder) => format!(
                    "{} (mounted: the user's own folder, never touched)",
                    folder.as_deref().unwrap_or("unknown folder")
                ),
                RowWorkspace::None => "none".to_owned(),
            };
            field(ui, "Workspace", &workspace);
            if let Some(size) = row.size {
                field(ui, "Size", &text::bytes(size));
            }
            if !row.mount_points.is_empty() {
                field(ui, "Mount points", &mount_points_text(&row.mount_points));
            }
            field(ui, "Branch", row.branch.as_deref().unwrap_or("—"));
            if let Some(git) = &row.git {
                let work = git.work();
                field(
                    ui,
                    "Work",
                    &format!("{}: {}", work.label(), work.explanation()),
                );
                field(ui, "Unsaved work", &git.describe());
                if let GitStatus::Known(GitState {
                    base: Some(base), ..
                }) = git
                {
                    field(ui, "Compared with", base);
                }
            }
            ui.label(RichText::new("Pull request").weak());
            match &row.pr_url {
                Some(url) => {
                    // A long address would widen the pane: its end names the PR.
                    ui.horizontal_wrapped(|ui| {
                        ui.hyperlink_to(short_url(url), url).on_hover_text(url);
                        if let Some(state) = app.pull_request_state(&row.task_id) {
                            let merged = state
                                .merged_at
                                .as_deref()
                                .map(|at| format!(" at {at}"))
                                .unwrap_or_default();
                            ui.label(format!("({}{merged})", state.status.label()))
                                .on_hover_text("As gh said at the last Check remotes");
                        }
                    });
                }
                None => {
                    ui.label("—");
                }
            }
            ui.end_row();
            field(ui, "Container", row.container_id.as_deref().unwrap_or("—"));
            if let Some(moment) = row.created {
                field(ui, "Created", &exact_time(moment));
            }
            if let Some(moment) = row.finished {
                field(ui, "Finished", &exact_time(moment));
            }
        });
    ui.add_space(6.0);
    ui.horizontal_wrapped(|ui| buttons(ui, app, row, intents));
    ui.add_space(6.0);
    ui.label(RichText::new("Task log (last lines)").strong());
    match app.task_log() {
        Some(TaskLog {
            record,
            lines: Ok(lines),
        }) if *record == row.record => {
            if lines.is_empty() {
                ui.label(RichText::new("(no log lines)").weak());
            }
            for line in lines {
                ui.add(
                    egui::Label::new(RichText::new(line).monospace().small())
                        .wrap()
                        .selectable(true),
                );
            }
        }
        Some(TaskLog {
            record,
            lines: Err(message),
        }) if *record == row.record => {
            ui.colored_label(
                ui.visuals().error_fg_color,
                format!("cannot read the log: {message}"),
            );
        }
        _ => {
            ui.spinner();
        }
    }
}

/// Open folder, Copy path, and Restore for an archived task (with its workspace,
/// when the trash holds it).
fn buttons(ui: &mut Ui, app: &JanitorApp, row: &Row, intents: &mut Vec<Intent>) {
    let folder = row.folder_to_open();
    let open = ui
        .add_enabled(folder.is_some(), egui::Button::new("Open folder"))
        .on_hover_text("Open the workspace in the file manager");
    if let Some(folder) = folder.filter(|_| open.clicked()) {
        intents.push(Intent::OpenInFileManager(folder));
    }
    let path = row.path_to_copy();
    let copy = ui
        .add_enabled(path.is_some(), egui::Button::new("Copy path"))
        .on_hover_text("Copy the workspace path");
    if let Some(text) = path.filter(|_| copy.clicked()) {
        intents.push(Intent::Copy { text, what: "path" });
    }
    if row.archived && row.legacy {
        ui.add_enabled(false, egui::Button::new("Restore"))
            .on_disabled_hover_text("A legacy JSON record: read-only, and Agents-Runner no longer reads it, so it is not restored");
        return;
    }
    if !row.archived {
        return;
    }
    let held = app.agents_runner().map(|runner| runner.refusal());
    let can = app.running().is_none() && held.is_none();
    let restore = ui
        .add_enabled(can, egui::Button::new("Restore"))
        .on_hover_text("Un-archive: move the record from tasks/done/ back to tasks/ (refused while an active record has this id)");
    if with_reason_when_disabled(restore, held.as_deref()).clicked() {
        intents.push(Intent::Restore(row.task_id.clone()));
    }
    let in_trash = row
        .workspace_path()
        .is_some_and(|path| row.workspace_on_disk().is_none() && app.workspace_in_trash(path));
    if in_trash {
        let both = ui
            .add_enabled(can, egui::Button::new("Restore with its workspace"))
            .on_hover_text("Un-archive the record and bring the workspace back from the trash");
        if with_reason_when_disabled(both, held.as_deref()).clicked() {
            intents.push(Intent::RestoreWithWorkspace(row.task_id.clone()));
        }
    }
}

/// `url` without its scheme, cut at the front to its last 34 characters when longer
/// ("…/webapp/pull/128").
fn short_url(url: &str) -> String {
    const KEEP: usize = 34;
    let bare = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(url);
    let count = bare.chars().count();
    if count <= KEEP {
        return bare.to_owned();
    }
    let tail: String = bare.chars().skip(count - KEEP + 1).collect();
    format!("…{tail}")
}

#[cfg(test)]
mod tests {
    use super::short_url;

    #[test]
    fn long_addresses_keep_their_end() {
        assert_eq!(short_url("https://x.org/a/pull/1"), "x.org/a/pull/1");
        let long = short_url("https://github.com/example-org/webapp/pull/128");
        assert_eq!(long, "…b.com/example-org/webapp/pull/128");
        assert_eq!(long.chars().count(), 34);
    }
}
