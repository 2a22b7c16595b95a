//! The Slim confirmation: each workspace with each folder git ignores and its size.

use super::Answer;
use crate::policy::SlimPlan;
use crate::text;
use egui::{RichText, Ui};

/// The dialog's body: what Slim would delete, and Cancel or the Slim button.
pub(super) fn body(ui: &mut Ui, plan: &SlimPlan, escape: bool, enter: bool) -> Answer {
    let count = plan.workspaces.len();
    ui.heading(format!("Slim {}?", text::count(count, "workspace")));
    ui.label(format!(
        "Only what git ignores is deleted (build output such as target/ or node_modules/), freeing {}. Tracked files, untracked work and .git stay; git is asked again right before.",
        text::bytes(plan.bytes_to_free)
    ));
    ui.add_space(6.0);
    egui::ScrollArea::vertical()
        .max_height(320.0)
        .auto_shrink([false, true])
        .show(ui, |ui| {
            for workspace in &plan.workspaces {
                ui.horizontal(|ui| {
                    ui.label(RichText::new(&workspace.task_id).monospace().strong());
                    ui.label(text::bytes(workspace.bytes));
                });
                for entry in &workspace.entries {
                    ui.label(
                        RichText::new(format!(
                            "{:>10}  {}",
                            text::bytes(entry.bytes),
                            entry.path.display()
                        ))
                        .monospace()
                        .small(),
                    );
                }
                ui.add_space(4.0);
            }
            if !plan.skipped.is_empty() {
                ui.add_space(6.0);
                ui.label(RichText::new(format!("Left alone ({})", plan.skipped.len())).strong());
                for skipped in &plan.skipped {
                    let text = format!("{}: {}", skipped.task_id, skipped.reason);
                    if skipped.refused {
                        ui.colored_label(ui.visuals().warn_fg_color, text);
                    } else {
                        ui.label(RichText::new(text).weak());
                    }
                }
            }
        });
    ui.add_space(8.0);
    let mut answer = Answer::Keep;
    ui.horizontal(|ui| {
        if ui
            .button("Cancel")
            .on_hover_text("Change nothing (Escape)")
            .clicked()
            || escape
        {
            answer = Answer::Close;
        }
        if count == 0 {
            ui.label("Nothing to slim.");
            return;
        }
        let label = format!("Slim {}", text::count(count, "workspace"));
        let confirm = egui::Button::new(RichText::new(label).strong())
            .fill(ui.visuals().error_fg_color.gamma_multiply(0.6));
        if ui.add(confirm).on_hover_text("Go ahead (Enter)").clicked() || enter {
            answer = Answer::ConfirmSlim;
        }
    });
    answer
}
