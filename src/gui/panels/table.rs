//! The Tasks tab: the filter bar and the task table.

use super::ROW_HEIGHT;
use crate::git::GitStatus;
use crate::gui::app::{Intent, JanitorApp};
use crate::gui::model::{Row, RowWorkspace, SortKey, exact_time};
use crate::gui::style::{badge, status_color};
use crate::gui::widgets::{capitalized, hover, mount_marker};
use crate::status::StatusClass;
use crate::text;
use egui::{Align, Layout, RichText, Sense, Ui, vec2};
use egui_extras::{Column, TableBuilder};
use std::time::SystemTime;

/// The search box, the status class checkboxes and "Show archived".
fn filter_bar(ui: &mut Ui, app: &JanitorApp, intents: &mut Vec<Intent>) {
    let settings = app.settings();
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Search");
        let mut search = settings.search.clone();
        if ui
            .add(
                egui::TextEdit::singleline(&mut search)
                    .hint_text("task id or prompt")
                    .desired_width(200.0),
            )
            .labelled_by(label.id)
            .changed()
        {
            intents.push(Intent::Search(search));
        }
        ui.separator();
        for class in StatusClass::ALL {
            let mut shown = !settings.hidden_classes.contains(&class);
            let text = RichText::new(capitalized(class.label())).color(status_color(class));
            if ui.checkbox(&mut shown, text).changed() {
                intents.push(Intent::ShowStatus(class, shown));
            }
        }
        ui.separator();
        let mut show_archived = settings.show_archived;
        if ui.checkbox(&mut show_archived, "Show archived").changed() {
            intents.push(Intent::ShowArchived(show_archived));
        }
        ui.separator();
        safe_controls(ui, app, intents);
    });
}

/// The Tasks tab; `scroll_to_focused` when the focused task was picked elsewhere.
pub(crate) fn show(
    ui: &mut Ui,
    app: &JanitorApp,
    scroll_to_focused: bool,
    intents: &mut Vec<Intent>,
) {
    filter_bar(ui, app, intents);
    let (rows, visible) = (app.rows(), app.visible());
    ui.label(
        RichText::new(format!(
            "{} shown of {} · {} selected",
            text::count(visible.len(), "task"),
            rows.len(),
            app.selected().len()
        ))
        .weak(),
    );
    let now = SystemTime::now();
    let mut clicked: Option<(usize, egui::Modifiers)> = None;
    let mut sort_by: Option<SortKey> = None;
    let scroll_to = if scroll_to_focused {
        app.focused_row().and_then(|focused| {
            visible
                .iter()
                .position(|&i| rows[i].task_id == focused.task_id)
        })
    } else {
        None
    };
    // Narrow windows scroll the table sideways instead of squeezing the columns.
    egui::ScrollArea::horizontal()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            // A click anywhere on a row selects it; selectable text would swallow it.
            ui.style_mut().interaction.selectable_labels = false;
            let mut table = TableBuilder::new(ui)
                .striped(true)
                .resizable(true)
                .sense(Sense::click())
                .cell_layout(Layout::left_to_right(Align::Center))
                .column(Column::exact(84.0))
                // Room for the id and one small mark ("archived" or "legacy").
                .column(Column::initial(150.0).at_least(70.0).clip(true))
                .column(Column::initial(80.0).at_least(60.0))
                .column(Column::initial(104.0).at_least(60.0).clip(true))
                .column(Column::initial(80.0).at_least(60.0))
                .column(Column::remainder().at_least(140.0).clip(true))
                .column(Column::initial(96.0).at_least(60.0).clip(true))
                .column(Column::initial(76.0).at_least(60.0))
                .column(Column::initial(76.0).at_least(60.0))
                .min_scrolled_height(0.0);
            if let Some(position) = scroll_to {
                table = table.scroll_to_row(position, Some(Align::Center));
            }
            let headers = [
                ("Status", SortKey::Status),
                ("Task", SortKey::Task),
                ("Size", SortKey::Size),
                ("Git", SortKey::Git),
                ("Reclaimable", SortKey::Reclaimable),
                ("Prompt", SortKey::Prompt),
                ("Environment", SortKey::Environment),
                ("Created", SortKey::Created),
                ("Finished", SortKey::Finished),
            ];
            let (current, descending) = (app.settings().sort, app.settings().descending);
            table
                .header(24.0, |mut header| {
                    for (title, key) in headers {
                        header.col(|ui| {
                            let sorted = current == key;
                            let response = ui
                                .add(
                                    egui::Button::new(RichText::new(title).strong())
                                        .frame(false),
                                )
                                .on_hover_text(format!("Sort by {}", title.to_lowercase()));
                            if sorted {
                                sort_arrow(ui, descending);
                            }
                            if response.clicked() {
                                sort_by = Some(key);
                            }
                        });
                    }
                })
                .body(|body| {
                    body.rows(ROW_HEIGHT, visible.len(), |mut table_row| {
                        let position = table_row.index();
                        let row = &rows[visible[position]];
                        let selected = app.selected().contains(&row.task_id);
                        table_row.set_selected(selected);
                        let mut row_clicked = false;
                        table_row.col(|ui| {
                            badge(ui, &row.status, status_color(row.class));
                        });
                        table_row.col(|ui| {
                            row_clicked |= ui
                                .selectable_label(
                                    selected,
                                    RichText::new(&row.task_id).monospace(),
                                )
                                .clicked();
                            if row.legacy {
                                // One mark fits: a legacy record's hover says whether
                                // it is archived.
                                ui.label(
                                    RichText::new("legacy")
                                        .small()
                                        .color(ui.visuals().warn_fg_color),
                                )
                                .on_hover_ui(|ui| {
                                    ui.label(format!(
                                        "A JSON record of an older Agents-Runner, which no longer reads it{}: {}\nRead-only: never changed, archived or restored; its workspace is cleaned like any other.",
                                        if row.archived { " (archived)" } else { "" },
                                        row.record.display()
                                    ));
                                });
                            } else if row.archived {
                                ui.label(RichText::new("archived").weak().small())
                                    .on_hover_ui(|ui| {
                                        ui.label(format!(
                                            "Archived in {}",
                                            row.record.display()
                                        ));
                                    });
                            }
                        });
                        table_row.col(|ui| size_cell(ui, row));
                        table_row.col(|ui| git_cell(ui, row));
                        table_row.col(|ui| reclaimable_cell(ui, row));
                        table_row.col(|ui| {
                            // Tooltips are built only while hovered: no per-frame copies.
                            ui.add(egui::Label::new(&row.prompt_line).truncate())
                                .on_hover_ui(|ui| {
                                    ui.label(if row.prompt.is_empty() {
                                        "(no prompt)"
                                    } else {
                                        row.prompt.as_str()
                                    });
                                });
                        });
                        table_row.col(|ui| {
                            ui.add(egui::Label::new(&row.env_name).truncate())
                                .on_hover_ui(|ui| {
                                    ui.label(row.env_id.as_str());
                                });
                        });
                        for moment in [row.created, row.finished] {
                            table_row.col(|ui| match moment {
                                Some(moment) => {
                                    ui.label(text::relative_time(moment, now)).on_hover_ui(
                                        |ui| {
                                            ui.label(exact_time(moment));
                                        },
                                    );
                                }
                                None => {
                                    ui.label(RichText::new("—").weak());
                                }
                            });
                        }
                        if row_clicked || table_row.response().clicked() {
                            clicked = Some((position, ui_modifiers(&table_row)));
                        }
                    });
                });
        });
    if let Some(key) = sort_by {
        intents.push(Intent::SortBy(key));
    }
    if let Some((position, modifiers)) = clicked {
        intents.push(Intent::ClickRow {
            position,
            toggle: modifiers.command,
            extend: modifiers.shift,
        });
    }
}

/// A small triangle after the sorted column's title: down for descending.
fn sort_arrow(ui: &mut Ui, descending: bool) {
    let (rect, _) = ui.allocate_exact_size(vec2(10.0, 10.0), Sense::hover());
    let c = rect.center();
    let points = if descending {
        vec![
            c + vec2(-4.0, -2.5),
            c + vec2(4.0, -2.5),
            c + vec2(0.0, 3.5),
        ]
    } else {
        vec![c + vec2(-4.0, 2.5), c + vec2(4.0, 2.5), c + vec2(0.0, -3.5)]
    };
    let color = ui.visuals().strong_text_color();
    ui.painter().add(egui::Shape::convex_polygon(
        points,
        color,
        egui::Stroke::NONE,
    ));
}

fn ui_modifiers(row: &egui_extras::TableRow<'_, '_>) -> egui::Modifiers {
    row.response().ctx.input(|i| i.modifiers)
}

fn size_cell(ui: &mut Ui, row: &Row) {
    let dash = || RichText::new("—").weak();
    match &row.workspace {
        RowWorkspace::Managed { on_disk: true, .. } => {
            if row.size.is_some() {
                ui.label(row.size_text.as_str());
                mount_marker(ui, &row.mount_points);
            } else {
                hover(ui.spinner(), "Sizing…");
            }
        }
        RowWorkspace::Managed { on_disk: false, .. } => {
            hover(
                ui.label(RichText::new("workspace gone").weak()),
                "The task's cloned workspace is no longer on disk",
            );
        }
        RowWorkspace::UserFolder(_) => {
            hover(
                ui.label(dash()),
                "Mounted: the user's own folder, never sized or deleted",
            );
        }
        RowWorkspace::None => {
            hover(ui.label(dash()), "No workspace");
        }
    }
}

fn git_cell(ui: &mut Ui, row: &Row) {
    if row.workspace_on_disk().is_none() {
        ui.label(RichText::new("—").weak());
        return;
    }
    match &row.git {
        None => {
            hover(ui.label(RichText::new("…").weak()), "Asking git");
        }
        Some(GitStatus::Unknown { reason }) => {
            hover(ui.label(RichText::new("unknown").weak()), reason);
        }
        Some(status) if status.has_unsaved_work() => {
            let text = RichText::new(row.git_text.as_str()).color(ui.visuals().warn_fg_color);
            hover(
                ui.label(text),
                "Deleting this workspace would lose work that exists nowhere else",
            );
        }
        Some(_) => {
            ui.label(row.git_text.as_str());
        }
    }
}

/// The "Safe to delete" filter and the action that deletes every safe workspace shown.
fn safe_controls(ui: &mut Ui, app: &JanitorApp, intents: &mut Vec<Intent>) {
    let mut only_safe = app.settings().only_safe;
    if ui
        .checkbox(&mut only_safe, "Safe to delete")
        .on_hover_text(
            "Only finished tasks whose work git shows is elsewhere: merged, squash-merged, pushed and clean, or no commits of their own",
        )
        .changed()
    {
        intents.push(Intent::OnlySafe(only_safe));
    }
    // Counted, not collected: this runs every frame.
    let rows = app.rows();
    let safe = app
        .visible()
        .iter()
        .filter(|&&i| rows[i].is_safe_to_delete())
        .count();
    if ui
        .add_enabled(
            app.running().is_none() && safe > 0,
            egui::Button::new(format!("Delete {}", text::count(safe, "safe workspace"))),
        )
        .on_hover_text(
            "Delete the workspaces of the shown tasks that are safe to delete (the plan asks git again and shows each one first)",
        )
        .clicked()
    {
        intents.push(Intent::DeleteSafe);
    }
}

/// What "Slim" would free: the bytes of what git ignores in the workspace.
fn reclaimable_cell(ui: &mut Ui, row: &Row) {
    match (row.workspace_on_disk(), row.reclaimable) {
        (None, _) => {
            ui.label(RichText::new("—").weak());
        }
        (Some(_), None) => {
            hover(
                ui.label(RichText::new("…").weak()),
                "Asking git what it ignores",
            );
        }
        (Some(_), Some(_)) => {
            hover(
                ui.label(row.reclaimable_text.as_str()),
                "Build output git ignores (target/, node_modules/, ...): what Slim deletes",
            );
        }
    }
}
