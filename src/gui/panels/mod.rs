//! The main window's panels, one file each. A panel only reads the app and reports
//! what the user asked for as [`Intent`]s; it changes nothing and does no I/O.

pub(crate) mod details;
pub(crate) mod environments;
mod footprint;
pub(crate) mod log;
mod orphans;
mod problems;
mod reclaim;
mod table;
pub(crate) mod toolbar;
mod usage;
pub(crate) mod welcome;
mod work_buttons;

use crate::gui::app::{Intent, JanitorApp, ScrollTo, Tab};
use egui::Ui;

/// Height of a table row (and, less a little, of a log line).
pub(crate) const ROW_HEIGHT: f32 = 22.0;

/// The search box's id: Ctrl+F gives it the keyboard.
pub(crate) const SEARCH_ID: &str = "agents-janitor-task-search";

/// The central panel: the tab strip and the tab chosen; `scroll_to` when the Tasks
/// tab should bring the focused task into view.
pub(crate) fn central(
    ui: &mut Ui,
    app: &JanitorApp,
    scroll_to: Option<ScrollTo>,
    intents: &mut Vec<Intent>,
) {
    // A tab clicked this frame is drawn at once.
    let mut tab = app.tab();
    ui.horizontal(|ui| {
        ui.selectable_value(&mut tab, Tab::Tasks, "Tasks");
        ui.selectable_value(&mut tab, Tab::Usage, "Usage");
        let orphans = format!(
            "Orphans ({})",
            app.orphans().iter().filter(|o| o.kind.deletable()).count()
        );
        ui.selectable_value(&mut tab, Tab::Orphans, orphans);
        ui.selectable_value(&mut tab, Tab::Reclaim, "Reclaim");
        let problems = format!("Problems ({})", app.problems().len());
        ui.selectable_value(&mut tab, Tab::Problems, problems);
    });
    if tab != app.tab() {
        intents.push(Intent::ShowTab(tab));
    }
    ui.separator();
    match tab {
        Tab::Tasks => table::show(ui, app, scroll_to, intents),
        Tab::Usage => usage::show(ui, app, intents),
        Tab::Orphans => orphans::show(ui, app, intents),
        Tab::Problems => problems::show(ui, app, intents),
        Tab::Reclaim => reclaim::show(ui, app, intents),
    }
}
