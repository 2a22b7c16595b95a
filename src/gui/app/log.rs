//! What the window tells the user: the log lines of the bottom panel, and the notices
//! that also draw the eye (a toast, and a desktop notification when a session bus is
//! there).

use crate::executor::{Level, LogLine};
use crate::gui::desktop_notification;
use crate::gui::toasts::{Toast, Toasts};
use std::time::{Duration, SystemTime};

/// Log lines kept in the bottom panel; older ones scroll away.
const LOG_LIMIT: usize = 5_000;

/// The log lines and toasts, and whether notices also go to the desktop.
pub(crate) struct Log {
    lines: Vec<LogLine>,
    toasts: Toasts,
    desktop_notifications: bool,
}

impl Log {
    pub(crate) fn new(desktop_notifications: bool) -> Self {
        Self {
            lines: Vec::new(),
            toasts: Toasts::default(),
            desktop_notifications,
        }
    }

    /// Adds a line, dropping the oldest tenth once the log is full.
    pub(crate) fn push(&mut self, level: Level, text: String) {
        if self.lines.len() >= LOG_LIMIT {
            self.lines.drain(..LOG_LIMIT / 10);
        }
        self.lines.push(LogLine { level, text });
    }

    /// Logs `text`, shows it as a toast, and (when a session bus is there) as a desktop
    /// notification.
    pub(crate) fn notify(&mut self, level: Level, text: String, now: SystemTime) {
        self.push(level, text.clone());
        self.toasts.push(level, text.clone(), now);
        if self.desktop_notifications {
            let summary = match level {
                Level::Error => "agents-janitor: failed",
                Level::Warn => "agents-janitor: warning",
                Level::Info => "agents-janitor",
            };
            desktop_notification::notify(summary, &text);
        }
    }

    /// Logs `text` and shows it as a toast, without a desktop notification.
    pub(crate) fn notice(&mut self, level: Level, text: String, now: SystemTime) {
        self.push(level, text.clone());
        self.toasts.push(level, text, now);
    }

    pub(crate) fn lines(&self) -> &[LogLine] {
        &self.lines
    }

    /// The "Clear" button: the toasts stay until they expire.
    pub(crate) fn clear(&mut self) {
        self.lines.clear();
    }

    pub(crate) fn toasts(&self) -> &[Toast] {
        self.toasts.items()
    }

    /// Drops expired toasts; returns how long until the next one expires.
    pub(crate) fn expire_toasts(&mut self, now: SystemTime) -> Option<Duration> {
        self.toasts.expire(now)
    }

    /// Draws the toasts (a click dismisses one), above the bottom panel.
    pub(crate) fn show_toasts(&mut self, ui: &egui::Ui, above: f32) {
        self.toasts.show(ui, above);
    }
}
