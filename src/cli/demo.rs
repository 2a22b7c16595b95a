//! `demo DIR`: a realistic demo data directory to try everything on safely.

use super::bad_input;
use crate::demo;
use anyhow::Result;
use std::path::Path;

/// Writes the demo data directory into `dir` and says how to try it.
pub(super) fn demo(dir: &Path) -> Result<u8> {
    let summary = demo::write_demo(dir).map_err(|err| bad_input(err.to_string()))?;
    println!(
        "Wrote a demo data directory to {}: {} environments, {} tasks, {} workspaces{}.",
        summary.data_dir.display(),
        summary.environments,
        summary.tasks,
        summary.workspaces,
        if summary.git_checkouts {
            " (real git checkouts)"
        } else {
            " (plain folders: git was not found)"
        }
    );
    println!(
        "Try: agents-janitor --data-dir {} usage",
        summary.data_dir.display()
    );
    Ok(0)
}
