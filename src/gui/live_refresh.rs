//! Live refresh: the data folder is watched, and the table follows Agents-Runner's
//! changes within about a second, sizing only the folders that changed. When the
//! watcher cannot run (too many watches), the window reloads periodically instead
//! and says so.

use super::app::JanitorApp;
use crate::executor::Level;
use crate::watch::{self, DataDirWatcher, WatchEvent};
use crate::worker::Command;
use crossbeam_channel::{Receiver, bounded, unbounded};
use std::path::PathBuf;
use std::time::Duration;

/// How often the window reloads when the watcher is not available.
pub const PERIODIC_REFRESH: Duration = Duration::from_secs(30);

/// Whether and how the data folder is watched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchMode {
    Off,
    /// Watch, failing as the system would above `max_watches` folders (tests pass a
    /// small number to see the fallback).
    On {
        max_watches: usize,
    },
}

impl Default for WatchMode {
    fn default() -> Self {
        Self::On {
            max_watches: usize::MAX,
        }
    }
}

/// A running watcher and the channel it reports on.
type Watching = (DataDirWatcher, Receiver<WatchEvent>);

/// The watcher of the open data folder, and what it said.
#[derive(Default)]
pub struct LiveRefresh {
    pub mode: WatchMode,
    watcher: Option<DataDirWatcher>,
    events: Option<Receiver<WatchEvent>>,
    /// The watcher being started on a one-off thread (it reads folders).
    starting: Option<Receiver<Result<Watching, String>>>,
    /// Shown in the top bar while the window refreshes periodically instead.
    pub note: Option<String>,
    next_periodic: Option<std::time::SystemTime>,
}

impl LiveRefresh {
    pub fn new(mode: WatchMode) -> Self {
        Self {
            mode,
            ..Self::default()
        }
    }
}

impl JanitorApp {
    /// Stops watching the old folder and starts watching `dir`.
    pub(super) fn start_watching(&mut self, dir: PathBuf) {
        self.live.watcher = None;
        self.live.events = None;
        self.live.note = None;
        self.live.next_periodic = None;
        let WatchMode::On { max_watches } = self.live.mode else {
            self.live.starting = None;
            return;
        };
        let ctx = self.ctx.clone();
        let (tx, rx) = bounded(1);
        self.live.starting = Some(rx);
        let spawned = std::thread::Builder::new()
            .name("agents-janitor-watch-start".into())
            .spawn(move || {
                let (event_tx, event_rx) = unbounded();
                let wake = ctx.clone();
                let started = watch::start_with_limit(&dir, max_watches, move |event| {
                    let _ = event_tx.send(event);
                    wake.request_repaint();
                })
                .map(|watcher| (watcher, event_rx))
                .map_err(|err| err.to_string());
                let _ = tx.send(started);
                ctx.request_repaint();
            });
        if let Err(err) = spawned {
            self.live.starting = None;
            self.watch_failed(format!("cannot start a thread: {err}"));
        }
    }

    /// Stops watching (the folder could not be opened).
    pub(super) fn start_watching_nothing(&mut self) {
        self.live = LiveRefresh::new(self.live.mode);
    }

    /// Applies what the watcher reported; refreshes periodically when it cannot run.
    pub(super) fn poll_live_refresh(&mut self) {
        let started = self
            .live
            .starting
            .as_ref()
            .and_then(|rx| rx.try_recv().ok());
        if let Some(started) = started {
            self.live.starting = None;
            match started {
                Ok((watcher, events)) => {
                    self.live.watcher = Some(watcher);
                    self.live.events = Some(events);
                }
                Err(reason) => self.watch_failed(reason),
            }
        }
        let events: Vec<WatchEvent> = self
            .live
            .events
            .as_ref()
            .map(|rx| rx.try_iter().collect())
            .unwrap_or_default();
        let mut reload = false;
        for event in events {
            match event {
                WatchEvent::Changed(changes) => {
                    let changed: Vec<PathBuf> = changes.workspaces.into_iter().collect();
                    if !changed.is_empty() {
                        self.forget_sizes(&changed);
                        self.send(Command::ForgetSizes(changed));
                    }
                    reload = true;
                }
                WatchEvent::Failed(reason) => {
                    self.live.watcher = None;
                    self.live.events = None;
                    self.watch_failed(reason);
                }
            }
        }
        if let Some(due) = self.live.next_periodic {
            let now = self.clock.now();
            if now >= due {
                self.live.next_periodic = Some(now + PERIODIC_REFRESH);
                reload = true;
            } else if let Ok(wait) = due.duration_since(now) {
                self.ctx.request_repaint_after(wait);
            }
        }
        // A reload while a change runs would show half-done work; the change reloads
        // when it ends anyway.
        if reload && self.has_data() && self.running.is_none() {
            self.send(Command::Reload);
        }
    }

    fn watch_failed(&mut self, reason: String) {
        self.live.note = Some(format!(
            "Live refresh is off; reloading every {} s",
            PERIODIC_REFRESH.as_secs()
        ));
        self.live.next_periodic = Some(self.clock.now() + PERIODIC_REFRESH);
        self.notify(
            Level::Warn,
            format!(
                "Cannot watch the data folder for changes ({reason}); reloading every {} s instead",
                PERIODIC_REFRESH.as_secs()
            ),
        );
    }
}
