//! Short-lived notices in the window's corner (scheduled cleanups, quota warnings,
//! failures). Each is also a log line; the toast only draws the eye.

use crate::executor::Level;
use egui::{Align2, RichText, Ui, vec2};
use std::time::{Duration, SystemTime};

/// How long a toast stays; errors stay longer.
const SHOWN_FOR: Duration = Duration::from_secs(8);
const ERROR_SHOWN_FOR: Duration = Duration::from_secs(20);
/// Older toasts give way when more pile up.
const MAX_SHOWN: usize = 4;

/// One notice in the corner.
#[derive(Debug, Clone)]
pub struct Toast {
    /// How it is coloured.
    pub level: Level,
    /// What it says (the log has the same line).
    pub text: String,
    /// When it goes away by itself.
    pub until: SystemTime,
}

/// The notices on screen, oldest first.
#[derive(Debug, Default)]
pub(crate) struct Toasts {
    items: Vec<Toast>,
}

impl Toasts {
    /// Shows `text` from `now` on; the oldest goes when too many pile up.
    pub(crate) fn push(&mut self, level: Level, text: String, now: SystemTime) {
        let shown_for = if level == Level::Error {
            ERROR_SHOWN_FOR
        } else {
            SHOWN_FOR
        };
        self.items.push(Toast {
            level,
            text,
            until: now + shown_for,
        });
        if self.items.len() > MAX_SHOWN {
            self.items.remove(0);
        }
    }

    /// Drops expired toasts; returns how long until the next one expires.
    pub(crate) fn expire(&mut self, now: SystemTime) -> Option<Duration> {
        self.items.retain(|toast| toast.until > now);
        self.items
            .iter()
            .filter_map(|toast| toast.until.duration_since(now).ok())
            .min()
    }

    pub(crate) fn items(&self) -> &[Toast] {
        &self.items
    }

    /// Draws the toasts at the bottom right, `above` points over the window's bottom
    /// edge (the bottom panel's height); a click dismisses one.
    pub(crate) fn show(&mut self, ui: &Ui, above: f32) {
        if self.items.is_empty() {
            return;
        }
        let mut dismissed = None;
        egui::Area::new(egui::Id::unique("agents-janitor-toasts"))
            .anchor(Align2::RIGHT_BOTTOM, vec2(-16.0, -(above + 12.0)))
            .order(egui::Order::Foreground)
            .interactable(true)
            .show(ui.ctx(), |ui| {
                ui.set_max_width(380.0);
                for (index, toast) in self.items.iter().enumerate() {
                    let color = crate::gui::style::level_color(ui, toast.level);
                    let response = egui::Frame::popup(ui.style())
                        .stroke(egui::Stroke::new(1.0, color))
                        .show(ui, |ui| {
                            ui.label(RichText::new(&toast.text).color(color));
                        })
                        .response
                        .interact(egui::Sense::click())
                        .on_hover_text("Click to dismiss (the log keeps it)");
                    if response.clicked() {
                        dismissed = Some(index);
                    }
                    ui.add_space(4.0);
                }
            });
        if let Some(index) = dismissed {
            self.items.remove(index);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toasts_expire_and_the_oldest_give_way() {
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let mut toasts = Toasts::default();
        toasts.push(Level::Info, "info".into(), start);
        toasts.push(Level::Error, "error".into(), start);
        assert_eq!(toasts.expire(start), Some(SHOWN_FOR));
        assert_eq!(
            toasts.expire(start + SHOWN_FOR),
            Some(ERROR_SHOWN_FOR - SHOWN_FOR)
        );
        assert_eq!(toasts.items().len(), 1);
        assert_eq!(toasts.expire(start + ERROR_SHOWN_FOR), None);
        for n in 0..6 {
            toasts.push(Level::Warn, format!("warn {n}"), start);
        }
        let texts: Vec<&str> = toasts.items().iter().map(|t| t.text.as_str()).collect();
        assert_eq!(texts, ["warn 2", "warn 3", "warn 4", "warn 5"]);
    }
}
