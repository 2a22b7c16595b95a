//! One frame: the app takes the worker's news, then draws the panels (each reads the
//! app and reports intents, applied once it is drawn), the dialog and the toasts.

use super::{Intent, JanitorApp, Move, Tab};
use crate::executor::Level;
use crate::gui::app::Dialog;
use crate::gui::dialogs::{self, Answer};
use crate::gui::panels;
use egui::{Key, Ui};

/// The keys that move or change the table's selection, taken from every widget.
const TABLE_KEYS: [Key; 7] = [
    Key::ArrowUp,
    Key::ArrowDown,
    Key::Home,
    Key::End,
    Key::PageUp,
    Key::PageDown,
    Key::Space,
];

impl JanitorApp {
    /// One frame of the window.
    pub fn ui(&mut self, ui: &mut Ui) {
        self.poll();
        self.keyboard(ui);
        let mut intents: Vec<Intent> = Vec::new();
        if self.has_data() && self.agents_runner().is_some() {
            let style = ui.style();
            // Tinted like a warning, so it reads as the state of the whole window.
            let frame = egui::Frame::side_top_panel(style)
                .fill(style.visuals.warn_fg_color.gamma_multiply(0.18));
            egui::Panel::top("agents_runner_bar")
                .frame(frame)
                .show(ui, |ui| panels::toolbar::agents_runner_bar(ui, self));
        }
        egui::Panel::top("top_bar").show(ui, |ui| panels::toolbar::show(ui, self, &mut intents));
        self.apply_intents(&mut intents);
        let bottom_top = self.bottom_panel(ui, &mut intents);
        self.apply_intents(&mut intents);
        if self.has_data() {
            egui::Panel::left("environments")
                .resizable(true)
                .default_size(230.0)
                .min_size(170.0)
                .show(ui, |ui| panels::environments::show(ui, self, &mut intents));
            self.apply_intents(&mut intents);
            if self.tab == Tab::Tasks && panels::details::has_content(self) {
                self.details_panel(ui, &mut intents);
                self.apply_intents(&mut intents);
            }
            let scroll_to = if self.tab == Tab::Tasks {
                self.selection.take_scroll_request()
            } else {
                None
            };
            egui::CentralPanel::default()
                .show(ui, |ui| panels::central(ui, self, scroll_to, &mut intents));
        } else {
            egui::CentralPanel::default()
                .show(ui, |ui| panels::welcome::show(ui, self, &mut intents));
        }
        self.apply_intents(&mut intents);
        self.dialogs(ui);
        // A notice never covers a dialog: it waits (and times out) behind it.
        if !self.dialogs.is_open() {
            let above = ui.ctx().content_rect().bottom() - bottom_top;
            self.log.show_toasts(ui, above);
        }
    }

    /// The bottom panel: totals, progress and Undo always; the log when it is open
    /// (a collapsed log leaves one line, so small windows keep room for the table).
    /// Returns where its top edge is, for the notices to stay above it.
    fn bottom_panel(&mut self, ui: &mut Ui, intents: &mut Vec<Intent>) -> f32 {
        let mut open = self.settings.log_open;
        let collapsed = egui::Panel::bottom("log_panel_collapsed").resizable(false);
        // A short window starts with a shorter log.
        let height = ui.ctx().content_rect().height();
        let expanded = egui::Panel::bottom("log_panel")
            .resizable(true)
            .default_size((height * 0.16).clamp(90.0, 130.0))
            .min_size(90.0);
        let shown = egui::Panel::show_switched(ui, &mut open, collapsed, expanded, |ui, open| {
            panels::log::show(ui, self, open, intents);
        });
        if open != self.settings.log_open {
            intents.push(Intent::ShowLog(open));
        }
        shown.response.rect.top()
    }

    /// The details pane: resizable, and collapsible to a narrow strip.
    fn details_panel(&mut self, ui: &mut Ui, intents: &mut Vec<Intent>) {
        let mut open = self.settings.details_open;
        let collapsed = egui::Panel::right("details_collapsed")
            .resizable(false)
            .exact_size(30.0);
        // A small window starts with a narrower pane, so the table keeps room.
        let width = ui.ctx().content_rect().width();
        let expanded = egui::Panel::right("details")
            .resizable(true)
            .default_size((width * 0.24).clamp(200.0, 290.0))
            .size_range(200.0..=640.0);
        egui::Panel::show_switched(ui, &mut open, collapsed, expanded, |ui, open| {
            if open {
                panels::details::show(ui, self, intents);
            } else {
                panels::details::collapsed(ui, intents);
            }
        });
        if open != self.settings.details_open {
            intents.push(Intent::ShowDetails(open));
        }
    }

    /// The keys of the window (none while a dialog is open). Everywhere: F5, Ctrl+,
    /// and Ctrl+F. In the table, unless a text field has the keyboard: Delete,
    /// Ctrl+A, Up and Down (Shift extends), Home, End, PageUp, PageDown, Space (adds
    /// or drops the focused row) and Escape (selects nothing).
    fn keyboard(&mut self, ui: &Ui) {
        if self.dialogs.is_open() {
            return;
        }
        // Only a text field keeps the keys: a focused button or row label does not.
        let typing = ui.ctx().text_edit_focused();
        let keys = ui.input(|i| Keys {
            refresh: i.key_pressed(Key::F5),
            delete: i.key_pressed(Key::Delete),
            select_all: i.modifiers.command && i.key_pressed(Key::A),
            settings: i.modifiers.command && i.key_pressed(Key::Comma),
            find: i.modifiers.command && i.key_pressed(Key::F),
            up: i.key_pressed(Key::ArrowUp),
            down: i.key_pressed(Key::ArrowDown),
            home: i.key_pressed(Key::Home),
            end: i.key_pressed(Key::End),
            page_up: i.key_pressed(Key::PageUp),
            page_down: i.key_pressed(Key::PageDown),
            space: i.key_pressed(Key::Space),
            escape: i.key_pressed(Key::Escape),
            // The key's own modifiers too: Shift may be let go within the same frame.
            shift: i.modifiers.shift
                || i.events.iter().any(|event| {
                    matches!(event, egui::Event::Key { key, pressed: true, modifiers, .. }
                        if modifiers.shift && TABLE_KEYS.contains(key))
                }),
        });
        if keys.settings {
            self.open_settings();
        }
        if keys.refresh {
            self.refresh();
        }
        if keys.find && self.has_data() {
            self.tab = Tab::Tasks;
            ui.ctx()
                .memory_mut(|memory| memory.request_focus(egui::Id::unique(panels::SEARCH_ID)));
        }
        if typing || self.tab != Tab::Tasks {
            return;
        }
        // The table's keys are the table's: a button or row that has the keyboard
        // focus must not also take Space as a click, or the arrows as a move of focus.
        ui.ctx().input_mut(|i| {
            i.events.retain(|event| {
                !matches!(event, egui::Event::Key { key, pressed: true, .. } if TABLE_KEYS.contains(key))
            });
        });
        if keys.delete {
            self.discard_selected();
        }
        if keys.select_all {
            self.select_all_visible();
        }
        // A page is the rows that fit in the window, less the bars around the table.
        let page =
            ((ui.ctx().content_rect().height() - 300.0) / panels::ROW_HEIGHT).max(5.0) as isize;
        let moves = [
            (keys.up, Move::By(-1)),
            (keys.down, Move::By(1)),
            (keys.page_up, Move::By(-page)),
            (keys.page_down, Move::By(page)),
            (keys.home, Move::First),
            (keys.end, Move::Last),
        ];
        for (pressed, to) in moves {
            if pressed {
                self.move_cursor(to, keys.shift);
            }
        }
        if keys.space {
            self.toggle_focused();
        }
        if keys.escape {
            self.clear_selection();
        }
    }

    /// Draws the dialog on screen, and does what the user answered in it.
    fn dialogs(&mut self, ui: &mut Ui) {
        if !self.dialogs.is_open() {
            return;
        }
        let location = self.settings_file.location();
        let Some(dialog) = self.dialogs.current_mut() else {
            return;
        };
        match dialogs::show(ui, dialog, &location, self.table.environments()) {
            Answer::Keep => {}
            Answer::Close => {
                let closed = self.dialogs.close();
                if matches!(
                    closed,
                    Some(
                        Dialog::Confirm { .. }
                            | Dialog::ConfirmSlim { .. }
                            | Dialog::Planning { .. }
                    )
                ) {
                    self.push_log(Level::Info, "cancelled: nothing was changed".into());
                }
            }
            Answer::Confirm => self.confirm(),
            Answer::ConfirmSlim => self.confirm_slim(),
            Answer::SaveSettings(config) => {
                self.dialogs.close();
                self.save_settings(config);
            }
            // The dialog stays until the folder is checked: a mistyped path keeps
            // the open folder and is explained in the dialog.
            Answer::Open(path) => self.try_open(path),
            Answer::Browse => self.pick_folder(),
            Answer::Include => self.include_refused(),
            Answer::AskToInclude(asking) => {
                if let Some(Dialog::Confirm {
                    asking_to_include, ..
                }) = self.dialogs.current_mut()
                {
                    *asking_to_include = asking;
                }
            }
        }
    }
}

/// The keys pressed this frame.
struct Keys {
    refresh: bool,
    delete: bool,
    select_all: bool,
    settings: bool,
    find: bool,
    up: bool,
    down: bool,
    home: bool,
    end: bool,
    page_up: bool,
    page_down: bool,
    space: bool,
    escape: bool,
    shift: bool,
}
