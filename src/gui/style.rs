//! The window's colours and status badges: Agents-Runner's environment palette, one
//! colour per status class, log level and quota level.

use crate::executor::Level;
use crate::gui::model::Row;
use crate::policy::QuotaLevel;
use crate::status::StatusClass;
use egui::{Color32, RichText, Ui};

/// Agents-Runner's environment palette names (Tailwind's 500 shades).
pub(crate) fn palette_color(name: Option<&str>) -> Color32 {
    let rgb = match name
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
        .as_str()
    {
        "red" => 0xef4444,
        "orange" => 0xf97316,
        "amber" => 0xf59e0b,
        "yellow" => 0xeab308,
        "lime" => 0x84cc16,
        "green" => 0x22c55e,
        "emerald" => 0x10b981,
        "teal" => 0x14b8a6,
        "cyan" => 0x06b6d4,
        "sky" => 0x0ea5e9,
        "blue" => 0x3b82f6,
        "indigo" => 0x6366f1,
        "violet" => 0x8b5cf6,
        "purple" => 0xa855f7,
        "fuchsia" => 0xd946ef,
        "pink" => 0xec4899,
        "rose" => 0xf43f5e,
        "stone" => 0x78716c,
        "zinc" => 0x71717a,
        "neutral" => 0x737373,
        _ => 0x64748b,
    };
    Color32::from_rgb((rgb >> 16) as u8, (rgb >> 8) as u8, rgb as u8)
}

/// What a status class means for cleanup: the filter menu's and the badges' tooltips.
pub(crate) fn class_meaning(class: StatusClass) -> &'static str {
    match class {
        StatusClass::Active => "still running or queued: never touched",
        StatusClass::Succeeded => "ended without an error (done, cancelled, killed, exited 0)",
        StatusClass::Failed => {
            "ended with an error (failed, error, dead, exited non-zero): its workspace is kept for debugging while keep_on_error is on"
        }
        StatusClass::Discarded => "thrown away",
        StatusClass::Unknown => "a status the janitor does not know: treated as still running",
    }
}

/// A task's status badge: its word (`exited` with its code), in the colour of its
/// class, one colour per class everywhere; the tooltip names the class.
pub(crate) fn status_badge(ui: &mut Ui, row: &Row) {
    let word = match (row.status.as_str(), row.exit_code) {
        ("exited", Some(code)) => format!("exited {code}"),
        (status, _) => status.to_owned(),
    };
    let class = row.class;
    let color = status_color(class);
    // Cancelled and killed tasks ended without an error (their class and colour), but
    // someone stopped them: an outline instead of a fill keeps them apart from `done`.
    let stopped = matches!(
        row.status.trim().to_ascii_lowercase().as_str(),
        "cancelled" | "killed"
    );
    let (fill, stroke, text) = if stopped {
        (Color32::TRANSPARENT, egui::Stroke::new(1.0, color), color)
    } else {
        (color, egui::Stroke::NONE, Color32::WHITE)
    };
    egui::Frame::new()
        .fill(fill)
        .stroke(stroke)
        .corner_radius(4.0)
        .inner_margin(egui::Margin::symmetric(6, 1))
        .show(ui, |ui| {
            ui.label(RichText::new(word).color(text).small());
        })
        .response
        .on_hover_ui(|ui| {
            let stopped_note = if stopped {
                " (stopped before it finished)"
            } else {
                ""
            };
            ui.label(format!(
                "{}{stopped_note}: {} — {}",
                row.status,
                class.label(),
                class_meaning(class)
            ));
        });
}

/// The colour of a status class: its badge, and its filter checkbox.
pub(crate) fn status_color(class: StatusClass) -> Color32 {
    match class {
        StatusClass::Active => Color32::from_rgb(0x3b, 0x82, 0xf6),
        StatusClass::Succeeded => Color32::from_rgb(0x16, 0xa3, 0x4a),
        StatusClass::Failed => Color32::from_rgb(0xdc, 0x26, 0x26),
        StatusClass::Discarded => Color32::from_rgb(0x6b, 0x72, 0x80),
        StatusClass::Unknown => Color32::from_rgb(0xd9, 0x77, 0x06),
    }
}

/// The colour of a log line or toast of this level, in the current theme.
pub(crate) fn level_color(ui: &Ui, level: Level) -> Color32 {
    match level {
        Level::Info => ui.visuals().text_color(),
        Level::Warn => ui.visuals().warn_fg_color,
        Level::Error => ui.visuals().error_fg_color,
    }
}

/// Usage against a quota: green, yellow at the warning threshold, red when over.
pub(crate) fn quota_color(level: QuotaLevel) -> Color32 {
    match level {
        QuotaLevel::Ok => Color32::from_rgb(76, 175, 80),
        QuotaLevel::Warning => Color32::from_rgb(230, 170, 30),
        QuotaLevel::Over => Color32::from_rgb(220, 60, 60),
    }
}
