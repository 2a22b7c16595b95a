//! CPU time per frame of the real app (the kittest harness, tessellation included)
//! with 10,000 task rows: idle, and while the worker deletes workspaces.
//!
//!     cargo bench --bench gui_frames -- [BENCH_DIR] [--out RESULTS.json]
//!
//! BENCH_DIR holds `agents-janitor bench-data` sets (default /tmp/agents-janitor-bench;
//! written when missing). The app opens a scratch data dir made of the 10,000 records
//! of set (c), hard-linked, plus copies of the first workspaces of set (a) to delete.
//! CPU time is the UI thread's own (CLOCK_THREAD_CPUTIME_ID), so the worker threads
//! running beside it are not counted.

#[cfg(unix)]
fn main() -> anyhow::Result<()> {
    frames::run()
}

#[cfg(not(unix))]
fn main() {
    eprintln!("gui_frames measures per-thread CPU time, which this benchmark reads on unix only");
}

#[cfg(unix)]
mod frames {
    use agents_janitor::gui::{Dialog, JanitorApp, Launch, Settings};
    use agents_janitor::policy::Action;
    use agents_janitor::store::bench_data::{
        self, BENCH_ENV, BenchScale, RECORDS_SET, WORKSPACES_SET,
    };
    use agents_janitor::store::paths;
    use anyhow::{Context, Result, bail};
    use egui_kittest::Harness;
    use std::path::{Path, PathBuf};
    use std::process::Command;
    use std::time::{Duration, Instant};

    /// Workspaces copied into the scratch dir for the "while deleting" frames.
    const WORKSPACES_TO_DELETE: usize = 150;
    const IDLE_FRAMES: usize = 300;
    const FRAME_GAP: Duration = Duration::from_millis(16);
    const PATIENCE: Duration = Duration::from_secs(900);

    type App = Harness<'static, Option<JanitorApp>>;

    fn thread_cpu() -> Duration {
        let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
        Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
    }

    /// One frame as the window would run it: the UI pass, then tessellation.
    fn frame(harness: &mut App) -> Duration {
        let start = thread_cpu();
        harness.step();
        let output = harness.output();
        let shapes = output.shapes.clone();
        let pixels_per_point = output.pixels_per_point;
        let _meshes = harness.ctx.tessellate(shapes, pixels_per_point);
        thread_cpu() - start
    }

    fn app(harness: &App) -> Result<&JanitorApp> {
        harness.state().as_ref().context("no app")
    }

    fn copy(args: &[&std::ffi::OsStr]) -> Result<()> {
        let status = Command::new("cp").args(args).status()?;
        if !status.success() {
            bail!("cp {args:?} failed");
        }
        Ok(())
    }

    fn scratch_data_dir(bench_dir: &Path, scratch: &Path) -> Result<PathBuf> {
        let records = bench_dir.join(RECORDS_SET);
        let workspaces = bench_dir.join(WORKSPACES_SET);
        let data = scratch.join("data");
        std::fs::create_dir_all(&data)?;
        copy(&[
            records.join(paths::ENVIRONMENTS_FILE).as_os_str(),
            data.as_os_str(),
        ])?;
        // Hard links: the records are only read (an edit replaces the file, never writes into it).
        copy(&[
            "-al".as_ref(),
            paths::active_tasks_dir(&records).as_os_str(),
            data.as_os_str(),
        ])?;
        let source_tasks = workspaces
            .join("managed-repos")
            .join(BENCH_ENV)
            .join("tasks");
        let target_tasks = data.join("managed-repos").join(BENCH_ENV).join("tasks");
        std::fs::create_dir_all(&target_tasks)?;
        let mut ids: Vec<String> = std::fs::read_dir(&source_tasks)?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        ids.sort();
        ids.truncate(WORKSPACES_TO_DELETE);
        for id in &ids {
            copy(&[
                "-a".as_ref(),
                source_tasks.join(id).as_os_str(),
                target_tasks.as_os_str(),
            ])?;
            copy(&[
                paths::active_tasks_dir(&workspaces)
                    .join(format!("{id}.toml"))
                    .as_os_str(),
                paths::active_tasks_dir(&data).as_os_str(),
            ])?;
        }
        Ok(data)
    }

    fn step_until(harness: &mut App, what: &str, done: impl Fn(&JanitorApp) -> bool) -> Result<()> {
        let start = Instant::now();
        loop {
            harness.step();
            if done(app(harness)?) {
                return Ok(());
            }
            if start.elapsed() > PATIENCE {
                bail!("gave up waiting for {what}");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    struct Stats {
        frames: usize,
        median_ms: f64,
        p95_ms: f64,
        max_ms: f64,
    }

    fn stats(mut samples: Vec<Duration>) -> Stats {
        samples.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let at = |q: f64| ms(samples[((samples.len() - 1) as f64 * q).round() as usize]);
        Stats {
            frames: samples.len(),
            median_ms: at(0.5),
            p95_ms: at(0.95),
            max_ms: at(1.0),
        }
    }

    pub fn run() -> Result<()> {
        let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
        let mut bench_dir = PathBuf::from(bench_data::DEFAULT_BENCH_DIR);
        let mut out = None;
        while let Some(arg) = args.next() {
            if arg == "--out" {
                out = args.next().map(PathBuf::from);
            } else {
                bench_dir = PathBuf::from(arg);
            }
        }
        eprintln!("gui_frames: bench data in {}", bench_dir.display());
        bench_data::write_bench_data(&bench_dir, BenchScale::FULL)?;
        let scratch = tempfile::tempdir()?;
        let data = scratch_data_dir(&bench_dir, scratch.path())?;

        let mut harness: App = Harness::builder()
            .with_size(egui::vec2(1280.0, 800.0))
            .build_ui_state(
                |ui, app: &mut Option<JanitorApp>| {
                    if let Some(app) = app {
                        app.ui(ui);
                    }
                },
                None,
            );
        let ctx = harness.ctx.clone();
        let mut launch = Launch::new(
            Some(data.clone()),
            scratch.path().join("demo"),
            Settings::default(),
        );
        launch.record_cache = None;
        *harness.state_mut() = Some(JanitorApp::new(&ctx, launch));
        eprintln!("gui_frames: loading, sizing and asking git");
        step_until(&mut harness, "the load and scan", |app| {
            app.snapshot.is_some()
                && app.scan_progress.is_none()
                && app
                    .rows
                    .iter()
                    .all(|r| r.workspace_on_disk().is_none() || r.git.is_some())
        })?;
        let rows = app(&harness)?.rows.len();
        if rows < 10_000 {
            bail!("only {rows} rows: the bench data is incomplete");
        }

        // Frames about a display refresh apart, as the window paints them.
        let idle: Vec<Duration> = (0..IDLE_FRAMES)
            .map(|_| {
                std::thread::sleep(FRAME_GAP);
                frame(&mut harness)
            })
            .collect();

        harness
            .state_mut()
            .as_mut()
            .context("no app")?
            .request_plan(Action::Sweep {
                older_than_hours: 0.0,
                env_id: None,
                force: true,
            });
        step_until(&mut harness, "the sweep plan", |app| {
            matches!(app.dialog, Some(Dialog::Confirm { .. }))
        })?;
        harness.state_mut().as_mut().context("no app")?.confirm();
        let mut deleting = Vec::new();
        let start = Instant::now();
        while app(&harness)?.running.is_some() {
            deleting.push(frame(&mut harness));
            std::thread::sleep(FRAME_GAP);
            if start.elapsed() > PATIENCE {
                bail!("the sweep did not finish");
            }
        }
        if deleting.is_empty() {
            bail!("the sweep finished before a frame was measured");
        }
        let idle = stats(idle);
        let deleting = stats(deleting);
        let line = |name: &str, s: &Stats| {
            format!(
                "{name}: {} frames, median {:.2} ms, p95 {:.2} ms, max {:.2} ms",
                s.frames, s.median_ms, s.p95_ms, s.max_ms
            )
        };
        println!("rows: {rows}");
        println!("{}", line("idle", &idle));
        println!("{}", line("while deleting", &deleting));
        if let Some(out) = out {
            let json = serde_json::json!({
                "rows": rows,
                "idle": {"frames": idle.frames, "median_ms": idle.median_ms, "p95_ms": idle.p95_ms, "max_ms": idle.max_ms},
                "deleting": {"frames": deleting.frames, "median_ms": deleting.median_ms, "p95_ms": deleting.p95_ms, "max_ms": deleting.max_ms},
            });
            std::fs::write(&out, serde_json::to_string_pretty(&json)?)?;
        }
        Ok(())
    }
}
