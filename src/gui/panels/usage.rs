//! The Usage tab: the whole footprint as one picture, bytes per environment and the
//! biggest workspaces.

use crate::gui::app::{Intent, JanitorApp};
use crate::gui::style::{palette_color, status_badge};
use crate::gui::widgets::{fixed_width, share_text};
use crate::text;
use egui::{RichText, Sense, Ui, vec2};

/// The Usage tab.
pub(crate) fn show(ui: &mut Ui, app: &JanitorApp, intents: &mut Vec<Intent>) {
    let mut focus = None;
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            super::footprint::show(ui, app, intents);
            ui.add_space(14.0);
            ui.label(RichText::new("Bytes per environment").strong());
            ui.add_space(4.0);
            let max = app
                .environments()
                .iter()
                .skip(1)
                .map(|e| e.bytes)
                .max()
                .unwrap_or(0)
                .max(1);
            let name_width = 180.0;
            let bar_width = (ui.available_width() - name_width - 120.0).clamp(120.0, 560.0);
            for env in app.environments().iter().skip(1) {
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
                    response.on_hover_text(format!(
                        "{} of all workspaces",
                        share_text(env.bytes, app.total_bytes())
                    ));
                    if env.managed {
                        ui.label(format!(
                            "{}  ({})",
                            text::bytes(env.bytes),
                            share_text(env.bytes, app.total_bytes())
                        ));
                    } else {
                        ui.label(RichText::new("not managed").weak());
                    }
                });
            }
            ui.add_space(14.0);
            ui.label(RichText::new("Biggest workspaces").strong());
            ui.add_space(4.0);
            if app.largest().is_empty() {
                ui.label(RichText::new("No workspace sized yet.").weak());
            }
            for (rank, &index) in app.largest().iter().enumerate() {
                let row = &app.rows()[index];
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
                    fixed_width(ui, 84.0, |ui| status_badge(ui, row));
                    fixed_width(ui, 110.0, |ui| {
                        ui.label(RichText::new(&row.env_name).weak());
                    });
                    ui.add(egui::Label::new(&row.prompt_line).truncate());
                });
            }
        });
    if let Some(task_id) = focus {
        intents.push(Intent::ShowTask(task_id));
    }
}
