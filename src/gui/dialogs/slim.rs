//! The Slim confirmation: each workspace with each folder git ignores and its size.

use super::{Answer, plan_parts};
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
            if !plan.left_alone.is_empty() {
                ui.label(RichText::new(format!("Kept ({})", plan.left_alone.len())).strong());
                for entry in &plan.left_alone {
                    ui.add(
                        egui::Label::new(
                            RichText::new(format!(
                                "{}: {}: {}",
                                entry.task_id,
                                entry.path.display(),
                                entry.reason
                            ))
                            .weak(),
                        )
                        .wrap(),
                    );
                }
            }
            plan_parts::left_alone(ui, &plan.skipped);
        });
    ui.add_space(8.0);
    let go = (count > 0).then(|| format!("Slim {}", text::count(count, "workspace")));
    plan_parts::cancel_or_go(
        ui,
        |_| None,
        go,
        "Nothing to slim.",
        Answer::ConfirmSlim,
        (escape, enter),
    )
}
