//! The details pane of the focused task: its record, workspace, git state and log.

use crate::git::{GitState, GitStatus};
use crate::gui::app::{Intent, JanitorApp, TaskLog};
use crate::gui::model::{RowWorkspace, exact_time};
use crate::gui::style::{badge, status_color};
use crate::gui::widgets::{mount_points_text, with_reason_when_disabled};
use crate::text;
use egui::{Align, Layout, RichText, Ui};

/// The details pane.
pub(crate) fn show(ui: &mut Ui, app: &JanitorApp, intents: &mut Vec<Intent>) {
    let Some(row) = app.focused_row() else {
        return;
    };
    ui.add_space(6.0);
    ui.horizontal(|ui| {
        badge(ui, &row.status, status_color(row.class));
        ui.label(RichText::new(&row.task_id).monospace().strong());
        ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
            if ui
                .small_button("Hide")
                .on_hover_text("Hide the details pane")
                .clicked()
            {
                intents.push(Intent::HideDetails);
            }
        });
    });
    ui.separator();
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            egui::Grid::new("details_grid")
                .num_columns(2)
                .spacing([8.0, 4.0])
                .show(ui, |ui| {
                    let field = |ui: &mut Ui, name: &str, value: &str| {
                        ui.label(RichText::new(name).weak());
                        ui.add(egui::Label::new(value).wrap().selectable(true));
                        ui.end_row();
                    };
                    field(ui, "Environment", &row.env_id);
                    field(ui, "Record", &row.record.display().to_string());
                    let workspace = match &row.workspace {
                        RowWorkspace::Managed { path, on_disk } => {
                            if *on_disk {
                                path.display().to_string()
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
                            ui.horizontal_wrapped(|ui| {
                                ui.hyperlink(url);
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
            ui.horizontal_wrapped(|ui| {
                let folder = row.workspace_on_disk().cloned();
                let open = ui
                    .add_enabled(folder.is_some(), egui::Button::new("Open folder"))
                    .on_hover_text("Open the workspace in the file manager");
                if let Some(folder) = folder.filter(|_| open.clicked()) {
                    intents.push(Intent::OpenInFileManager(folder));
                }
                let path = match &row.workspace {
                    RowWorkspace::Managed { path, .. } => Some(path.display().to_string()),
                    RowWorkspace::UserFolder(folder) => folder.clone(),
                    RowWorkspace::None => None,
                };
                let copy = ui
                    .add_enabled(path.is_some(), egui::Button::new("Copy path"))
                    .on_hover_text("Copy the workspace path");
                if let Some(path) = path.filter(|_| copy.clicked()) {
                    ui.ctx().copy_text(path);
                }
                if row.archived && row.legacy {
                    ui.add_enabled(false, egui::Button::new("Restore"))
                        .on_disabled_hover_text("A legacy JSON record: read-only, and Agents-Runner no longer reads it, so it is not restored");
                } else if row.archived {
                    let held = app.agents_runner().map(|runner| runner.refusal());
                    let restore = ui
                        .add_enabled(
                            app.running().is_none() && held.is_none(),
                            egui::Button::new("Restore"),
                        )
                        .on_hover_text("Un-archive: move the record from tasks/done/ back to tasks/ (refused while an active record has this id)");
                    if with_reason_when_disabled(restore, held.as_deref()).clicked() {
                        intents.push(Intent::Restore(row.task_id.clone()));
                    }
                }
            });
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
        });
}
