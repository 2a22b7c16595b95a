//! The Orphans tab: workspace folders no task record points at, and legacy checkouts.

use super::app::{JanitorApp, count};
use super::model::{OrphanRow, relative_time};
use crate::executor::human;
use crate::git::GitStatus;
use crate::store::paths;
use egui::{RichText, Ui};

impl JanitorApp {
    pub(super) fn orphans_view(&mut self, ui: &mut Ui) {
        let orphan_count = self.orphans.iter().filter(|o| !o.legacy).count();
        ui.label(format!(
            "Folders under {}/<environment>/{}/ that no task record, active or archived, points at.",
            paths::MANAGED_REPOS,
            paths::TASKS_DIR
        ));
        ui.label(
            RichText::new(
                "Left behind by interrupted tasks or deleted records. Ones changed in the last hour are kept: Agents-Runner may still be creating them.",
            )
            .weak(),
        );
        ui.add_space(4.0);
        let idle = self.running.is_none();
        ui.horizontal(|ui| {
            let selected = self.orphans_selected.len();
            let label = if selected == 0 {
                "Delete selected…".to_owned()
            } else {
                format!("Delete {}…", count(selected, "selected folder"))
            };
            if ui
                .add_enabled(idle && selected > 0, egui::Button::new(label))
                .on_hover_text("Plan, confirm, then delete the ticked folders")
                .clicked()
            {
                self.delete_orphans(false);
            }
            if ui
                .add_enabled(idle && orphan_count > 0, egui::Button::new("Delete all…"))
                .on_hover_text("Plan, confirm, then delete every orphan folder")
                .clicked()
            {
                self.delete_orphans(true);
            }
        });
        ui.add_space(4.0);
        let now = self.clock.now();
        let mut open = None;
        egui::ScrollArea::both()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                if orphan_count == 0 {
                    ui.label(RichText::new("No orphan folders.").weak());
                } else {
                    egui::Grid::new("orphans")
                        .num_columns(6)
                        .striped(true)
                        .spacing([12.0, 4.0])
                        .show(ui, |ui| {
                            for heading in ["", "Environment", "Folder", "Size", "Changed", "Git"] {
                                ui.label(RichText::new(heading).strong());
                            }
                            ui.end_row();
                            for orphan in self.orphans.iter().filter(|o| !o.legacy) {
                                let mut ticked = self.orphans_selected.contains(&orphan.path);
                                if ui.checkbox(&mut ticked, "").changed() {
                                    if ticked {
                                        self.orphans_selected.insert(orphan.path.clone());
                                    } else {
                                        self.orphans_selected.remove(&orphan.path);
                                    }
                                }
                                ui.label(&orphan.env_folder);
                                if ui
                                    .link(RichText::new(&orphan.name).monospace())
                                    .on_hover_text(format!(
                                        "Open {} in the file manager",
                                        orphan.path.display()
                                    ))
                                    .clicked()
                                {
                                    open = Some(orphan.path.clone());
                                }
                                size_and_age(ui, orphan, now);
                                ui.label(git_text(orphan.git.as_ref()));
                                ui.end_row();
                            }
                        });
                }
                let legacy: Vec<_> = self.orphans.iter().filter(|o| o.legacy).collect();
                if legacy.is_empty() {
                    return;
                }
                ui.add_space(14.0);
                ui.label(RichText::new("Legacy checkouts").strong());
                ui.label(
                    RichText::new(
                        "Checkouts directly in an environment's folder, from older Agents-Runner versions. Shown for their size; the janitor never deletes them.",
                    )
                    .weak(),
                );
                egui::Grid::new("legacy-checkouts")
                    .num_columns(3)
                    .striped(true)
                    .spacing([12.0, 4.0])
                    .show(ui, |ui| {
                        for checkout in legacy {
                            if ui
                                .link(RichText::new(checkout.path.display().to_string()).monospace())
                                .on_hover_text("Open in the file manager")
                                .clicked()
                            {
                                open = Some(checkout.path.clone());
                            }
                            size_and_age(ui, checkout, now);
                            ui.end_row();
                        }
                    });
            });
        if let Some(folder) = open {
            self.open_in_file_manager(folder);
        }
    }
}

fn size_and_age(ui: &mut Ui, row: &OrphanRow, now: std::time::SystemTime) {
    match (row.is_dir, row.size) {
        (false, _) => {
            ui.label(RichText::new("not a folder").weak())
                .on_hover_text("A file or symlink where a folder was expected: left alone");
        }
        (true, Some(bytes)) => {
            ui.horizontal(|ui| {
                ui.label(human(bytes));
                super::ui::mount_marker(ui, &row.mount_points);
            });
        }
        (true, None) => {
            ui.spinner();
        }
    }
    ui.label(
        row.changed
            .map(|t| relative_time(t, now))
            .unwrap_or_default(),
    );
}

fn git_text(git: Option<&GitStatus>) -> String {
    match git {
        None => String::new(),
        Some(status) => status.describe(),
    }
}
