//! The Tasks tab: the filter bar and the task table, with its right-click menu.

use super::{ROW_HEIGHT, SEARCH_ID};
use crate::git::GitStatus;
use crate::gui::app::{Intent, JanitorApp, ScrollTo};
use crate::gui::model::{Row, RowWorkspace, SortKey, exact_time};
use crate::gui::style::{class_meaning, status_badge, status_color};
use crate::gui::widgets::{
    capitalized, hover, mount_marker, share_text, with_reason_when_disabled,
};
use crate::status::StatusClass;
use crate::text;
use egui::{Align, Layout, RichText, Sense, Ui, vec2};
use egui_extras::{Column, TableBuilder};
use std::time::SystemTime;

/// The search box with its clear button, the status filter menu and "Show archived",
/// on one line, then what is shown and selected.
fn filter_bar(ui: &mut Ui, app: &JanitorApp, intents: &mut Vec<Intent>) {
    let settings = app.settings();
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Search");
        let mut search = settings.search.clone();
        let field = ui
            .add(
                egui::TextEdit::singleline(&mut search)
                    .id(egui::Id::unique(SEARCH_ID))
                    .hint_text("task id or prompt (Ctrl+F)")
                    .desired_width(170.0),
            )
            .labelled_by(label.id);
        if field.changed() {
            intents.push(Intent::Search(search));
        }
        if !settings.search.is_empty()
            && ui
                .small_button("×")
                .on_hover_text("Clear the search")
                .clicked()
        {
            intents.push(Intent::Search(String::new()));
        }
        let hidden = settings.hidden_classes.len();
        let title = match hidden {
            0 => "Status: all".to_owned(),
            _ => format!(
                "Status: {} of {}",
                StatusClass::ALL.len() - hidden,
                StatusClass::ALL.len()
            ),
        };
        ui.menu_button(title, |ui| {
            for class in StatusClass::ALL {
                let mut shown = !settings.hidden_classes.contains(&class);
                let text = RichText::new(capitalized(class.label())).color(status_color(class));
                if ui
                    .checkbox(&mut shown, text)
                    .on_hover_text(class_meaning(class))
                    .changed()
                {
                    intents.push(Intent::ShowStatus(class, shown));
                }
            }
        })
        .response
        .on_hover_text("Which statuses the table shows");
        let mut show_archived = settings.show_archived;
        if ui.checkbox(&mut show_archived, "Show archived").changed() {
            intents.push(Intent::ShowArchived(show_archived));
        }
        ui.separator();
        safe_controls(ui, app, intents);
    });
    let hidden = app.selected_hidden();
    let selected = app.selected().len();
    let mut summary = format!(
        "{} shown of {} · {} selected",
        text::count(app.visible().len(), "task"),
        app.rows().len(),
        selected - hidden
    );
    if hidden > 0 {
        summary.push_str(&format!(" ({hidden} hidden)"));
    }
    let response = ui.label(RichText::new(summary).weak());
    if hidden > 0 {
        response.on_hover_text(
            "Selected tasks that the filters hide stay selected, but nothing is ever done to them",
        );
    }
}

/// The Tasks tab; `scroll_to` when the focused task should come into view.
pub(crate) fn show(
    ui: &mut Ui,
    app: &JanitorApp,
    scroll_to: Option<ScrollTo>,
    intents: &mut Vec<Intent>,
) {
    filter_bar(ui, app, intents);
    let (rows, visible) = (app.rows(), app.visible());
    let now = SystemTime::now();
    let mut clicked: Option<(usize, egui::Modifiers)> = None;
    let mut sort_by: Option<SortKey> = None;
    let scroll_to = scroll_to.and_then(|how| {
        let focused = app.focused_row()?;
        Some((app.position_shown(&focused.task_id)?, how))
    });
    let total = app.total_bytes();
    let biggest = app.shown_biggest();
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
                .column(Column::initial(96.0).at_least(90.0))
                // The id and its mark ("archived" or "legacy") always fit.
                .column(Column::initial(170.0).at_least(160.0))
                .column(Column::initial(118.0).at_least(100.0))
                .column(Column::initial(104.0).at_least(60.0).clip(true))
                .column(Column::initial(80.0).at_least(60.0))
                .column(Column::remainder().at_least(140.0).clip(true))
                .column(Column::initial(96.0).at_least(60.0).clip(true))
                .column(Column::initial(76.0).at_least(60.0))
                .column(Column::initial(76.0).at_least(60.0))
                .min_scrolled_height(0.0);
            if let Some((position, how)) = scroll_to {
                let align = match how {
                    ScrollTo::Center => Some(Align::Center),
                    ScrollTo::InView => None,
                };
                table = table.scroll_to_row(position, align);
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
                                .add(egui::Button::new(RichText::new(title).strong()).frame(false))
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
                        // The id takes clicks of its own: a right click on it opens the
                        // row's menu too.
                        let mut id_response = None;
                        table_row.col(|ui| status_cell(ui, row));
                        table_row.col(|ui| {
                            let id = ui.selectable_label(
                                selected,
                                RichText::new(&row.task_id).monospace(),
                            );
                            row_clicked |= id.clicked();
                            record_mark(ui, row);
                            id_response = Some(id);
                        });
                        table_row.col(|ui| size_cell(ui, row, total, biggest));
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
                                    ui.label(text::relative_time(moment, now))
                                        .on_hover_ui(|ui| {
                                            ui.label(exact_time(moment));
                                        });
                                }
                                None => {
                                    ui.label(RichText::new("—").weak());
                                }
                            });
                        }
                        let response = table_row.response();
                        if row_clicked || response.clicked() {
                            clicked = Some((position, ui_modifiers(&table_row)));
                        }
                        for response in id_response.into_iter().chain([response]) {
                            if response.secondary_clicked() {
                                intents.push(Intent::ContextRow(position));
                            }
                            response.context_menu(|ui| context_menu(ui, app, row, intents));
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

/// The right-click menu of a row: Discard and Archive act on the selection shown (the
/// row joins it first if it was not in it), the rest on the row.
fn context_menu(ui: &mut Ui, app: &JanitorApp, row: &Row, intents: &mut Vec<Intent>) {
    let idle = app.running().is_none();
    let held = app.agents_runner().map(|runner| runner.refusal());
    let shown = app.selected_shown();
    let count = if shown.contains(&row.task_id) {
        shown.len()
    } else {
        1
    };
    let discard = ui.add_enabled(
        idle && held.is_none(),
        egui::Button::new(format!("Discard {}…", text::count(count, "task"))),
    );
    if with_reason_when_disabled(discard, held.as_deref()).clicked() {
        intents.push(Intent::Discard);
        ui.close();
    }
    let archive = ui
        .add_enabled(
            idle && held.is_none(),
            egui::Button::new(format!("Archive {}…", text::count(count, "task"))),
        )
        .on_hover_text("Archive the finished ones among them, as Archive finished would");
    if with_reason_when_disabled(archive, held.as_deref()).clicked() {
        intents.push(Intent::ArchiveSelected);
        ui.close();
    }
    ui.separator();
    let folder = row.folder_to_open();
    if ui
        .add_enabled(folder.is_some(), egui::Button::new("Open folder"))
        .clicked()
        && let Some(folder) = folder
    {
        intents.push(Intent::OpenInFileManager(folder));
        ui.close();
    }
    let path = row.path_to_copy();
    if ui
        .add_enabled(path.is_some(), egui::Button::new("Copy path"))
        .clicked()
        && let Some(text) = path
    {
        intents.push(Intent::Copy { text, what: "path" });
        ui.close();
    }
    if ui.button("Copy id").clicked() {
        intents.push(Intent::Copy {
            text: row.task_id.clone(),
            what: "task id",
        });
        ui.close();
    }
}

/// The status badge, or what a running change is doing to the task.
fn status_cell(ui: &mut Ui, row: &Row) {
    match row.changing {
        Some(doing) => {
            ui.spinner();
            ui.label(RichText::new(doing).small());
        }
        None => status_badge(ui, row),
    }
}

/// "archived" or "legacy" after the id.
fn record_mark(ui: &mut Ui, row: &Row) {
    if row.legacy {
        // One mark fits: a legacy record's hover says whether it is archived.
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
                ui.label(format!("Archived in {}", row.record.display()));
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

/// The size with a bar behind it (against the biggest workspace shown) and its share
/// of all workspaces.
fn size_cell(ui: &mut Ui, row: &Row, total: u64, biggest: u64) {
    let dash = || RichText::new("—").weak();
    match &row.workspace {
        RowWorkspace::Managed { on_disk: true, .. } => match row.size {
            Some(size) => {
                let cell = ui.max_rect();
                let mut bar = cell.shrink2(vec2(0.0, 4.0));
                bar.set_width(cell.width() * (size as f32 / biggest.max(1) as f32));
                let color = ui.visuals().selection.bg_fill.gamma_multiply(0.35);
                ui.painter().rect_filled(bar, 2.0, color);
                let shown = ui.label(row.size_text.as_str());
                ui.label(RichText::new(share_text(size, total)).weak().small());
                shown.on_hover_text(format!(
                    "{} of all workspaces ({}); the bar is against the biggest one shown",
                    share_text(size, total),
                    text::bytes(total)
                ));
                mount_marker(ui, &row.mount_points);
            }
            None => {
                hover(ui.spinner(), "Sizing…");
            }
        },
        RowWorkspace::Managed { on_disk: false, .. } => {
            hover(
                ui.label(RichText::new("workspace gone").weak()),
                "The task's cloned workspace is no longer on disk",
            );
        }
        RowWorkspace::UserFolder(_) => {
            hover(
                ui.label(RichText::new("not managed").weak()),
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
    let safe = app.shown_safe();
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
