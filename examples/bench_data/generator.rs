//! The benchmark data generator: the trees `scripts/bench.sh` times us against `du`,
//! `diskus` and `rm -rf` on, and `benches/gui_frames.rs` opens (which includes this file
//! with `#[path]`).
//!
//! [`write_bench_data`] writes five data directories under a folder, each a complete
//! Agents-Runner data dir:
//! - `workspaces/`: [`BenchScale::workspaces`] cloned task workspaces shaped like git
//!   checkouts (a source tree of small files; a `.git` with refs, hooks, read-only loose
//!   objects and packs, some packs large and some hard-linked between workspaces; a
//!   read-only module cache in every tenth), one small task record each;
//! - `huge/`: one task whose workspace holds [`BenchScale::huge_files`] files;
//! - `records/`: [`BenchScale::records`] task records with
//!   [`BenchScale::log_lines`]-line `logs` arrays and no workspaces;
//! - `many/`: [`BenchScale::many_records`] records of [`BenchScale::many_log_lines`]
//!   lines, nine in ten archived, and a small checkout for each of the first
//!   [`BenchScale::many_workspaces`] active ones (a user who kept agents busy for months);
//! - `git/`: [`BenchScale::git_workspaces`] real git clones of one small repository,
//!   each on its own branch, some with uncommitted changes or unpushed commits (what the
//!   table's Git column asks git about). Needs `git`.
//!
//! The content depends only on the scale, never on the clock. A finished set leaves a
//! marker naming its scale and is skipped next time; an interrupted one is simply
//! written again over itself (every write is idempotent), so nothing is ever deleted.

use agents_janitor::demo::DemoError;
use agents_janitor::demo::files::{
    io_error, multiline_array, set_read_only, write_json, write_plain, write_private,
};
use agents_janitor::store::paths::{
    active_tasks_dir, archived_tasks_dir, environments_file, task_workspace_path,
};
use agents_janitor::store::time::format_iso;
use rayon::prelude::*;
use serde_json::json;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};
use toml_edit::{DocumentMut, Item, Table, value};

// Paths beside this file, so `benches/gui_frames.rs` (which includes this file with
// `#[path]`) finds it too.
#[path = "git_set.rs"]
mod git_set;
#[path = "workspaces_set.rs"]
mod workspaces_set;
use git_set::write_git_set;
use workspaces_set::{SOURCE_DIRS, write_workspaces_set};

/// Where the data goes when no folder is given.
pub const DEFAULT_BENCH_DIR: &str = "/tmp/agents-janitor-bench";
/// The set of cloned workspaces, a folder under the bench dir.
pub const WORKSPACES_SET: &str = "workspaces";
/// The set of one workspace of many files.
pub const HUGE_SET: &str = "huge";
/// The set of many task records with long `logs`.
pub const RECORDS_SET: &str = "records";
/// The set of 100,000 task records, most archived, and 2,000 small workspaces.
pub const MANY_SET: &str = "many";
/// The set of real git clones.
pub const GIT_SET: &str = "git";
/// The cloned environment every set uses.
pub const BENCH_ENV: &str = "env-bench001";
/// Written last into a finished set; holds the scale it was written at.
pub const COMPLETE_MARKER: &str = ".bench-data-complete";
/// Bumped whenever the shape of the data changes, so old sets are not reused.
const FORMAT_VERSION: u32 = 1;
/// Every timestamp in the data counts from here (2026-01-01T00:00:00Z).
const EPOCH_S: u64 = 1_767_225_600;

/// How much to write. [`BenchScale::FULL`] is the benchmark; tests use a tiny one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BenchScale {
    /// Cloned workspaces in the workspaces set.
    pub workspaces: usize,
    /// Files in the huge set's one workspace.
    pub huge_files: usize,
    /// Task records in the records set.
    pub records: usize,
    /// Lines in each of those records' `logs`.
    pub log_lines: usize,
    /// Task records in the many set (nine in ten archived).
    pub many_records: usize,
    /// Lines in each of those records' `logs`.
    pub many_log_lines: usize,
    /// Active tasks of the many set with a (small) workspace.
    pub many_workspaces: usize,
    /// Git clones in the git set.
    pub git_workspaces: usize,
}

impl BenchScale {
    /// About 250,000 entries in 1,000 workspaces, a 200,000-file workspace,
    /// 10,000 records of 2,000 log lines (about 1 GB of TOML), 100,000 records of 200
    /// lines with 2,000 workspaces, and 1,000 git clones.
    pub const FULL: Self = Self {
        workspaces: 1_000,
        huge_files: 200_000,
        records: 10_000,
        log_lines: 2_000,
        many_records: 100_000,
        many_log_lines: 200,
        many_workspaces: 2_000,
        git_workspaces: 1_000,
    };

    /// What decides the content of `set`: a set is written again only when this changes.
    fn of_set(&self, set: &str) -> String {
        match set {
            WORKSPACES_SET => format!("workspaces {}", self.workspaces),
            HUGE_SET => format!("huge_files {}", self.huge_files),
            RECORDS_SET => format!("records {} of {} lines", self.records, self.log_lines),
            MANY_SET => format!(
                "records {} of {} lines, workspaces {}",
                self.many_records, self.many_log_lines, self.many_workspaces
            ),
            _ => format!("git clones {}", self.git_workspaces),
        }
    }
}

/// What [`write_bench_data`] left in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchSummary {
    /// The bench dir, made absolute.
    pub dir: PathBuf,
    /// The scale every set was written (or found) at.
    pub scale: BenchScale,
    /// Sets already complete from an earlier run, so not written again.
    pub reused: Vec<&'static str>,
}

impl fmt::Display for BenchSummary {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let scale = &self.scale;
        writeln!(f, "Benchmark data in {}:", self.dir.display())?;
        for (set, what) in [
            (
                WORKSPACES_SET,
                format!("{} cloned workspaces", scale.workspaces),
            ),
            (
                HUGE_SET,
                format!("one workspace of {} files", scale.huge_files),
            ),
            (
                RECORDS_SET,
                format!(
                    "{} task records of {} log lines",
                    scale.records, scale.log_lines
                ),
            ),
            (
                MANY_SET,
                format!(
                    "{} task records of {} log lines, {} workspaces",
                    scale.many_records, scale.many_log_lines, scale.many_workspaces
                ),
            ),
            (GIT_SET, format!("{} git clones", scale.git_workspaces)),
        ] {
            let state = if self.reused.contains(&set) {
                "already there"
            } else {
                "written"
            };
            writeln!(f, "  {}  {what} ({state})", self.dir.join(set).display())?;
        }
        Ok(())
    }
}

/// Writes (or completes) the five benchmark data dirs under `dir`.
pub fn write_bench_data(dir: &Path, scale: BenchScale) -> Result<BenchSummary, DemoError> {
    let dir = std::path::absolute(dir).map_err(io_error(dir))?;
    let mut reused = Vec::new();
    let sets: [(&'static str, WriteSet); 5] = [
        (WORKSPACES_SET, write_workspaces_set),
        (HUGE_SET, write_huge_set),
        (RECORDS_SET, write_records_set),
        (MANY_SET, write_many_set),
        (GIT_SET, write_git_set),
    ];
    for (set, write) in sets {
        let data_dir = dir.join(set);
        let marker = data_dir.join(COMPLETE_MARKER);
        let expected = marker_text(&scale, set);
        if fs::read_to_string(&marker).is_ok_and(|found| found == expected) {
            reused.push(set);
            continue;
        }
        write(&data_dir, scale)?;
        write_plain(&marker, expected.as_bytes())?;
    }
    Ok(BenchSummary { dir, scale, reused })
}

/// Writes one set into its data dir.
type WriteSet = fn(&Path, BenchScale) -> Result<(), DemoError>;

fn marker_text(scale: &BenchScale, set: &str) -> String {
    format!("format {FORMAT_VERSION}; {}\n", scale.of_set(set))
}

/// A deterministic 10-hex-digit task id.
fn task_id(set: u64, index: usize) -> String {
    format!("{:010x}", mix(set << 40 | index as u64) & 0xff_ffff_ffff)
}

/// SplitMix64: a cheap, well-spread hash of a counter.
fn mix(counter: u64) -> u64 {
    let mut z = counter.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Incompressible bytes fixed by `seed`, a word at a time (packs are large).
fn noise(seed: &str, len: usize) -> Vec<u8> {
    let start = seed.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |acc, byte| {
        (acc ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3)
    });
    let mut bytes = Vec::with_capacity(len + 8);
    let mut counter = start;
    while bytes.len() < len {
        counter = counter.wrapping_add(1);
        bytes.extend_from_slice(&mix(counter).to_le_bytes());
    }
    bytes.truncate(len);
    bytes
}

/// A size in `min..max`, fixed by `seed`.
fn size_between(seed: u64, min: usize, max: usize) -> usize {
    min + (mix(seed) % (max - min) as u64) as usize
}

const SOURCE_SNIPPET: &str = "    let value = compute(input, &config)?;\n    if value.is_empty() {\n        return Ok(Default::default());\n    }\n    results.push(value.trim().to_owned());\n";

/// Text that looks like source code, exactly `len` bytes long.
fn source_text(header: &str, len: usize) -> Vec<u8> {
    let mut text = Vec::with_capacity(len + SOURCE_SNIPPET.len());
    text.extend_from_slice(header.as_bytes());
    while text.len() < len {
        text.extend_from_slice(SOURCE_SNIPPET.as_bytes());
    }
    text.truncate(len);
    text
}

fn create_dir(path: &Path) -> Result<(), DemoError> {
    fs::create_dir_all(path).map_err(io_error(path))
}

/// Writes a file whose folder exists, giving it `mode` on unix. A read-only file left
/// by an earlier run is made writable first.
fn write_file(path: &Path, contents: &[u8], read_only: bool) -> Result<(), DemoError> {
    match fs::write(path, contents) {
        Err(err) if err.kind() == io::ErrorKind::PermissionDenied => {
            make_writable(path)?;
            fs::write(path, contents).map_err(io_error(path))?;
        }
        other => other.map_err(io_error(path))?,
    }
    if read_only {
        set_read_only(path, false)?;
    }
    Ok(())
}

/// Undoes [`set_read_only`] so a second run can write again; a missing path is fine.
fn make_writable(path: &Path) -> Result<(), DemoError> {
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(io_error(path)(err)),
    };
    let mut permissions = meta.permissions();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        permissions.set_mode(if meta.is_dir() { 0o755 } else { 0o644 });
    }
    #[cfg(not(unix))]
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    fs::set_permissions(path, permissions).map_err(io_error(path))
}

/// Links `link` to `original` unless an earlier run already did.
fn hard_link(original: &Path, link: &Path) -> Result<(), DemoError> {
    match fs::hard_link(original, link) {
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        other => other.map_err(io_error(link)),
    }
}

fn write_environments(data_dir: &Path) -> Result<(), DemoError> {
    write_json(
        &environments_file(data_dir),
        json!({
            "environments": [{
                "env_id": BENCH_ENV,
                "name": "Benchmark",
                "color": "cyan",
                "workspace_type": "cloned",
                "workspace_target": "https://example.invalid/bench.git",
                "host_workdir": "",
                "version": 1,
            }]
        }),
    )
}

/// The shape of one task record: a finished task of the bench environment.
fn record_document(task_id: &str, index: usize, log_lines: usize, data_dir: &Path) -> DocumentMut {
    let created = EPOCH_S + index as u64 * 600;
    let started = UNIX_EPOCH + Duration::from_secs(created + 20);
    let finished = started + Duration::from_secs(300 + (index as u64 % 40) * 60);
    let (status, exit_code) = match index % 10 {
        0 => ("failed", 1_i64),
        1 => ("cancelled", 130),
        _ => ("done", 0),
    };
    let branch = format!("agents-runner/{task_id}");
    let mut doc = DocumentMut::new();
    doc["task_id"] = value(task_id);
    doc["environment_id"] = value(BENCH_ENV);
    doc["status"] = value(status);
    doc["exit_code"] = value(exit_code);
    doc["created_at_s"] = value(created as f64 + 0.25);
    doc["started_at"] = value(format_iso(started));
    doc["finished_at"] = value(format_iso(finished));
    doc["workspace_type"] = value("cloned");
    doc["gh_repo_root"] = value(
        task_workspace_path(data_dir, BENCH_ENV, task_id)
            .display()
            .to_string(),
    );
    doc["gh_branch"] = value(branch.as_str());
    doc["gh_base_branch"] = value("main");
    doc["prompt"] = value(format!(
        "Benchmark task {index}: tidy the request handlers\n\nKeep the public API."
    ));
    doc["agent_cli"] = value(["codex", "claude", "copilot"][index % 3]);
    doc["finalization_state"] = value("done");
    let lines = (0..log_lines)
        .map(|line| {
            let at: chrono::DateTime<chrono::Utc> =
                (started + Duration::from_secs(line as u64 * 2)).into();
            format!(
                "[{}] [agent] step {line} of task {task_id}: running cargo test",
                at.format("%H:%M:%S")
            )
        })
        .collect();
    doc["logs"] = Item::Value(multiline_array(lines).into());
    let mut git = Table::new();
    git["branch"] = value(branch.as_str());
    git["base_branch"] = value("main");
    doc["git"] = Item::Table(git);
    let mut runner = Table::new();
    runner["image"] = value("lunamidori5/pixelarch:emerald");
    runner["timeout_s"] = value(3600_i64);
    doc["runner_config"] = Item::Table(runner);
    doc
}

fn write_record(
    data_dir: &Path,
    archived: bool,
    task_id: &str,
    index: usize,
    log_lines: usize,
) -> Result<(), DemoError> {
    let folder = if archived {
        archived_tasks_dir(data_dir)
    } else {
        active_tasks_dir(data_dir)
    };
    let document = record_document(task_id, index, log_lines, data_dir);
    write_private(
        &folder.join(format!("{task_id}.toml")),
        document.to_string().as_bytes(),
    )
}

/// Workspaces sharing one hard-linked base pack, as `git clone --local` leaves them.
const LINK_GROUP: usize = 10;
/// Every this many workspaces one carries a large pack.
const LARGE_PACK_EVERY: usize = 50;
const LARGE_PACK_BYTES: usize = 16 << 20;
const SHARED_PACK_BYTES: usize = 512 << 10;

const HUGE_PACKAGES: usize = 400;
const HUGE_SUBDIRS: [&str; 5] = ["dist", "lib", "src", "test", "types"];

fn write_huge_set(data_dir: &Path, scale: BenchScale) -> Result<(), DemoError> {
    write_environments(data_dir)?;
    let id = task_id(2, 0);
    write_record(data_dir, false, &id, 0, 20)?;
    let root = task_workspace_path(data_dir, BENCH_ENV, &id);
    let per_folder = scale
        .huge_files
        .div_ceil(HUGE_PACKAGES * HUGE_SUBDIRS.len())
        .max(1);
    // Folder by folder, so the work splits evenly over the threads.
    let folders: Vec<(usize, usize)> = (0..HUGE_PACKAGES)
        .flat_map(|package| (0..HUGE_SUBDIRS.len()).map(move |sub| (package, sub)))
        .collect();
    folders
        .par_iter()
        .enumerate()
        .map(|(position, &(package, sub))| {
            let first = position * per_folder;
            let count = per_folder.min(scale.huge_files.saturating_sub(first));
            if count == 0 {
                return Ok(());
            }
            let folder = root
                .join("node_modules")
                .join(format!("pkg-{package:04}"))
                .join(HUGE_SUBDIRS[sub]);
            create_dir(&folder)?;
            for file in first..first + count {
                let len = size_between(3 << 40 | file as u64, 100, 2_000);
                let header = format!("// module {file}\n");
                write_file(
                    &folder.join(format!("m{file:06}.js")),
                    &source_text(&header, len),
                    false,
                )?;
            }
            Ok(())
        })
        .collect()
}

fn write_records_set(data_dir: &Path, scale: BenchScale) -> Result<(), DemoError> {
    write_environments(data_dir)?;
    create_dir(&archived_tasks_dir(data_dir))?;
    // Four in five active, the rest archived, like a busy user's data dir.
    (0..scale.records)
        .into_par_iter()
        .map(|index| {
            let id = task_id(3, index);
            write_record(data_dir, index % 5 == 4, &id, index, scale.log_lines)
        })
        .collect()
}

/// Whether record `index` of the many set is archived: nine in ten, spread evenly but
/// not in a pattern a sort would line up.
fn many_is_archived(index: usize) -> bool {
    !mix(4 << 40 | index as u64).is_multiple_of(10)
}

fn write_many_set(data_dir: &Path, scale: BenchScale) -> Result<(), DemoError> {
    write_environments(data_dir)?;
    create_dir(&archived_tasks_dir(data_dir))?;
    create_dir(&active_tasks_dir(data_dir))?;
    (0..scale.many_records)
        .into_par_iter()
        .map(|index| {
            let id = task_id(4, index);
            write_record(
                data_dir,
                many_is_archived(index),
                &id,
                index,
                scale.many_log_lines,
            )
        })
        .collect::<Result<(), DemoError>>()?;
    let with_workspace: Vec<usize> = (0..scale.many_records)
        .filter(|&index| !many_is_archived(index))
        .take(scale.many_workspaces)
        .collect();
    with_workspace
        .par_iter()
        .map(|&index| write_small_checkout(data_dir, &task_id(4, index), index))
        .collect()
}

/// A small workspace shaped like a checkout, about 25 entries: the many set's rows need
/// a folder to size, ask git about and delete, not a big one.
fn write_small_checkout(data_dir: &Path, id: &str, index: usize) -> Result<(), DemoError> {
    let root = task_workspace_path(data_dir, BENCH_ENV, id);
    let seed = 5 << 40 | (index as u64) << 8;
    for dir in ["src/api", "src/db", ".git/refs/heads", ".git/objects/pack"] {
        create_dir(&root.join(dir))?;
    }
    write_file(
        &root.join("README.md"),
        &source_text("# bench\n", 1_200),
        false,
    )?;
    write_file(&root.join("Cargo.toml"), &source_text("", 400), false)?;
    for (number, dir) in ["api", "db"].iter().cycle().take(10).enumerate() {
        let len = size_between(seed + number as u64, 200, 6_000);
        write_file(
            &root
                .join("src")
                .join(dir)
                .join(format!("mod_{number:02}.rs")),
            &source_text(&format!("// file {number} of {id}\n"), len),
            false,
        )?;
    }
    let git = root.join(".git");
    write_file(&git.join("HEAD"), b"ref: refs/heads/main\n", false)?;
    write_file(
        &git.join("refs/heads/main"),
        format!("{:016x}{:016x}{:08x}\n", mix(seed), mix(seed + 1), index).as_bytes(),
        false,
    )?;
    for object in 0..5_u64 {
        let hash = mix(seed + 100 + object);
        let folder = git.join("objects").join(format!("{:02x}", hash >> 56));
        create_dir(&folder)?;
        write_file(
            &folder.join(format!(
                "{:038x}",
                u128::from(hash) << 40 | u128::from(object)
            )),
            &noise(&format!("obj-{id}-{object}"), size_between(hash, 90, 2_000)),
            true,
        )?;
    }
    Ok(())
}
