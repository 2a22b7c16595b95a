//! CPU time per frame of the real app (the kittest harness, tessellation included)
//! with 10,000 task rows: idle, and while the worker deletes workspaces.
//!
//!     cargo bench --bench gui_frames -- [BENCH_DIR] [--out RESULTS.json]
//!     cargo bench --bench gui_frames -- [BENCH_DIR] --many [--out RESULTS.json]
//!
//! With `--many` it opens set (d) instead (100,000 records, archived ones shown, 2,000
//! workspaces), in the kittest harness only: the time from start to the first rows and
//! to all of them, frames idle, the frame after a click on a column header (the sort)
//! and after typing in the search box (the filter), frames while a sweep deletes the
//! 2,000 workspaces, and the process's peak RSS (run it alone for that).
//!
//! BENCH_DIR holds the sets of `examples/bench_data` (default /tmp/agents-janitor-bench;
//! written when missing). The app opens a scratch data dir made of the 10,000 records
//! of set (c), hard-linked, plus copies of the first workspaces of set (a) to delete.
//! CPU time is the UI thread's own (CLOCK_THREAD_CPUTIME_ID), so the worker threads
//! running beside it are not counted.

// The benchmark data generator, shared with `examples/bench_data`.
#[cfg(unix)]
#[path = "../examples/bench_data/generator.rs"]
mod bench_data;

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
    use crate::bench_data::{self, BENCH_ENV, BenchScale, MANY_SET, RECORDS_SET, WORKSPACES_SET};
    use agents_janitor::gui::{Dialog, JanitorApp, Launch, Settings, WatchMode};
    use agents_janitor::policy::Action;
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

    /// What runs the app's frames.
    trait Driver {
        /// One frame, the UI pass then tessellation; returns the UI thread's CPU time.
        fn frame(&mut self) -> Duration;
        fn app(&self) -> Result<&JanitorApp>;
        fn app_mut(&mut self) -> Result<&mut JanitorApp>;
    }

    /// The kittest harness (it keeps an AccessKit tree, as for a screen reader).
    struct Kittest(App);

    impl Driver for Kittest {
        fn frame(&mut self) -> Duration {
            let start = thread_cpu();
            self.0.step();
            let output = self.0.output();
            let _meshes = self
                .0
                .ctx
                .tessellate(output.shapes.clone(), output.pixels_per_point);
            thread_cpu() - start
        }
        fn app(&self) -> Result<&JanitorApp> {
            self.0.state().as_ref().context("no app")
        }
        fn app_mut(&mut self) -> Result<&mut JanitorApp> {
            self.0.state_mut().as_mut().context("no app")
        }
    }

    /// A bare egui context, as the desktop window runs when no screen reader is active.
    struct Window {
        ctx: egui::Context,
        app: JanitorApp,
        started: Instant,
    }

    impl Driver for Window {
        fn frame(&mut self) -> Duration {
            let start = thread_cpu();
            let input = egui::RawInput {
                screen_rect: Some(egui::Rect::from_min_size(
                    egui::Pos2::ZERO,
                    egui::vec2(1280.0, 800.0),
                )),
                time: Some(self.started.elapsed().as_secs_f64()),
                ..Default::default()
            };
            let app = &mut self.app;
            let output = self.ctx.run_ui(input, |ui| app.ui(ui));
            let _meshes = self.ctx.tessellate(output.shapes, output.pixels_per_point);
            thread_cpu() - start
        }
        fn app(&self) -> Result<&JanitorApp> {
            Ok(&self.app)
        }
        fn app_mut(&mut self) -> Result<&mut JanitorApp> {
            Ok(&mut self.app)
        }
    }

    fn launch(data: &Path) -> Launch {
        let mut launch = Launch::new(
            Some(data.to_path_buf()),
            data.join("no-demo"),
            Settings::default(),
        );
        launch.record_cache = None;
        launch.watch = WatchMode::Off;
        launch.desktop_notifications = false;
        launch
    }

    fn copy(args: &[&std::ffi::OsStr]) -> Result<()> {
        let status = Command::new("cp").args(args).status()?;
        if !status.success() {
            bail!("cp {args:?} failed");
        }
        Ok(())
    }

    /// `scratch/data` with the environments and task records of the data dir `set`.
    fn records_of(set: &Path, scratch: &Path) -> Result<PathBuf> {
        let data = scratch.join("data");
        std::fs::create_dir_all(&data)?;
        copy(&[
            set.join(paths::ENVIRONMENTS_FILE).as_os_str(),
            data.as_os_str(),
        ])?;
        // Hard links: the records are only read (an edit replaces the file, never writes into it).
        copy(&[
            "-al".as_ref(),
            paths::active_tasks_dir(set).as_os_str(),
            data.as_os_str(),
        ])?;
        Ok(data)
    }

    fn scratch_data_dir(bench_dir: &Path, scratch: &Path) -> Result<PathBuf> {
        let records = bench_dir.join(RECORDS_SET);
        let workspaces = bench_dir.join(WORKSPACES_SET);
        let data = records_of(&records, scratch)?;
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

    fn step_until(
        driver: &mut dyn Driver,
        what: &str,
        done: impl Fn(&JanitorApp) -> bool,
    ) -> Result<()> {
        let start = Instant::now();
        loop {
            driver.frame();
            if done(driver.app()?) {
                return Ok(());
            }
            if start.elapsed() > PATIENCE {
                bail!("gave up waiting for {what}");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Idle frames on a settled table, then frames while a sweep deletes every workspace.
    fn measure(driver: &mut dyn Driver) -> Result<(usize, Stats, Stats)> {
        eprintln!("gui_frames: loading, sizing and asking git");
        step_until(driver, "the load and scan", |app| {
            app.snapshot().is_some()
                && app.scan_progress().is_none()
                && app
                    .rows()
                    .iter()
                    .all(|r| r.workspace_on_disk().is_none() || r.git.is_some())
        })?;
        let rows = driver.app()?.rows().len();
        if rows < 10_000 {
            bail!("only {rows} rows: the bench data is incomplete");
        }
        // Frames about a display refresh apart, as the window paints them.
        let idle: Vec<Duration> = (0..IDLE_FRAMES)
            .map(|_| {
                std::thread::sleep(FRAME_GAP);
                driver.frame()
            })
            .collect();
        let deleting = frames_while_sweeping(driver)?;
        Ok((rows, stats(idle), stats(deleting)))
    }

    /// Sweeps every workspace (planned, confirmed) and times the frames until it ends.
    fn frames_while_sweeping(driver: &mut dyn Driver) -> Result<Vec<Duration>> {
        driver.app_mut()?.request_plan(Action::Sweep {
            merged_unsaved: false,
            older_than_hours: 0.0,
            env_id: None,
            force: true,
            allow_unsaved: false,
        });
        step_until(driver, "the sweep plan", |app| {
            matches!(app.dialog(), Some(Dialog::Confirm { .. }))
        })?;
        driver.app_mut()?.confirm();
        let mut deleting = Vec::new();
        let start = Instant::now();
        while driver.app()?.running().is_some() {
            deleting.push(driver.frame());
            std::thread::sleep(FRAME_GAP);
            if start.elapsed() > PATIENCE {
                bail!("the sweep did not finish");
            }
        }
        if deleting.is_empty() {
            bail!("the sweep finished before a frame was measured");
        }
        Ok(deleting)
    }

    /// The app in the kittest harness, 1280×800.
    fn kittest(launch: Launch) -> Kittest {
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
        *harness.state_mut() = Some(JanitorApp::new(&ctx, launch));
        Kittest(harness)
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

    /// A scratch data dir of set (d): its records hard-linked, its workspaces copied.
    fn many_data_dir(bench_dir: &Path, scratch: &Path) -> Result<PathBuf> {
        let many = bench_dir.join(MANY_SET);
        let data = records_of(&many, scratch)?;
        copy(&[
            "-a".as_ref(),
            paths::managed_repos_dir(&many).as_os_str(),
            data.as_os_str(),
        ])?;
        // Measured like every other row, with the files in the page cache: the copy is
        // written out (its writeback would compete with the load) and its records read
        // once (this VM keeps only about 5 GB of page cache, and the steps before this
        // one can push the fresh copy out of it: the load then waited on the disk).
        if !Command::new("sync").status()?.success() {
            bail!("sync failed");
        }
        read_every_file(&paths::active_tasks_dir(&data))?;
        Ok(data)
    }

    /// Reads every file below `dir`, so that its contents are in the page cache.
    fn read_every_file(dir: &Path) -> Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                read_every_file(&entry.path())?;
            } else {
                std::fs::read(entry.path())?;
            }
        }
        Ok(())
    }

    /// The process's peak resident set size in MiB (`VmHWM`).
    fn peak_rss_mib() -> Result<f64> {
        let status = std::fs::read_to_string("/proc/self/status")?;
        let kib: f64 = status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|rest| rest.split_whitespace().next())
            .context("no VmHWM in /proc/self/status")?
            .parse()?;
        Ok(kib / 1024.0)
    }

    /// The frame right after `act` (a click, typed text), whose UI pass sorts or
    /// filters the rows: its UI-thread CPU time, and its wall time.
    fn frame_after(harness: &mut App, act: impl FnOnce(&mut App)) -> (Duration, Duration) {
        act(harness);
        let wall = Instant::now();
        let cpu = {
            let start = thread_cpu();
            harness.step();
            thread_cpu() - start
        };
        (cpu, wall.elapsed())
    }

    /// Set (d) in the kittest harness (see the module's docs).
    fn measure_many(bench_dir: &Path, out: Option<PathBuf>) -> Result<()> {
        use egui_kittest::kittest::Queryable;
        let scratch = tempfile::tempdir()?;
        let data = many_data_dir(bench_dir, scratch.path())?;
        let mut launch = launch(&data);
        launch.settings.show_archived = true;
        let started = Instant::now();
        let mut driver = kittest(launch);
        step_until(&mut driver, "the first rows", |app| {
            !app.visible().is_empty()
        })?;
        let first_rows = started.elapsed();
        let expected = BenchScale::FULL.many_records;
        step_until(&mut driver, "every row", |app| app.rows().len() >= expected)?;
        let all_rows = started.elapsed();
        eprintln!("gui_frames: sizing and asking git about set (d)'s workspaces");
        step_until(&mut driver, "the scan", |app| {
            app.scan_progress().is_none()
                && app
                    .rows()
                    .iter()
                    .all(|r| r.workspace_on_disk().is_none() || r.git.is_some())
        })?;
        let rows = driver.app()?.rows().len();
        let visible = driver.app()?.visible().len();
        let idle: Vec<Duration> = (0..IDLE_FRAMES)
            .map(|_| {
                std::thread::sleep(FRAME_GAP);
                driver.frame()
            })
            .collect();
        let mut sorts = Vec::new();
        for header in ["Task", "Created", "Prompt", "Size"] {
            sorts.push(frame_after(&mut driver.0, |h| {
                h.get_by_label(header).click()
            }));
            driver.frame();
        }
        let mut filters = Vec::new();
        for text in ["7", "a", "x"] {
            filters.push(frame_after(&mut driver.0, |h| {
                let field = h.get_by_role(egui::accesskit::Role::TextInput);
                field.focus();
                field.type_text(text);
            }));
            driver.frame();
        }
        let rss_loaded = peak_rss_mib()?;
        let deleting = frames_while_sweeping(&mut driver)?;
        let rss_peak = peak_rss_mib()?;
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let worst = |v: &[(Duration, Duration)]| {
            let cpu = v.iter().map(|(c, _)| ms(*c)).fold(0.0, f64::max);
            let wall = v.iter().map(|(_, w)| ms(*w)).fold(0.0, f64::max);
            serde_json::json!({"max_cpu_ms": cpu, "max_wall_ms": wall, "frames": v.len()})
        };
        let json = |s: &Stats| serde_json::json!({"frames": s.frames, "median_ms": s.median_ms, "p95_ms": s.p95_ms, "max_ms": s.max_ms});
        let (idle, deleting) = (stats(idle), stats(deleting));
        let report = serde_json::json!({
            "rows": rows,
            "visible": visible,
            "first_rows_s": first_rows.as_secs_f64(),
            "all_rows_s": all_rows.as_secs_f64(),
            "idle": json(&idle),
            "deleting": json(&deleting),
            "sort": worst(&sorts),
            "filter": worst(&filters),
            "rss_loaded_mib": rss_loaded,
            "rss_peak_mib": rss_peak,
        });
        println!("{}", serde_json::to_string_pretty(&report)?);
        if let Some(out) = out {
            std::fs::write(&out, serde_json::to_string_pretty(&report)?)?;
        }
        Ok(())
    }

    pub fn run() -> Result<()> {
        let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
        let mut bench_dir = PathBuf::from(bench_data::DEFAULT_BENCH_DIR);
        let mut out = None;
        let mut many = false;
        while let Some(arg) = args.next() {
            if arg == "--out" {
                out = args.next().map(PathBuf::from);
            } else if arg == "--many" {
                many = true;
            } else {
                bench_dir = PathBuf::from(arg);
            }
        }
        eprintln!("gui_frames: bench data in {}", bench_dir.display());
        bench_data::write_bench_data(&bench_dir, BenchScale::FULL)?;
        if many {
            return measure_many(&bench_dir, out);
        }
        let scratch = tempfile::tempdir()?;
        let mut report = serde_json::Map::new();
        let mut rows = 0;
        for driver_name in ["kittest", "window"] {
            let data = scratch_data_dir(&bench_dir, &scratch.path().join(driver_name))?;
            let mut driver: Box<dyn Driver> = if driver_name == "kittest" {
                Box::new(kittest(launch(&data)))
            } else {
                let ctx = egui::Context::default();
                let app = JanitorApp::new(&ctx, launch(&data));
                Box::new(Window {
                    ctx,
                    app,
                    started: Instant::now(),
                })
            };
            let (count, idle, deleting) = measure(driver.as_mut())?;
            rows = count;
            for (phase, stats) in [("idle", &idle), ("while deleting", &deleting)] {
                println!(
                    "{driver_name}, {phase}: {} frames, median {:.2} ms, p95 {:.2} ms, max {:.2} ms",
                    stats.frames, stats.median_ms, stats.p95_ms, stats.max_ms
                );
            }
            let json = |s: &Stats| serde_json::json!({"frames": s.frames, "median_ms": s.median_ms, "p95_ms": s.p95_ms, "max_ms": s.max_ms});
            report.insert(
                driver_name.to_owned(),
                serde_json::json!({"idle": json(&idle), "deleting": json(&deleting)}),
            );
        }
        println!("rows: {rows}");
        report.insert("rows".to_owned(), rows.into());
        if let Some(out) = out {
            std::fs::write(&out, serde_json::to_string_pretty(&report)?)?;
        }
        Ok(())
    }
}
