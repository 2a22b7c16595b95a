//! The Settings dialog's form: the cleanup policy, the delete mode, the schedule and
//! the quotas, each field with its error beside it.

use super::settings_draft::{QuotaDraft, SettingsDraft};
use crate::config::Config;
use crate::gui::model::EnvSummary;
use crate::gui::widgets::fixed_width;
use crate::policy::{DEFAULT_WARN_PERCENT, DeleteMode};
use crate::store::WorkspaceType;
use egui::{RichText, Ui};
use std::path::PathBuf;

/// What the user did in the dialog this frame.
pub(super) enum SettingsAnswer {
    Keep,
    Cancel,
    Save(Config),
}

/// Where the settings live, and whether that file may be written.
pub(crate) struct SettingsLocation {
    /// The settings file (`None`: no home folder, nothing can be saved).
    pub(crate) path: Option<PathBuf>,
    /// Why the existing file cannot be used (it is never overwritten then).
    pub(crate) unusable: Option<String>,
}

/// The widths of the quota editor's columns: environment, limit, warning, auto-clean.
const QUOTA_COLUMNS: [f32; 4] = [150.0, 108.0, 72.0, 80.0];

/// The environments a quota can be set for (cloned ones: id, name).
pub(super) fn known_environments(environments: &[EnvSummary]) -> Vec<(String, String)> {
    environments
        .iter()
        .filter(|env| env.workspace_type == WorkspaceType::Cloned.label())
        .filter_map(|env| Some((env.env_id.clone()?, env.name.clone())))
        .collect()
}

/// The body of the Settings dialog; `known_envs` (cloned environments: id, name)
/// fill the quota environment list.
pub(super) fn body(
    ui: &mut Ui,
    draft: &mut SettingsDraft,
    location: &SettingsLocation,
    known_envs: &[(String, String)],
    escape: bool,
) -> SettingsAnswer {
    ui.heading("Settings");
    match &location.path {
        Some(path) => ui.label(
            RichText::new(format!("Saved in {}", path.display()))
                .monospace()
                .weak(),
        ),
        None => ui.colored_label(
            ui.visuals().error_fg_color,
            "There is no config folder (no home folder), so settings cannot be saved.",
        ),
    };
    if let Some(warning) = &location.unusable {
        ui.colored_label(
            ui.visuals().error_fg_color,
            format!("{warning}. The file is left as it is and the defaults are in use; fix or remove it to save settings."),
        );
    }
    let errors = draft.to_config().err().unwrap_or_default();
    let error_color = ui.visuals().error_fg_color;
    let field_error = |ui: &mut Ui, error: &Option<String>| {
        if let Some(error) = error {
            ui.colored_label(error_color, error);
        }
    };
    ui.add_space(6.0);
    ui.label(RichText::new("Cleanup policy").strong());
    ui.checkbox(
        &mut draft.keep_on_error,
        "Keep the workspaces of failed tasks for debugging (keep_on_error)",
    );
    ui.checkbox(
        &mut draft.archive_cleans_done,
        "Archiving deletes the workspaces of tasks that ended well",
    );
    ui.checkbox(
        &mut draft.allow_unsaved_delete,
        "Delete workspaces with uncommitted or unpushed work without asking",
    );
    ui.checkbox(
        &mut draft.delete_merged_unsaved,
        "The schedule (and archive, sweep on the command line) deletes unsaved work once it is merged",
    );
    ui.checkbox(
        &mut draft.archive_slims_failed,
        "Archiving slims the failed tasks' workspaces it keeps (deletes only what git ignores)",
    );
    ui.horizontal(|ui| {
        ui.label("Sweep workspaces untouched for");
        ui.add_sized(
            [80.0, 20.0],
            egui::TextEdit::singleline(&mut draft.sweep_age),
        )
        .on_hover_text("24h, 36h, 2d, 1w; a bare number means hours");
    });
    field_error(ui, &errors.sweep_age);
    ui.add_space(6.0);
    ui.label(RichText::new("Deleting").strong());
    ui.horizontal(|ui| {
        ui.radio_value(&mut draft.delete_mode, DeleteMode::Delete, "Delete at once");
        ui.radio_value(
            &mut draft.delete_mode,
            DeleteMode::Trash,
            "Move to the trash",
        );
    });
    if draft.delete_mode == DeleteMode::Trash {
        ui.label(RichText::new("The disk space is freed only when the trash is emptied.").weak());
    }
    ui.add_space(6.0);
    ui.label(RichText::new("Scheduled cleanup").strong());
    ui.horizontal(|ui| {
        ui.label("While the window is open, clean up every");
        ui.add_sized(
            [80.0, 20.0],
            egui::TextEdit::singleline(&mut draft.schedule),
        )
        .on_hover_text("6h, 90m, 1d, or off");
    });
    field_error(ui, &errors.schedule);
    ui.label(
        RichText::new(
            "Archives finished tasks, sweeps old workspaces and applies auto-clean quotas; never touches running tasks. The first run is one interval after the window opens.",
        )
        .weak(),
    );
    ui.add_space(6.0);
    ui.label(RichText::new("Disk quotas per environment").strong());
    let mut remove = None;
    // Fixed columns, and each error on a line of its own under its field: typing
    // never moves a field, however long the error.
    if !draft.quotas.is_empty() {
        ui.horizontal(|ui| {
            for (heading, width) in ["Environment", "Limit", "Warn at %", "Auto-clean"]
                .into_iter()
                .zip(QUOTA_COLUMNS)
            {
                fixed_width(ui, width, |ui| {
                    ui.label(RichText::new(heading).weak());
                });
            }
        });
    }
    for (row, quota) in draft.quotas.iter_mut().enumerate() {
        let name = known_envs
            .iter()
            .find(|(id, _)| *id == quota.env_id)
            .map_or(quota.env_id.as_str(), |(_, name)| name.as_str());
        let [env_width, limit_width, warn_width, auto_width] = QUOTA_COLUMNS;
        ui.horizontal(|ui| {
            fixed_width(ui, env_width, |ui| {
                ui.add(egui::Label::new(name).truncate())
                    .on_hover_text(&quota.env_id);
            });
            fixed_width(ui, limit_width, |ui| {
                ui.add_sized(
                    [limit_width - 12.0, 20.0],
                    egui::TextEdit::singleline(&mut quota.limit),
                )
                .on_hover_text("20 GB, 500 MB, 1.5 TiB");
            });
            fixed_width(ui, warn_width, |ui| {
                ui.add_sized(
                    [warn_width - 12.0, 20.0],
                    egui::TextEdit::singleline(&mut quota.warn_percent),
                );
            });
            fixed_width(ui, auto_width, |ui| {
                ui.checkbox(&mut quota.auto_clean, "")
                    .on_hover_text("Over quota, the scheduled cleanup deletes the oldest finished workspaces until it is under");
            });
            if ui.button("Remove").clicked() {
                remove = Some(row);
            }
        });
        if let Some(row_errors) = errors.quotas.get(&row) {
            let under = [
                (0.0, &row_errors.env),
                (env_width, &row_errors.limit),
                (env_width + limit_width, &row_errors.warn),
            ];
            for (indent, error) in under {
                if let Some(error) = error {
                    ui.horizontal(|ui| {
                        ui.add_space(indent);
                        ui.colored_label(error_color, error);
                    });
                }
            }
        }
    }
    if let Some(row) = remove {
        draft.quotas.remove(row);
    }
    let free: Vec<&(String, String)> = known_envs
        .iter()
        .filter(|(id, _)| !draft.quotas.iter().any(|q| q.env_id == *id))
        .collect();
    if let Some(first) = free.first() {
        ui.horizontal(|ui| {
            let chosen = free.iter().find(|(id, _)| *id == draft.new_quota_env);
            let shown = match chosen {
                Some((_, name)) => name.clone(),
                None => {
                    draft.new_quota_env = first.0.clone();
                    first.1.clone()
                }
            };
            egui::ComboBox::from_id_salt("new-quota-env")
                .selected_text(shown)
                .show_ui(ui, |ui| {
                    for (id, name) in &free {
                        ui.selectable_value(&mut draft.new_quota_env, id.clone(), name.as_str());
                    }
                });
            if ui.button("Add quota").clicked() {
                draft.quotas.push(QuotaDraft {
                    env_id: draft.new_quota_env.clone(),
                    limit: "20 GB".into(),
                    warn_percent: DEFAULT_WARN_PERCENT.to_string(),
                    auto_clean: false,
                });
            }
        });
    }
    ui.add_space(6.0);
    super::settings_reclaim::form(ui, &mut draft.reclaim, errors.reclaim.as_deref());
    ui.add_space(8.0);
    let mut answer = SettingsAnswer::Keep;
    ui.horizontal(|ui| {
        if ui.button("Cancel").clicked() || escape {
            answer = SettingsAnswer::Cancel;
        }
        let valid = draft.to_config();
        let can_save = valid.is_ok() && location.path.is_some() && location.unusable.is_none();
        if ui
            .add_enabled(can_save, egui::Button::new("Save"))
            .clicked()
            && let Ok(config) = valid
        {
            answer = SettingsAnswer::Save(config);
        }
    });
    answer
}
