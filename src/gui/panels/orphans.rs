//! The Orphans tab: workspace folders no task record points at (orphans, backups
//! Agents-Runner moved aside, folders of deleted environments), and legacy checkouts.

use crate::git::GitStatus;
use crate::gui::app::{Intent, JanitorApp};
use crate::gui::model::{OrphanRow, OrphanRowKind};
use crate::store::paths;
use crate::text;
use egui::{RichText, Ui};

/// The Orphans tab.
pub(crate) fn show(ui: &mut Ui, app: &JanitorApp, intents: &mut Vec<Intent>) {
    let folder_count = app.orphans().iter().filter(|o| o.kind.deletable()).count();
    let orphan_count = app
        .orphans()
        .iter()
        .filter(|o| o.kind == OrphanRowKind::Orphan)
        .count();
    ui.add(
        egui::Label::new(format!(
            "Folders under {}/<environment>/{}/ that no task record, active or archived, points at.",
            paths::MANAGED_REPOS,
            paths::TASKS_DIR
        ))
        .wrap(),
    );
    ui.add(
        egui::Label::new(
            RichText::new(
                "Left behind by interrupted tasks or deleted records. Ones changed in the last hour are kept: Agents-Runner may still be creating them. Backups Agents-Runner moved aside and folders of deleted environments are deleted only when ticked.",
            )
            .weak(),
        )
        .wrap(),
    );
    ui.add_space(4.0);
    let idle = app.running().is_none();
    ui.horizontal(|ui| {
        let selected = app.orphans_ticked().len();
        let label = if selected == 0 {
            "Delete selected…".to_owned()
        } else {
            format!("Delete {}…", text::count(selected, "selected folder"))
        };
        if ui
            .add_enabled(idle && selected > 0, egui::Button::new(label))
            .on_hover_text("Plan, confirm, then delete the ticked folders")
            .clicked()
        {
            intents.push(Intent::DeleteOrphans { all: false });
        }
        if ui
            .add_enabled(
                idle && orphan_count > 0,
                egui::Button::new("Delete all orphans…"),
            )
            .on_hover_text("Plan, confirm, then delete every orphan folder (not backups or deleted environments' folders: tick those)")
            .clicked()
        {
            intents.push(Intent::DeleteOrphans { all: true });
        }
    });
    ui.add_space(4.0);
    let now = app.now();
    let mut open = None;
    // The tables scroll sideways in a narrow window; the text wraps at what is seen.
    let visible_width = ui.available_width();
    egui::ScrollArea::both()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            if app.archived_records_pending() {
                ui.label(
                    RichText::new("Reading archived task records: which folders are orphans is known once every record is read.")
                        .weak(),
                );
            } else if folder_count == 0 {
                ui.label(RichText::new("No orphan folders.").weak());
            } else {
                egui::Grid::new("orphans")
                    .num_columns(7)
                    .striped(true)
                    .spacing([12.0, 4.0])
                    .show(ui, |ui| {
                        for heading in
                            ["", "Environment", "Folder", "Kind", "Size", "Changed", "Git"]
                        {
                            ui.label(RichText::new(heading).strong());
                        }
                        ui.end_row();
                        for orphan in app.orphans().iter().filter(|o| o.kind.deletable()) {
                            let mut ticked = app.orphans_ticked().contains(&orphan.path);
                            if ui.checkbox(&mut ticked, "").changed() {
                                intents.push(Intent::TickOrphan(orphan.path.clone(), ticked));
                            }
                            ui.label(app.env_name(&orphan.env_folder))
                                .on_hover_text(&orphan.env_folder);
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
                            kind_label(ui, &orphan.kind);
                            size_and_age(ui, orphan, now);
                            ui.label(git_text(orphan.git.as_ref()));
                            ui.end_row();
                        }
                    });
            }
            let legacy: Vec<_> = app
                .orphans()
                .iter()
                .filter(|o| o.kind == OrphanRowKind::LegacyCheckout)
                .collect();
            if legacy.is_empty() {
                return;
            }
            ui.add_space(14.0);
            ui.label(RichText::new("Legacy checkouts").strong());
            ui.scope(|ui| {
                ui.set_max_width(visible_width);
                ui.add(
                    egui::Label::new(
                        RichText::new(
                            "Checkouts directly in an environment's folder, from older Agents-Runner versions. Shown for their size; the janitor never deletes them.",
                        )
                        .weak(),
                    )
                    .wrap(),
                );
            });
            egui::Grid::new("legacy-checkouts")
                .num_columns(4)
                .striped(true)
                .spacing([12.0, 4.0])
                .show(ui, |ui| {
                    for heading in ["Environment", "Folder", "Size", "Changed"] {
                        ui.label(RichText::new(heading).strong());
                    }
                    ui.end_row();
                    for checkout in legacy {
                        ui.label(app.env_name(&checkout.env_folder))
                            .on_hover_text(&checkout.env_folder);
                        let shown = format!("{}/{}", paths::MANAGED_REPOS, checkout.env_folder);
                        if ui
                            .link(RichText::new(shown).monospace())
                            .on_hover_text(format!(
                                "Open {} in the file manager",
                                checkout.path.display()
                            ))
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
        intents.push(Intent::OpenInFileManager(folder));
    }
}

/// The Kind column, with why a backup or a deleted environment's folder is special.
fn kind_label(ui: &mut Ui, kind: &OrphanRowKind) {
    let why = match kind {
        OrphanRowKind::Orphan => "A task folder no task record points at",
        OrphanRowKind::Backup { .. } => {
            "Agents-Runner moved this folder aside (it held the wrong repo, or none) and never deletes it; deleted only when ticked"
        }
        OrphanRowKind::DeletedEnvironment => {
            "Its environment is no longer in environments.json; deleted only when ticked (git checks apply)"
        }
        OrphanRowKind::LegacyCheckout => "A checkout from an older Agents-Runner: never deleted",
    };
    let text = RichText::new(kind.label());
    let text = if *kind == OrphanRowKind::Orphan {
        text
    } else {
        text.color(ui.visuals().warn_fg_color)
    };
    ui.label(text).on_hover_text(why);
}

fn size_and_age(ui: &mut Ui, row: &OrphanRow, now: std::time::SystemTime) {
    match (row.is_dir, row.size) {
        (false, _) => {
            ui.label(RichText::new("not a folder").weak())
                .on_hover_text("A file or symlink where a folder was expected: left alone");
        }
        (true, Some(bytes)) => {
            ui.horizontal(|ui| {
                ui.label(text::bytes(bytes));
                crate::gui::widgets::mount_marker(ui, &row.mount_points);
            });
        }
        (true, None) => {
            ui.spinner();
        }
    }
    ui.label(
        row.changed
            .map(|t| text::relative_time(t, now))
            .unwrap_or_default(),
    );
}

fn git_text(git: Option<&GitStatus>) -> String {
    match git {
        None => String::new(),
        Some(status) => status.describe(),
    }
}
