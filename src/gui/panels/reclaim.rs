//! The Reclaim tab: a row per kind of what Agents-Runner leaves besides workspaces
//! (size, what may go, its setting), the kinds to take ticked, the plan to confirm,
//! and the items of the kind in focus with why each stays or goes.

use crate::gui::app::{Intent, JanitorApp, ReclaimIntent, reclaim_button_label};
use crate::gui::widgets::{fixed_width, with_reason_when_disabled};
use crate::policy::reclaim::{KindSetting, Verdict};
use crate::text;
use egui::{RichText, Ui};

/// Items of the focused kind listed at most.
const ITEMS_SHOWN: usize = 200;

/// The Reclaim tab.
pub(crate) fn show(ui: &mut Ui, app: &JanitorApp, intents: &mut Vec<Intent>) {
    let reclaim = app.reclaim();
    ui.horizontal(|ui| {
        let busy = reclaim.busy() || app.running().is_some();
        if ui
            .add_enabled(!busy, egui::Button::new("Measure again"))
            .clicked()
        {
            intents.push(Intent::Reclaim(ReclaimIntent::Measure));
        }
        if reclaim.busy() {
            ui.spinner();
        }
        ui.label(
            RichText::new(
                "Items changed in the last hour, and anything of a task that may still run, always stay.",
            )
            .weak(),
        );
    });
    ui.separator();
    let Some(footprint) = reclaim.footprint() else {
        ui.label("Measuring…");
        return;
    };
    egui::ScrollArea::both()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            egui::Grid::new("reclaim-kinds")
                .striped(true)
                .spacing(egui::vec2(12.0, 4.0))
                .show(ui, |ui| {
                    for title in ["Kind", "Items", "Size", "Reclaimable", "Setting", "Where"] {
                        ui.label(RichText::new(title).strong());
                    }
                    ui.end_row();
                    for row in &footprint.rows {
                        let never = row.setting == KindSetting::Never;
                        let mut picked = reclaim.picked().contains(&row.kind);
                        let tick = ui.add_enabled(
                            !never,
                            egui::Checkbox::new(&mut picked, row.kind.label()),
                        );
                        let tick = with_reason_when_disabled(
                            tick,
                            never.then_some("set to never: change its reclaim setting to take it"),
                        );
                        if tick.changed() {
                            intents.push(Intent::Reclaim(ReclaimIntent::Pick(row.kind, picked)));
                        }
                        let count = RichText::new(text::count(row.count, "item"));
                        let count = if reclaim.focused() == Some(row.kind) {
                            count.strong()
                        } else {
                            count
                        };
                        if ui.link(count).on_hover_text("Show its items").clicked() {
                            intents.push(Intent::Reclaim(ReclaimIntent::Focus(row.kind)));
                        }
                        ui.label(text::bytes(row.bytes));
                        ui.label(text::bytes(row.reclaimable_bytes));
                        ui.label(row.setting.as_str());
                        let place = match &row.note {
                            Some(note) => RichText::new(format!("{} ({note})", row.path))
                                .color(ui.visuals().warn_fg_color),
                            None => RichText::new(&row.path).weak(),
                        };
                        ui.label(place);
                        ui.end_row();
                    }
                });
            ui.add_space(8.0);
            plan_section(ui, app, intents);
            if let Some(finished) = reclaim.last() {
                let report = &finished.report;
                let failed = report.steps.iter().filter(|s| !s.done).count();
                ui.label(format!(
                    "Last run: {} done, {failed} failed, {} freed",
                    report.steps.len() - failed,
                    text::bytes(report.freed_bytes)
                ));
            }
            if let Some(kind) = reclaim.focused() {
                ui.add_space(8.0);
                let items: Vec<_> = footprint
                    .candidates
                    .iter()
                    .filter(|c| c.kind == kind)
                    .collect();
                ui.label(
                    RichText::new(format!(
                        "{}: {}",
                        kind.label(),
                        text::count(items.len(), "item")
                    ))
                    .strong(),
                );
                if items.is_empty() {
                    ui.label(RichText::new("Nothing of this kind.").weak());
                }
                for item in items.iter().take(ITEMS_SHOWN) {
                    ui.horizontal(|ui| {
                        fixed_width(ui, 84.0, |ui| {
                            ui.label(text::bytes(item.size));
                        });
                        let verdict = match &item.verdict {
                            Verdict::Reclaimable => "may go".to_owned(),
                            other => other.reason().unwrap_or_default().to_owned(),
                        };
                        ui.add(egui::Label::new(RichText::new(&item.path).monospace()).truncate());
                        if let Some(task) = &item.task_id {
                            ui.label(format!("task {task}"));
                        }
                        ui.label(RichText::new(verdict).weak());
                    });
                }
                if items.len() > ITEMS_SHOWN {
                    ui.label(format!("… and {} more", items.len() - ITEMS_SHOWN));
                }
            }
        });
}

/// The plan button, or the plan waiting for confirmation.
fn plan_section(ui: &mut Ui, app: &JanitorApp, intents: &mut Vec<Intent>) {
    let reclaim = app.reclaim();
    let Some(plan) = reclaim.plan() else {
        let picked = reclaim.picked().len();
        let age = reclaim.older_than_hours();
        let reason = if picked == 0 {
            Some("tick the kinds to take")
        } else if app.running().is_some() {
            Some("a change is running")
        } else if age.is_err() {
            Some("the age is not one: 24h, 7d or 2w")
        } else {
            None
        };
        ui.horizontal(|ui| {
            let button = ui.add_enabled(
                reason.is_none() && !reclaim.busy(),
                egui::Button::new(format!("Plan reclaim of {}…", text::count(picked, "kind"))),
            );
            if with_reason_when_disabled(button, reason).clicked() {
                intents.push(Intent::Reclaim(ReclaimIntent::Plan));
            }
            let label = ui.label("older than");
            let mut typed = reclaim.older_than().to_owned();
            let field = ui
                .add(
                    egui::TextEdit::singleline(&mut typed)
                        .hint_text("any age")
                        .desired_width(64.0),
                )
                .labelled_by(label.id)
                .on_hover_text("Only what is older than this (24h, 7d, 2w); empty: any age");
            if field.changed() {
                intents.push(Intent::Reclaim(ReclaimIntent::OlderThan(typed)));
            }
            if let Err(problem) = &age {
                ui.colored_label(ui.visuals().error_fg_color, problem);
            }
        });
        return;
    };
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.label(
            RichText::new(format!(
                "Plan: {}, {} to free",
                text::count(plan.steps.len(), "item"),
                text::bytes(plan.bytes_to_free)
            ))
            .strong(),
        );
        for step in plan.steps.iter().take(ITEMS_SHOWN) {
            ui.horizontal(|ui| {
                fixed_width(ui, 84.0, |ui| {
                    ui.label(text::bytes(step.bytes));
                });
                ui.add(egui::Label::new(RichText::new(&step.path).monospace()).truncate());
                ui.label(RichText::new(&step.reason).weak());
            });
        }
        if plan.steps.len() > ITEMS_SHOWN {
            ui.label(format!("… and {} more", plan.steps.len() - ITEMS_SHOWN));
        }
        let refused = plan.skipped.iter().filter(|s| s.refused).count();
        if !plan.skipped.is_empty() {
            ui.label(
                RichText::new(format!(
                    "{} left alone ({refused} refused for safety); the kind's list says why",
                    text::count(plan.skipped.len(), "item")
                ))
                .weak(),
            );
        }
        for warning in &plan.warnings {
            ui.colored_label(ui.visuals().warn_fg_color, warning);
        }
        ui.horizontal(|ui| {
            let go = ui.add_enabled(
                !plan.is_empty() && app.running().is_none(),
                egui::Button::new(reclaim_button_label(plan)),
            );
            if go.clicked() {
                intents.push(Intent::Reclaim(ReclaimIntent::Confirm));
            }
            if ui.button("Cancel").clicked() {
                intents.push(Intent::Reclaim(ReclaimIntent::Dismiss));
            }
        });
    });
}
