//! The whole footprint as one picture: a stacked bar of the task workspaces and every
//! other kind Agents-Runner leaves, each part sized by its bytes, with a legend; a
//! click on a part (or its legend entry) opens its list in the Reclaim view.

use crate::gui::app::{Intent, JanitorApp, ReclaimIntent, Tab};
use crate::gui::style::palette_color;
use crate::store::footprint::FootprintKind;
use crate::text;
use egui::{Color32, RichText, Sense, Ui, vec2};

const BAR_HEIGHT: f32 = 28.0;
/// Legend entries per line.
const LEGEND_COLUMNS: usize = 4;
/// A part is drawn at least this wide, so a small kind can still be clicked.
const MIN_PART: f32 = 6.0;

/// One part of the bar.
struct Part {
    /// `None`: the task workspaces.
    kind: Option<FootprintKind>,
    label: &'static str,
    bytes: u64,
    reclaimable: u64,
    color: Color32,
}

/// A colour per kind, in the order of [`FootprintKind::ALL`].
fn kind_color(kind: FootprintKind) -> Color32 {
    const COLORS: [&str; 16] = [
        "indigo", "violet", "purple", "fuchsia", "orange", "amber", "yellow", "lime", "green",
        "red", "rose", "pink", "teal", "cyan", "blue", "stone",
    ];
    let index = FootprintKind::ALL
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(0);
    palette_color(COLORS.get(index).copied())
}

/// The picture, and the legend under it.
pub(crate) fn show(ui: &mut Ui, app: &JanitorApp, intents: &mut Vec<Intent>) {
    ui.label(RichText::new("Everything Agents-Runner keeps on disk").strong());
    ui.add_space(4.0);
    let Some(footprint) = app.footprint() else {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("Measuring artifacts, records, crash leftovers and Docker…");
        });
        return;
    };
    let mut parts = vec![Part {
        kind: None,
        label: "Task workspaces",
        bytes: app.total_bytes(),
        reclaimable: 0,
        color: palette_color(Some("sky")),
    }];
    parts.extend(
        footprint
            .rows
            .iter()
            // Staging folders are inside the artifacts' folders, already counted there.
            .filter(|row| row.bytes > 0 && row.kind != FootprintKind::ArtifactStaging)
            .map(|row| Part {
                kind: Some(row.kind),
                label: row.kind.label(),
                bytes: row.bytes,
                reclaimable: row.reclaimable_bytes,
                color: kind_color(row.kind),
            }),
    );
    let total: u64 = parts.iter().map(|part| part.bytes).sum::<u64>().max(1);
    let reclaimable: u64 = parts.iter().map(|part| part.reclaimable).sum();
    let width = ui.available_width().min(900.0);
    let (bar, _) = ui.allocate_exact_size(vec2(width, BAR_HEIGHT), Sense::hover());
    ui.painter()
        .rect_filled(bar, 4.0, ui.visuals().faint_bg_color);
    let shares: Vec<f32> = parts
        .iter()
        .map(|part| (width * part.bytes as f32 / total as f32).max(MIN_PART))
        .collect();
    let scale = width / shares.iter().sum::<f32>().max(1.0);
    let mut left = bar.left();
    for (part, share) in parts.iter().zip(&shares) {
        let part_width = share * scale;
        let rect =
            egui::Rect::from_min_size(egui::pos2(left, bar.top()), vec2(part_width, BAR_HEIGHT));
        left += part_width;
        ui.painter()
            .rect_filled(rect.shrink2(vec2(0.5, 0.0)), 2.0, part.color);
        let id = ui.scope_id().with(("footprint-part", part.label));
        let response = ui.interact(rect, id, Sense::click());
        if response.clicked() {
            intents.push(open(part.kind));
        }
        response.on_hover_text(format!(
            "{}: {} ({:.1}%), {} reclaimable; click to see the list",
            part.label,
            text::bytes(part.bytes),
            part.bytes as f64 * 100.0 / total as f64,
            text::bytes(part.reclaimable)
        ));
    }
    ui.add_space(4.0);
    ui.label(format!(
        "{} in all, {} of it reclaimable now",
        text::bytes(total),
        text::bytes(reclaimable)
    ));
    egui::Grid::new("footprint-legend")
        .spacing(vec2(16.0, 2.0))
        .show(ui, |ui| {
            for (index, part) in parts.iter().enumerate() {
                ui.horizontal(|ui| {
                    let (swatch, _) = ui.allocate_exact_size(vec2(10.0, 10.0), Sense::hover());
                    ui.painter().rect_filled(swatch, 2.0, part.color);
                    let legend = format!("{} {}", part.label, text::bytes(part.bytes));
                    if ui.link(legend).on_hover_text("Show the list").clicked() {
                        intents.push(open(part.kind));
                    }
                });
                if index % LEGEND_COLUMNS == LEGEND_COLUMNS - 1 {
                    ui.end_row();
                }
            }
        });
}

/// Where a click on a part goes: the task table, or the kind's list.
fn open(kind: Option<FootprintKind>) -> Intent {
    match kind {
        Some(kind) => Intent::Reclaim(ReclaimIntent::Focus(kind)),
        None => Intent::ShowTab(Tab::Tasks),
    }
}
