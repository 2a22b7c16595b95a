//! Small widgets and helpers the panels share: fixed-width slots, tooltips (with the
//! reason a button is disabled), thin bars, the mount point mark.

use egui::{Color32, Sense, Ui, vec2};
use std::path::PathBuf;

/// Lays out `add` left-aligned in a slot at least `width` wide, so rows line up.
pub(crate) fn fixed_width(ui: &mut Ui, width: f32, add: impl FnOnce(&mut Ui)) {
    let start = ui.cursor().min.x;
    add(ui);
    let used = ui.cursor().min.x - start;
    ui.add_space((width - used).max(0.0));
}

/// `text` with its first letter in upper case (a status word as a title).
pub(crate) fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Shows `reason` as the tooltip of a button it disabled.
pub(crate) fn with_reason_when_disabled(
    response: egui::Response,
    reason: Option<&str>,
) -> egui::Response {
    match reason {
        Some(reason) => response.on_disabled_hover_text(reason),
        None => response,
    }
}

/// A tooltip built only while the pointer is on `response`.
pub(crate) fn hover(response: egui::Response, text: &str) -> egui::Response {
    response.on_hover_ui(|ui| {
        ui.label(text);
    })
}

/// A thin horizontal bar filled to `fraction`.
pub(crate) fn thin_bar(ui: &mut Ui, height: f32, fraction: f32, color: Color32) -> egui::Response {
    let (rect, response) =
        ui.allocate_exact_size(vec2(ui.available_width(), height), Sense::hover());
    ui.painter()
        .rect_filled(rect, 2.0, ui.visuals().faint_bg_color);
    let mut filled = rect;
    filled.set_width(rect.width() * fraction.clamp(0.0, 1.0));
    ui.painter().rect_filled(filled, 2.0, color);
    response
}

/// A warning mark after a size that leaves out what is behind mount points.
pub(crate) fn mount_marker(ui: &mut Ui, mount_points: &[PathBuf]) {
    if mount_points.is_empty() {
        return;
    }
    hover(
        ui.colored_label(ui.visuals().warn_fg_color, "+ mount point"),
        &mount_points_text(mount_points),
    );
}

/// What mount points in a workspace mean, naming them.
pub(crate) fn mount_points_text(mount_points: &[PathBuf]) -> String {
    let names: Vec<String> = mount_points
        .iter()
        .map(|point| point.display().to_string())
        .collect();
    format!(
        "{}: a mount point, not counted in the size; the workspace is not deleted until it is unmounted",
        names.join(", ")
    )
}

/// `part`'s share of `total` as a percentage ("3.9%", "<0.1%").
pub(crate) fn share_text(part: u64, total: u64) -> String {
    if total == 0 {
        return "—".to_owned();
    }
    let percent = part as f64 * 100.0 / total as f64;
    if part > 0 && percent < 0.1 {
        "<0.1%".to_owned()
    } else if percent >= 10.0 {
        format!("{percent:.0}%")
    } else {
        format!("{percent:.1}%")
    }
}
