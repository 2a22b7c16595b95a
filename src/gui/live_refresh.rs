//! Live refresh: the data folder is watched, and the table follows Agents-Runner's
//! changes within about a second, sizing only the folders that changed. When the
//! watcher cannot run (too many watches), the window reloads periodically instead
//! and says so.

use crate::gui::one_off;
use crate::watch::{self, DataDirWatcher, WatchEvent};
use crossbeam_channel::{Receiver, unbounded};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

/// How often the window reloads when the watcher is not available.
pub const PERIODIC_REFRESH: Duration = Duration::from_secs(30);

/// Whether and how the data folder is watched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchMode {
    /// Not watched (tests that do not follow the disk).
    Off,
    /// Watch, failing as the system would above `max_watches` folders (tests pass a
    /// small number to see the fallback).
    On {
        /// The most folders watched at once.
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

/// What the watcher said since the last frame.
#[derive(Default)]
pub(crate) struct LiveNews {
    /// Workspaces that changed, batch by batch: their sizes are out of date.
    pub(crate) changed: Vec<Vec<PathBuf>>,
    /// The data folder changed, or the periodic reload is due.
    pub(crate) reload: bool,
    /// Why watching stopped (the window now reloads periodically).
    pub(crate) failures: Vec<String>,
}

/// The watcher of the open data folder, and what it said.
pub(crate) struct LiveRefresh {
    mode: WatchMode,
    ctx: egui::Context,
    watcher: Option<DataDirWatcher>,
    events: Option<Receiver<WatchEvent>>,
    /// The watcher being started on a one-off thread (it reads folders).
    starting: Option<Receiver<Result<Watching, String>>>,
    /// Shown in the top bar while the window refreshes periodically instead.
    note: Option<String>,
    next_periodic: Option<SystemTime>,
}

impl LiveRefresh {
    /// Watches nothing yet; `ctx` is woken when the watcher has news.
    pub(crate) fn new(mode: WatchMode, ctx: egui::Context) -> Self {
        Self {
            mode,
            ctx,
            watcher: None,
            events: None,
            starting: None,
            note: None,
            next_periodic: None,
        }
    }

    /// Says live refresh is off, while it is.
    pub(crate) fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }

    /// Stops watching the old folder and starts watching `dir`; returns why it could
    /// not start, if it could not (the window then reloads periodically).
    pub(crate) fn start(&mut self, dir: PathBuf, now: SystemTime) -> Option<String> {
        self.watcher = None;
        self.events = None;
        self.note = None;
        self.next_periodic = None;
        let WatchMode::On { max_watches } = self.mode else {
            self.starting = None;
            return None;
        };
        let wake = self.ctx.clone();
        let spawned = one_off::spawn("agents-janitor-watch-start", &self.ctx, move || {
            let (event_tx, event_rx) = unbounded();
            watch::start_with_limit(&dir, max_watches, move |event| {
                let _ = event_tx.send(event);
                wake.request_repaint();
            })
            .map(|watcher| (watcher, event_rx))
            .map_err(|err| err.to_string())
        });
        match spawned {
            Ok(starting) => {
                self.starting = Some(starting);
                None
            }
            Err(err) => {
                self.starting = None;
                Some(self.failed(format!("cannot start a thread: {err}"), now))
            }
        }
    }

    /// Stops watching (the folder could not be opened).
    pub(crate) fn stop(&mut self) {
        *self = Self::new(self.mode, self.ctx.clone());
    }

    /// Takes what the watcher reported; asks for a periodic reload when it cannot run.
    pub(crate) fn poll(&mut self, now: SystemTime) -> LiveNews {
        let mut news = LiveNews::default();
        let started = self.starting.as_ref().and_then(|rx| rx.try_recv().ok());
        if let Some(started) = started {
            self.starting = None;
            match started {
                Ok((watcher, events)) => {
                    self.watcher = Some(watcher);
                    self.events = Some(events);
                }
                Err(reason) => news.failures.push(self.failed(reason, now)),
            }
        }
        let events: Vec<WatchEvent> = self
            .events
            .as_ref()
            .map(|rx| rx.try_iter().collect())
            .unwrap_or_default();
        for event in events {
            match event {
                WatchEvent::Changed(changes) => {
                    let changed: Vec<PathBuf> = changes.workspaces.into_iter().collect();
                    if !changed.is_empty() {
                        news.changed.push(changed);
                    }
                    news.reload = true;
                }
                WatchEvent::Failed(reason) => {
                    self.watcher = None;
                    self.events = None;
                    news.failures.push(self.failed(reason, now));
                }
            }
        }
        if let Some(due) = self.next_periodic {
            if now >= due {
                self.next_periodic = Some(now + PERIODIC_REFRESH);
                news.reload = true;
            } else if let Ok(wait) = due.duration_since(now) {
                self.ctx.request_repaint_after(wait);
            }
        }
        news
    }

    /// Falls back to periodic reloads; returns what to tell the user.
    fn failed(&mut self, reason: String, now: SystemTime) -> String {
        self.note = Some(format!(
            "Live refresh is off; reloading every {} s",
            PERIODIC_REFRESH.as_secs()
        ));
        self.next_periodic = Some(now + PERIODIC_REFRESH);
        format!(
            "Cannot watch the data folder for changes ({reason}); reloading every {} s instead",
            PERIODIC_REFRESH.as_secs()
        )
    }
}
