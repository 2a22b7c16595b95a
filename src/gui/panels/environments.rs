//! The environments side panel: bytes and quota per environment; a click filters the table.

use crate::gui::app::{Intent, JanitorApp};
use crate::gui::style::{palette_color, quota_color};
use crate::gui::widgets::{share_text, thin_bar};
use crate::policy::QuotaState;
use crate::text;
use egui::{Align, Layout, RichText, Sense, Ui, vec2};

/// The environments side panel.
pub(crate) fn show(ui: &mut Ui, app: &JanitorApp, intents: &mut Vec<Intent>) {
    ui.add_space(6.0);
    ui.label(RichText::new("Environments").strong());
    ui.add_space(4.0);
    let mut chosen = None;
    let total = app.total_bytes();
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for env in app.environments() {
                let selected = app.settings().env_filter == env.env_id;
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
                                if env.managed {
                                    ui.label(text::bytes(env.bytes));
                                } else {
                                    ui.label(RichText::new("not managed").weak()).on_hover_text(
                                        "The user's own folders (mounted) or none: never sized or deleted",
                                    );
                                }
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
                    let share = if env.managed && env.env_id.is_some() {
                        format!(" · {}", share_text(env.bytes, total))
                    } else {
                        String::new()
                    };
                    ui.label(
                        RichText::new(format!("{kind}{}{share}", text::count(env.tasks, "task")))
                            .weak()
                            .small(),
                    );
                });
                let quota = env
                    .env_id
                    .as_deref()
                    .and_then(|id| app.quotas().iter().find(|q| q.env_id == id));
                match quota {
                    Some(quota) => quota_bar(ui, quota),
                    None if !env.managed => {}
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
        intents.push(Intent::FilterEnvironment(env));
    }
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
