//! Drawing the main window: top bar, environments, task table, details, usage,
//! problems and the log. Each function only reads state and records the user's
//! intent on [`JanitorApp`]; nothing here does I/O.

use super::app::{JanitorApp, Tab};
use super::model::{OrphanRowKind, Row, RowWorkspace, SortKey, exact_time};
use super::style::{badge, level_color, palette_color, quota_color, status_color};
use super::widgets::{
    capitalized, fixed_width, hover, mount_marker, mount_points_text, thin_bar,
    with_reason_when_disabled,
};
use crate::executor::Level;
use crate::git::GitStatus;
use crate::policy::QuotaState;
use crate::status::StatusClass;
use crate::text;
use egui::{Align, Key, Layout, RichText, Sense, Ui, vec2};
use egui_extras::{Column, TableBuilder};
use std::time::SystemTime;

const ROW_HEIGHT: f32 = 22.0;

impl JanitorApp {
    /// One frame of the window.
    pub fn ui(&mut self, ui: &mut Ui) {
        self.poll();
        self.keyboard(ui);
        if self.has_data() && self.agents_runner().is_some() {
            let style = ui.style();
            // Tinted like a warning, so it reads as the state of the whole window.
            let frame = egui::Frame::side_top_panel(style)
                .fill(style.visuals.warn_fg_color.gamma_multiply(0.18));
            egui::Panel::top("agents_runner_bar")
                .frame(frame)
                .show(ui, |ui| self.agents_runner_bar(ui));
        }
        egui::Panel::top("top_bar").show(ui, |ui| self.top_bar(ui));
        egui::Panel::bottom("log_panel")
            .resizable(true)
            .default_size(130.0)
            .min_size(90.0)
            .show(ui, |ui| self.log_panel(ui));
        if self.has_data() {
            egui::Panel::left("environments")
                .resizable(true)
                .default_size(230.0)
                .min_size(180.0)
                .show(ui, |ui| self.environments_panel(ui));
            if self.focused.is_some() && self.tab == Tab::Tasks {
                egui::Panel::right("details")
                    .resizable(true)
                    .default_size(290.0)
                    .min_size(220.0)
                    .show(ui, |ui| self.details_panel(ui));
            }
            egui::CentralPanel::default().show(ui, |ui| self.central(ui));
        } else {
            egui::CentralPanel::default().show(ui, |ui| self.welcome_screen(ui));
        }
        self.dialogs(ui);
        self.toasts.show(ui);
    }

    fn keyboard(&mut self, ui: &Ui) {
        if self.dialog.is_some() {
            return;
        }
        let typing = ui.ctx().egui_wants_keyboard_input();
        let (refresh, delete, select_all, settings) = ui.input(|i| {
            (
                i.key_pressed(Key::F5),
                i.key_pressed(Key::Delete),
                i.modifiers.command && i.key_pressed(Key::A),
                i.modifiers.command && i.key_pressed(Key::Comma),
            )
        });
        if settings {
            self.open_settings();
        }
        if refresh {
            self.refresh();
        }
        if !typing && delete {
            self.discard_selected();
        }
        if !typing && select_all && self.tab == Tab::Tasks {
            self.select_all_visible();
        }
    }

    fn top_bar(&mut self, ui: &mut Ui) {
        ui.add_space(4.0);
        ui.horizontal_wrapped(|ui| {
            ui.heading("agents-janitor");
            ui.separator();
            let shown = self
                .data_dir()
                .map(|d| d.display().to_string())
                .unwrap_or_else(|| "no data folder".to_owned());
            ui.label(RichText::new(shown).monospace())
                .on_hover_text("The Agents-Runner data folder shown");
            let idle = self.running.is_none();
            // The welcome screen has its own button for this.
            if self.has_data()
                && ui
                    .add_enabled(
                        idle && !self.background_busy(),
                        egui::Button::new("Open data folder…"),
                    )
                    .on_hover_text("Pick another Agents-Runner data folder")
                    .clicked()
            {
                self.dialog = Some(super::app::Dialog::OpenFolder {
                    typed: self
                        .data_dir()
                        .map(|d| d.display().to_string())
                        .unwrap_or_default(),
                });
            }
            if self.has_data()
                && ui
                    .add_enabled(idle, egui::Button::new("Refresh"))
                    .on_hover_text("Read the data folder and size every workspace again (F5)")
                    .clicked()
            {
                self.refresh();
            }
            if ui
                .button("Settings…")
                .on_hover_text("Cleanup policy, delete mode, schedule and quotas (Ctrl+,)")
                .clicked()
            {
                self.open_settings();
            }
            if let Some(note) = &self.live.note {
                ui.label(RichText::new(note).color(ui.visuals().warn_fg_color));
            }
        });
        if !self.has_data() {
            ui.add_space(2.0);
            return;
        }
        ui.horizontal_wrapped(|ui| {
            let can_act = self.running.is_none();
            let selected = self.selected.len();
            // Agents-Runner would undo a record change at its next save.
            let held = self.agents_runner().map(|runner| runner.refusal());
            let discard = ui
                .add_enabled(
                    can_act && selected > 0 && held.is_none(),
                    egui::Button::new("Discard"),
                )
                .on_hover_text(format!(
                    "Discard the {} (Delete key): mark discarded, archive the record, remove the container and the workspace",
                    text::count(selected, "selected task")
                ));
            if with_reason_when_disabled(discard, held.as_deref()).clicked() {
                self.discard_selected();
            }
            let archive = ui
                .add_enabled(can_act && held.is_none(), egui::Button::new("Archive finished"))
                .on_hover_text("Archive finished tasks; delete the workspaces of done ones, keep failed ones for debugging");
            if with_reason_when_disabled(archive, held.as_deref()).clicked() {
                self.archive_finished();
            }
            ui.separator();
            let scope = match &self.settings.env_filter {
                Some(env) => format!("in {env}"),
                None => "in all environments".to_owned(),
            };
            if ui
                .add_enabled(can_act, egui::Button::new("Sweep"))
                .on_hover_text(format!(
                    "Delete workspaces {scope} whose newest file is older than the age on the right"
                ))
                .clicked()
            {
                self.sweep();
            }
            ui.label("older than");
            ui.add(
                egui::DragValue::new(&mut self.settings.sweep_hours)
                    .range(0.0..=24.0 * 365.0)
                    .speed(1.0)
                    .suffix(" h"),
            )
            .on_hover_text("Age in hours for Sweep");
            ui.label(RichText::new(scope).weak());
            if !self.config.quotas.is_empty() {
                ui.separator();
                if ui
                    .add_enabled(can_act, egui::Button::new("Enforce quotas"))
                    .on_hover_text("Delete the oldest finished workspaces of each environment over its quota until it is under")
                    .clicked()
                {
                    self.enforce_quotas();
                }
            }
        });
        ui.add_space(2.0);
    }

    fn log_panel(&mut self, ui: &mut Ui) {
        ui.add_space(4.0);
        ui.horizontal(|ui| {
            ui.label(format!(
                "Total: {}   ·   Freed this session: {}",
                text::bytes(self.total_bytes()),
                text::bytes(self.bytes_freed_session)
            ));
            if let Some((done, total)) = self.scan_progress {
                ui.separator();
                ui.spinner();
                ui.label(format!("Sizing workspaces {done}/{total}"));
                if self.running.is_none() && ui.button("Stop scan").clicked() {
                    self.cancel_work();
                }
            }
            ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                if ui.button("Clear").on_hover_text("Clear the log").clicked() {
                    self.log.clear();
                }
                ui.label(RichText::new("Log").strong());
            });
        });
        if let Some(running) = &self.running {
            let progress = running.progress;
            let fraction = if progress.steps_total == 0 {
                0.0
            } else {
                progress.steps_done as f32 / progress.steps_total as f32
            };
            let mut cancel = false;
            ui.horizontal(|ui| {
                ui.add(
                    egui::ProgressBar::new(fraction)
                        .desired_width(ui.available_width() - 90.0)
                        .text(format!(
                            "{}: {}/{} tasks · {} entries removed · {} freed",
                            running.verb,
                            progress.steps_done,
                            progress.steps_total,
                            progress.entries_removed,
                            text::bytes(progress.bytes_freed)
                        ))
                        .animate(true),
                );
                cancel = ui.button("Cancel").clicked();
            });
            if cancel {
                self.cancel_work();
            }
        }
        ui.separator();
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .stick_to_bottom(true)
            .show_rows(ui, ROW_HEIGHT - 6.0, self.log.len(), |ui, range| {
                for line in &self.log[range] {
                    let color = level_color(ui, line.level);
                    ui.add(
                        egui::Label::new(RichText::new(&line.text).monospace().color(color))
                            .selectable(true)
                            .wrap_mode(egui::TextWrapMode::Truncate),
                    );
                }
            });
    }

    fn environments_panel(&mut self, ui: &mut Ui) {
        ui.add_space(6.0);
        ui.label(RichText::new("Environments").strong());
        ui.add_space(4.0);
        let mut chosen = None;
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                for env in &self.environments {
                    let selected = self.settings.env_filter == env.env_id;
                    let response = ui
                        .scope(|ui| {
                            ui.horizontal(|ui| {
                                let (rect, _) =
                                    ui.allocate_exact_size(vec2(12.0, 12.0), Sense::hover());
                                if env.env_id.is_some() {
                                    ui.painter().rect_filled(
                                        rect,
                                        3.0,
                                        palette_color(env.color.as_deref()),
                                    );
                                }
                                let mut clicked = false;
                                ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                                    ui.label(text::bytes(env.bytes));
                                    ui.with_layout(Layout::left_to_right(Align::Center), |ui| {
                                        clicked = ui
                                            .add(
                                                egui::Button::selectable(selected, &env.name)
                                                    .truncate(),
                                            )
                                            .clicked();
                                    });
                                });
                                clicked
                            })
                            .inner
                        })
                        .inner;
                    ui.horizontal(|ui| {
                        ui.add_space(16.0);
                        let kind = if env.workspace_type.is_empty() {
                            String::new()
                        } else {
                            format!("{} · ", env.workspace_type)
                        };
                        ui.label(
                            RichText::new(format!("{kind}{}", text::count(env.tasks, "task")))
                                .weak()
                                .small(),
                        );
                    });
                    let quota = env
                        .env_id
                        .as_deref()
                        .and_then(|id| self.quotas.iter().find(|q| q.env_id == id));
                    match quota {
                        Some(quota) => quota_bar(ui, quota),
                        None => {
                            let color = palette_color(env.color.as_deref().or(Some("sky")));
                            thin_bar(ui, 4.0, env.share, color);
                        }
                    }
                    ui.add_space(6.0);
                    if response {
                        chosen = Some(env.env_id.clone());
                    }
                }
            });
        if let Some(env) = chosen {
            self.settings.env_filter = env;
            self.filters_changed();
        }
    }

    fn central(&mut self, ui: &mut Ui) {
        ui.horizontal(|ui| {
            ui.selectable_value(&mut self.tab, Tab::Tasks, "Tasks");
            ui.selectable_value(&mut self.tab, Tab::Usage, "Usage");
            let orphans = format!(
                "Orphans ({})",
                self.orphans
                    .iter()
                    .filter(|o| o.kind != OrphanRowKind::LegacyCheckout)
                    .count()
            );
            ui.selectable_value(&mut self.tab, Tab::Orphans, orphans);
            let problems = format!("Problems ({})", self.problems.len());
            ui.selectable_value(&mut self.tab, Tab::Problems, problems);
        });
        ui.separator();
        match self.tab {
            Tab::Tasks => self.tasks_view(ui),
            Tab::Usage => self.usage_view(ui),
            Tab::Orphans => self.orphans_view(ui),
            Tab::Problems => self.problems_view(ui),
        }
    }

    fn filter_bar(&mut self, ui: &mut Ui) {
        let mut changed = false;
        ui.horizontal_wrapped(|ui| {
            let label = ui.label("Search");
            changed |= ui
                .add(
                    egui::TextEdit::singleline(&mut self.settings.search)
                        .hint_text("task id or prompt")
                        .desired_width(200.0),
                )
                .labelled_by(label.id)
                .changed();
            ui.separator();
            for class in StatusClass::ALL {
                let mut shown = !self.settings.hidden_classes.contains(&class);
                let text = RichText::new(capitalized(class.label())).color(status_color(class));
                if ui.checkbox(&mut shown, text).changed() {
                    changed = true;
                    self.settings.hidden_classes.retain(|c| *c != class);
                    if !shown {
                        self.settings.hidden_classes.push(class);
                    }
                }
            }
            ui.separator();
            changed |= ui
                .checkbox(&mut self.settings.show_archived, "Show archived")
                .changed();
        });
        if changed {
            self.filters_changed();
        }
    }

    fn tasks_view(&mut self, ui: &mut Ui) {
        self.filter_bar(ui);
        ui.label(
            RichText::new(format!(
                "{} shown of {} · {} selected",
                text::count(self.visible.len(), "task"),
                self.rows.len(),
                self.selected.len()
            ))
            .weak(),
        );
        let now = SystemTime::now();
        let mut clicked: Option<(usize, egui::Modifiers)> = None;
        let mut sort_by: Option<SortKey> = None;
        let scroll_to = if self.scroll_to_focused {
            self.scroll_to_focused = false;
            self.focused.as_ref().and_then(|id| {
                self.visible
                    .iter()
                    .position(|&i| self.rows[i].task_id == *id)
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
                    ("Prompt", SortKey::Prompt),
                    ("Environment", SortKey::Environment),
                    ("Created", SortKey::Created),
                    ("Finished", SortKey::Finished),
                ];
                let (current, descending) = (self.settings.sort, self.settings.descending);
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
                        body.rows(ROW_HEIGHT, self.visible.len(), |mut table_row| {
                            let position = table_row.index();
                            let row = &self.rows[self.visible[position]];
                            let selected = self.selected.contains(&row.task_id);
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
            if self.settings.sort == key {
                self.settings.descending = !self.settings.descending;
            } else {
                self.settings.sort = key;
                // Big first for sizes, newest first for dates; A→Z for text.
                self.settings.descending = matches!(
                    key,
                    SortKey::Size | SortKey::Created | SortKey::Finished | SortKey::Git
                );
            }
            self.filters_changed();
        }
        if let Some((position, modifiers)) = clicked {
            self.click_row(position, modifiers.command, modifiers.shift);
        }
    }

    fn details_panel(&mut self, ui: &mut Ui) {
        let Some(row) = self.focused_row().cloned() else {
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
                    self.focused = None;
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
                            field(ui, "Git", &git.describe());
                        }
                        ui.label(RichText::new("Pull request").weak());
                        match &row.pr_url {
                            Some(url) => {
                                ui.hyperlink(url);
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
                        self.open_in_file_manager(folder);
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
                        let held = self.agents_runner().map(|runner| runner.refusal());
                        let restore = ui
                            .add_enabled(
                                self.running.is_none() && held.is_none(),
                                egui::Button::new("Restore"),
                            )
                            .on_hover_text("Un-archive: move the record from tasks/done/ back to tasks/ (refused while an active record has this id)");
                        if with_reason_when_disabled(restore, held.as_deref()).clicked() {
                            self.restore(row.task_id.clone());
                        }
                    }
                });
                ui.add_space(6.0);
                ui.label(RichText::new("Task log (last lines)").strong());
                match &self.task_log {
                    Some((record, Ok(lines))) if *record == row.record => {
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
                    Some((record, Err(message))) if *record == row.record => {
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

    pub(super) fn open_in_file_manager(&mut self, folder: std::path::PathBuf) {
        // `open` spawns the platform's opener and returns at once.
        if let Err(err) = open::that_detached(&folder) {
            self.push_log(
                Level::Error,
                format!("cannot open {}: {err}", folder.display()),
            );
        }
    }

    fn usage_view(&mut self, ui: &mut Ui) {
        let mut focus = None;
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                ui.label(RichText::new("Bytes per environment").strong());
                ui.add_space(4.0);
                let max = self
                    .environments
                    .iter()
                    .skip(1)
                    .map(|e| e.bytes)
                    .max()
                    .unwrap_or(0)
                    .max(1);
                let name_width = 180.0;
                let bar_width = (ui.available_width() - name_width - 120.0).clamp(120.0, 560.0);
                for env in self.environments.iter().skip(1) {
                    ui.horizontal(|ui| {
                        ui.add_sized([name_width, 18.0], egui::Label::new(&env.name).truncate());
                        let (rect, response) =
                            ui.allocate_exact_size(vec2(bar_width, 16.0), Sense::hover());
                        ui.painter()
                            .rect_filled(rect, 3.0, ui.visuals().faint_bg_color);
                        let mut bar = rect;
                        bar.set_width(rect.width() * (env.bytes as f32 / max as f32));
                        ui.painter().rect_filled(
                            bar,
                            3.0,
                            palette_color(env.color.as_deref().or(Some("sky"))),
                        );
                        response
                            .on_hover_text(format!("{:.1}% of all workspaces", env.share * 100.0));
                        ui.label(text::bytes(env.bytes));
                    });
                }
                ui.add_space(14.0);
                ui.label(RichText::new("Biggest workspaces").strong());
                ui.add_space(4.0);
                if self.largest.is_empty() {
                    ui.label(RichText::new("No workspace sized yet.").weak());
                }
                for (rank, &index) in self.largest.iter().enumerate() {
                    let row = &self.rows[index];
                    ui.horizontal(|ui| {
                        fixed_width(ui, 28.0, |ui| {
                            ui.label(RichText::new(format!("{}.", rank + 1)).weak());
                        });
                        fixed_width(ui, 84.0, |ui| {
                            ui.label(text::bytes(row.size.unwrap_or(0)));
                        });
                        if ui
                            .link(RichText::new(&row.task_id).monospace())
                            .on_hover_text("Show this task in the table")
                            .clicked()
                        {
                            focus = Some(row.task_id.clone());
                        }
                        fixed_width(ui, 84.0, |ui| {
                            badge(ui, &row.status, status_color(row.class))
                        });
                        fixed_width(ui, 110.0, |ui| {
                            ui.label(RichText::new(&row.env_name).weak());
                        });
                        ui.add(egui::Label::new(&row.prompt_line).truncate());
                    });
                }
            });
        if let Some(task_id) = focus {
            self.selected.clear();
            self.selected.insert(task_id.clone());
            self.anchor = Some(task_id.clone());
            self.focus(task_id);
            self.tab = Tab::Tasks;
            self.scroll_to_focused = true;
        }
    }

    fn problems_view(&mut self, ui: &mut Ui) {
        if self.problems.is_empty() {
            ui.label("No problems found: every task file, environment and workspace folder could be read.");
            return;
        }
        ui.label(
            RichText::new(
                "These files and folders could not be used. They were left exactly as they are.",
            )
            .color(ui.visuals().warn_fg_color),
        );
        ui.add_space(4.0);
        egui::ScrollArea::both()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                egui::Grid::new("problems")
                    .num_columns(2)
                    .striped(true)
                    .spacing([10.0, 4.0])
                    .show(ui, |ui| {
                        for problem in &self.problems {
                            ui.add(
                                egui::Label::new(
                                    RichText::new(problem.path.display().to_string()).monospace(),
                                )
                                .selectable(true),
                            );
                            ui.add(egui::Label::new(&problem.message).selectable(true));
                            ui.end_row();
                        }
                    });
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

/// Usage against the quota: green, yellow at the warning threshold, red when over.
fn quota_bar(ui: &mut Ui, quota: &QuotaState) {
    let fraction = (quota.percent() / 100.0) as f32;
    thin_bar(ui, 6.0, fraction, quota_color(quota.level)).on_hover_text(format!(
        "Warning at {}%; {}",
        quota.warn_percent,
        if quota.auto_clean {
            "the scheduled cleanup deletes the oldest finished workspaces when over"
        } else {
            "auto-clean is off: over quota only warns"
        }
    ));
    let mut text = format!(
        "{} of {} quota ({:.0}%)",
        text::bytes(quota.used_bytes),
        text::bytes(quota.limit_bytes),
        quota.percent()
    );
    if quota.not_sized > 0 {
        text.push_str(", sizing…");
    }
    ui.label(RichText::new(text).small().color(quota_color(quota.level)));
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
