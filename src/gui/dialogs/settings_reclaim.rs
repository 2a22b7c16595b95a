//! The reclaim part of the Settings dialog: never / ask / on schedule for each kind of
//! Agents-Runner's footprint, the schedule's age and the archived records' log trim,
//! as typed and checked with the settings file's own parsers.

use crate::config::{format_age, parse_age_hours};
use crate::policy::reclaim::{KindSetting, ReclaimSettings};
use crate::store::footprint::FootprintKind;
use egui::{RichText, Ui};
use std::collections::BTreeMap;

/// The most lines a trim keeps, as the settings file allows.
const MAX_KEEP: usize = 100_000;

/// The reclaim settings as typed.
#[derive(Debug, Clone, PartialEq)]
pub struct ReclaimDraft {
    /// Each kind that may be reclaimed, with its setting.
    pub kinds: BTreeMap<FootprintKind, KindSetting>,
    /// What the schedule takes must be older than this ("7d").
    pub schedule_age: String,
    /// Archived records' logs are trimmed after this age, or "off".
    pub trim_logs_after: String,
    /// Lines a trimmed log keeps.
    pub trim_logs_keep: String,
}

impl ReclaimDraft {
    /// The fields showing `settings`.
    pub fn from_settings(settings: &ReclaimSettings) -> Self {
        Self {
            kinds: FootprintKind::ALL
                .into_iter()
                .filter(|kind| kind.is_reclaimable())
                .map(|kind| (kind, settings.setting(kind)))
                .collect(),
            schedule_age: format_age(settings.schedule_age_hours),
            trim_logs_after: settings
                .trim_logs_after_hours
                .map_or_else(|| "off".to_owned(), format_age),
            trim_logs_keep: settings.trim_logs_keep.to_string(),
        }
    }

    /// The settings the fields describe, or what is wrong with the first bad field.
    pub fn to_settings(&self) -> Result<ReclaimSettings, String> {
        let age = |text: &str, what: &str| {
            parse_age_hours(text)
                .ok()
                .filter(|hours| *hours > 0.0)
                .ok_or_else(|| format!("{what}: give an age such as 7d, 36h or 2w"))
        };
        let schedule_age_hours = age(&self.schedule_age, "the schedule's age")?;
        let after = self.trim_logs_after.trim();
        let trim_logs_after_hours = if after.eq_ignore_ascii_case("off") || after.is_empty() {
            None
        } else {
            Some(age(after, "trim logs after")?)
        };
        let trim_logs_keep = self
            .trim_logs_keep
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|lines| *lines <= MAX_KEEP)
            .ok_or_else(|| format!("lines kept: give a number from 0 to {MAX_KEEP}"))?;
        Ok(ReclaimSettings {
            kinds: self
                .kinds
                .iter()
                .filter(|(kind, setting)| ReclaimSettings::default_setting(**kind) != **setting)
                .map(|(kind, setting)| (*kind, *setting))
                .collect(),
            schedule_age_hours,
            trim_logs_after_hours,
            trim_logs_keep,
        })
    }
}

/// The form, with `error` (the first bad field) under it.
pub(super) fn form(ui: &mut Ui, draft: &mut ReclaimDraft, error: Option<&str>) {
    egui::CollapsingHeader::new(RichText::new("Reclaiming the rest of Agents-Runner's footprint").strong())
        .id_salt("settings-reclaim")
        .show(ui, |ui| {
            ui.label(
                RichText::new(
                    "Never: not even when asked. Ask: when you reclaim it. Schedule: the scheduled cleanup (and the systemd service) takes it by itself.",
                )
                .weak(),
            );
            egui::Grid::new("reclaim-settings")
                .num_columns(2)
                .spacing([8.0, 2.0])
                .show(ui, |ui| {
                    for (kind, setting) in draft.kinds.iter_mut() {
                        ui.label(kind.label());
                        egui::ComboBox::from_id_salt(("reclaim-kind", kind.name()))
                            .selected_text(setting.as_str())
                            .show_ui(ui, |ui| {
                                for choice in KindSetting::ALL {
                                    ui.selectable_value(setting, choice, choice.as_str());
                                }
                            });
                        ui.end_row();
                    }
                });
            ui.horizontal(|ui| {
                ui.label("The schedule takes only what is older than");
                ui.add_sized(
                    [70.0, 20.0],
                    egui::TextEdit::singleline(&mut draft.schedule_age),
                )
                .on_hover_text("7d, 36h, 2w");
            });
            ui.horizontal(|ui| {
                ui.label("Trim archived records' logs after");
                ui.add_sized(
                    [70.0, 20.0],
                    egui::TextEdit::singleline(&mut draft.trim_logs_after),
                )
                .on_hover_text("30d, or off");
                ui.label("to their last");
                ui.add_sized(
                    [60.0, 20.0],
                    egui::TextEdit::singleline(&mut draft.trim_logs_keep),
                );
                ui.label("lines");
            });
            if let Some(error) = error {
                ui.colored_label(ui.visuals().error_fg_color, error);
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_draft_reads_back_what_it_shows_and_names_a_bad_field() -> Result<(), String> {
        let mut settings = ReclaimSettings::default();
        settings
            .kinds
            .insert(FootprintKind::Artifacts, KindSetting::Schedule);
        settings.trim_logs_after_hours = Some(720.0);
        let draft = ReclaimDraft::from_settings(&settings);
        assert_eq!(draft.trim_logs_after, "30d");
        assert!(!draft.kinds.contains_key(&FootprintKind::Prompts));
        assert_eq!(draft.to_settings()?, settings);
        let cases = [
            ("schedule_age", "soon", "the schedule's age"),
            ("schedule_age", "0h", "the schedule's age"),
            ("trim_logs_after", "-3d", "trim logs after"),
            ("trim_logs_keep", "100001", "lines kept"),
            ("trim_logs_keep", "many", "lines kept"),
        ];
        for (field, text, named) in cases {
            let mut bad = draft.clone();
            match field {
                "schedule_age" => bad.schedule_age = text.into(),
                "trim_logs_after" => bad.trim_logs_after = text.into(),
                _ => bad.trim_logs_keep = text.into(),
            }
            let error = bad.to_settings().err().unwrap_or_default();
            assert!(error.contains(named), "{field} = {text}: {error:?}");
        }
        let mut off = draft;
        off.trim_logs_after = "OFF".into();
        off.kinds
            .insert(FootprintKind::CrashLeftovers, KindSetting::Never);
        let read = off.to_settings()?;
        assert_eq!(read.trim_logs_after_hours, None);
        assert_eq!(
            read.setting(FootprintKind::CrashLeftovers),
            KindSetting::Never
        );
        Ok(())
    }
}
