//! The window's colours and status badges: Agents-Runner's environment palette, one
//! colour per status class, log level and quota level.

use crate::executor::Level;
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

/// A status word in white on a rounded patch of `color`.
pub(crate) fn badge(ui: &mut Ui, text: &str, color: Color32) {
    egui::Frame::new()
        .fill(color)
        .corner_radius(4.0)
        .inner_margin(egui::Margin::symmetric(6, 1))
        .show(ui, |ui| {
            ui.label(RichText::new(text).color(Color32::WHITE).small());
        });
}
