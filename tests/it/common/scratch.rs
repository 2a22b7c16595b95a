//! Where the tests' temp dirs go: memory (`/dev/shm`) when it has room, else the usual
//! temp dir. Creating and deleting the thousands of files a demo data dir holds takes
//! a second or more on a disk and a few milliseconds in memory.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// What a memory filesystem must have free to be used: a few demo copies (about 30 MB
/// each) and mini data dirs at once, with room to spare.
#[cfg(target_os = "linux")]
const MEMORY_NEEDED: u64 = 512 * 1024 * 1024;

/// Temp dir names start with this, so leftovers are easy to recognise.
pub const PREFIX: &str = "agents-janitor-test-";

/// A fresh temp dir under [`base`].
pub fn tempdir() -> std::io::Result<tempfile::TempDir> {
    tempfile::Builder::new().prefix(PREFIX).tempdir_in(base())
}

/// The folder every test temp dir is made in, chosen once per test binary.
pub fn base() -> &'static Path {
    static BASE: OnceLock<PathBuf> = OnceLock::new();
    BASE.get_or_init(|| in_memory().unwrap_or_else(std::env::temp_dir))
}

/// `/dev/shm` when it is a folder we can create in with enough room.
#[cfg(target_os = "linux")]
fn in_memory() -> Option<PathBuf> {
    let shm = PathBuf::from("/dev/shm");
    let stats = rustix::fs::statvfs(&shm).ok()?;
    let free = stats.f_bavail.saturating_mul(stats.f_frsize);
    let usable = free >= MEMORY_NEEDED
        && tempfile::Builder::new()
            .prefix(PREFIX)
            .tempdir_in(&shm)
            .is_ok();
    usable.then_some(shm)
}

#[cfg(not(target_os = "linux"))]
fn in_memory() -> Option<PathBuf> {
    None
}
