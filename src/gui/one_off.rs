//! A one-off thread for work a frame must not wait for (reading folders, the process
//! table, a dialog of the system): it answers once on a channel and wakes the window.

use crossbeam_channel::{Receiver, bounded};

/// Runs `job` on a thread named `name`; its answer comes on the returned channel, and
/// `ctx` repaints once it is there.
pub(crate) fn spawn<T: Send + 'static>(
    name: &str,
    ctx: &egui::Context,
    job: impl FnOnce() -> T + Send + 'static,
) -> std::io::Result<Receiver<T>> {
    let ctx = ctx.clone();
    let (tx, rx) = bounded(1);
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            let _ = tx.send(job());
            ctx.request_repaint();
        })?;
    Ok(rx)
}
