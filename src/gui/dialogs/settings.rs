//! The Settings dialog: edits the janitor's settings file. Values are typed as text
//! and checked with the same parsers the file is read with; nothing is saved while
//! any field is invalid, and each error shows next to its field.

use crate::config::{self, Config, format_interval, format_size};
use crate::gui::app::JanitorApp;
use crate::policy::{DEFAULT_WARN_PERCENT, DeleteMode, Quota};
use egui::{RichText, Ui};
use std::collections::BTreeMap;

/// One quota row as typed.
#[derive(Debug, Clone, PartialEq)]
pub struct QuotaDraft {
    pub env_id: String,
    pub limit: String,
    pub warn_percent: String,
    pub auto_clean: bool,
}

/// The dialog's fields, as typed.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingsDraft {
    pub keep_on_error: bool,
    pub archive_cleans_done: bool,
    pub allow_unsaved_delete: bool,
    pub delete_mode: DeleteMode,
    pub sweep_age: String,
    pub schedule: String,
    pub quotas: Vec<QuotaDraft>,
    /// The environment the "Add quota" button adds.
    pub new_quota_env: String,
    /// Why the last Save did not happen (a write error), if it did not.
    pub save_error: Option<String>,
}

/// The fields that are invalid, each with its reason.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct DraftErrors {
    pub sweep_age: Option<String>,
    pub schedule: Option<String>,
    /// By quota row.
    pub quotas: BTreeMap<usize, String>,
}

impl SettingsDraft {
    pub fn from_config(config: &Config) -> Self {
        Self {
            keep_on_error: config.keep_on_error,
            archive_cleans_done: config.archive_cleans_done,
            allow_unsaved_delete: config.allow_unsaved_delete,
            delete_mode: config.delete_mode,
            sweep_age: format!("{}h", config.sweep_age_hours),
            schedule: format_interval(config.schedule),
            quotas: config
                .quotas
                .iter()
                .map(|(env_id, quota)| QuotaDraft {
                    env_id: env_id.clone(),
                    limit: format_size(quota.limit_bytes),
                    warn_percent: quota.warn_percent.to_string(),
                    auto_clean: quota.auto_clean,
                })
                .collect(),
            new_quota_env: String::new(),
            save_error: None,
        }
    }

    /// The settings the fields describe, or every field that is wrong.
    pub fn to_config(&self) -> Result<Config, DraftErrors> {
        let mut errors = DraftErrors::default();
        let sweep_age_hours = config::parse_sweep_age(&self.sweep_age)
            .map_err(|reason| errors.sweep_age = Some(reason))
            .unwrap_or_default();
        let schedule = config::parse_interval(&self.schedule)
            .map_err(|reason| errors.schedule = Some(reason))
            .unwrap_or_default();
        let mut quotas = BTreeMap::new();
        for (row, draft) in self.quotas.iter().enumerate() {
            let env_id = draft.env_id.trim();
            if quotas.contains_key(env_id) {
                errors
                    .quotas
                    .insert(row, "this environment already has a quota above".into());
                continue;
            }
            match quota_from_draft(draft) {
                Ok(quota) => {
                    quotas.insert(env_id.to_owned(), quota);
                }
                Err(reason) => {
                    errors.quotas.insert(row, reason);
                }
            }
        }
        if errors != DraftErrors::default() {
            return Err(errors);
        }
        Ok(Config {
            keep_on_error: self.keep_on_error,
            archive_cleans_done: self.archive_cleans_done,
            sweep_age_hours,
            allow_unsaved_delete: self.allow_unsaved_delete,
            delete_mode: self.delete_mode,
            schedule,
            quotas,
        })
    }
}

fn quota_from_draft(draft: &QuotaDraft) -> Result<Quota, String> {
    if draft.env_id.trim().is_empty() {
        return Err("choose an environment".into());
    }
    let limit_bytes =
        config::parse_size(&draft.limit).map_err(|reason| format!("limit: {reason}"))?;
    let warn_percent = match draft.warn_percent.trim().parse::<u8>() {
        Ok(percent) if (1..=100).contains(&percent) => percent,
        _ => return Err("warning: give a whole percentage from 1 to 100".into()),
    };
    Ok(Quota {
        limit_bytes,
        warn_percent,
        auto_clean: draft.auto_clean,
    })
}

/// What the user did in the dialog this frame.
pub(super) enum SettingsAnswer {
    Keep,
    Cancel,
    Save(Config),
}

impl JanitorApp {
    /// The body of the Settings dialog; `known_envs` (cloned environments: id, name)
    /// fill the quota environment list.
    pub(super) fn settings_body(
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
            ui.label(
                RichText::new("The disk space is freed only when the trash is emptied.").weak(),
            );
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
        egui::Grid::new("quota-drafts")
            .num_columns(5)
            .spacing([8.0, 4.0])
            .show(ui, |ui| {
                if !draft.quotas.is_empty() {
                    for heading in ["Environment", "Limit", "Warn at %", "Auto-clean", ""] {
                        ui.label(RichText::new(heading).weak());
                    }
                    ui.end_row();
                }
                for (row, quota) in draft.quotas.iter_mut().enumerate() {
                    let name = known_envs
                        .iter()
                        .find(|(id, _)| *id == quota.env_id)
                        .map_or(quota.env_id.as_str(), |(_, name)| name.as_str());
                    ui.label(name).on_hover_text(&quota.env_id);
                    ui.add_sized([96.0, 20.0], egui::TextEdit::singleline(&mut quota.limit))
                        .on_hover_text("20 GB, 500 MB, 1.5 TiB");
                    ui.add_sized([44.0, 20.0], egui::TextEdit::singleline(&mut quota.warn_percent));
                    ui.checkbox(&mut quota.auto_clean, "")
                        .on_hover_text("Over quota, the scheduled cleanup deletes the oldest finished workspaces until it is under");
                    if ui.button("Remove").clicked() {
                        remove = Some(row);
                    }
                    ui.end_row();
                    if let Some(error) = errors.quotas.get(&row) {
                        ui.label("");
                        ui.colored_label(error_color, error);
                        ui.end_row();
                    }
                }
            });
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
                            ui.selectable_value(
                                &mut draft.new_quota_env,
                                id.clone(),
                                name.as_str(),
                            );
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
        if let Some(error) = &draft.save_error {
            ui.colored_label(error_color, error);
        }
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
}

/// Where the settings live, and whether that file may be written.
pub struct SettingsLocation {
    pub path: Option<std::path::PathBuf>,
    /// Why the existing file cannot be used (it is never overwritten then).
    pub unusable: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> SettingsDraft {
        let mut config = Config::default();
        config.quotas.insert(
            "env-a".into(),
            Quota {
                limit_bytes: 20_000_000_000,
                warn_percent: 80,
                auto_clean: true,
            },
        );
        SettingsDraft::from_config(&config)
    }

    #[test]
    fn an_unchanged_draft_gives_back_the_same_settings() -> Result<(), String> {
        let draft = draft();
        assert_eq!(draft.quotas[0].limit, "20 GB");
        let config = draft.to_config().map_err(|e| format!("{e:?}"))?;
        assert_eq!(SettingsDraft::from_config(&config), draft);
        Ok(())
    }

    #[test]
    fn each_invalid_field_is_named_and_nothing_is_returned() {
        // (what to change, which error)
        type Edit = fn(&mut SettingsDraft);
        type Expected = fn(&DraftErrors) -> bool;
        let table: [(Edit, Expected); 7] = [
            (|d| d.sweep_age = "-3".into(), |e| e.sweep_age.is_some()),
            (|d| d.sweep_age = "0".into(), |e| e.sweep_age.is_some()),
            (
                |d| d.schedule = "every now and then".into(),
                |e| e.schedule.is_some(),
            ),
            (|d| d.schedule = "10s".into(), |e| e.schedule.is_some()),
            (
                |d| d.quotas[0].limit = "lots".into(),
                |e| e.quotas.contains_key(&0),
            ),
            (
                |d| d.quotas[0].warn_percent = "120".into(),
                |e| e.quotas.contains_key(&0),
            ),
            (
                |d| {
                    let copy = d.quotas[0].clone();
                    d.quotas.push(copy);
                },
                |e| e.quotas.contains_key(&1) && !e.quotas.contains_key(&0),
            ),
        ];
        for (index, (edit, expected)) in table.into_iter().enumerate() {
            let mut draft = draft();
            edit(&mut draft);
            let result = draft.to_config();
            assert!(
                result.as_ref().is_err_and(expected),
                "case {index}: {result:?}"
            );
        }
    }

    #[test]
    fn typed_values_are_parsed() -> Result<(), String> {
        let mut draft = draft();
        draft.sweep_age = "2d".into();
        draft.schedule = "6h".into();
        draft.delete_mode = DeleteMode::Trash;
        draft.quotas[0].limit = "1.5 GiB".into();
        let config = draft.to_config().map_err(|e| format!("{e:?}"))?;
        assert_eq!(config.sweep_age_hours, 48.0);
        assert_eq!(
            config.schedule,
            Some(std::time::Duration::from_secs(6 * 3600))
        );
        assert_eq!(config.delete_mode, DeleteMode::Trash);
        assert_eq!(config.quotas["env-a"].limit_bytes, 1_610_612_736);
        draft.schedule = "off".into();
        assert_eq!(draft.to_config().map(|c| c.schedule), Ok(None));
        Ok(())
    }
}
