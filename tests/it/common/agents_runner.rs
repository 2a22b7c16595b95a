//! Stand-ins for a running Agents-Runner: [`FakeProbe`], a probe the test sets by hand
//! (for the library and the window), and [`Simulator`], a real process that looks and
//! behaves like Agents-Runner's window (for the live process table and the CLI).

use agents_janitor::agents_runner::{Probe, RunnerProcess};
use agents_janitor::store::paths;
use std::error::Error;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A probe that answers what the test last set, for any data directory.
#[derive(Clone, Default)]
pub struct FakeProbe {
    running: Arc<Mutex<Option<RunnerProcess>>>,
    /// How many times it was asked.
    pub checks: Arc<AtomicUsize>,
}

impl FakeProbe {
    pub fn not_running() -> Self {
        Self::default()
    }

    pub fn running(pid: u32) -> Self {
        let probe = Self::default();
        probe.set(Some(pid));
        probe
    }

    /// Agents-Runner starts now (`Some(pid)`) or stops (`None`).
    pub fn set(&self, pid: Option<u32>) {
        if let Ok(mut running) = self.running.lock() {
            *running = pid.map(|pid| RunnerProcess {
                pid,
                unsure: None,
                started: Some(std::time::SystemTime::now()),
            });
        }
    }
}

impl Probe for FakeProbe {
    fn check(&self, _data_dir: &Path) -> Option<RunnerProcess> {
        self.checks.fetch_add(1, Ordering::Relaxed);
        self.running.lock().ok().and_then(|running| running.clone())
    }
}

/// Agents-Runner's window as far as its records go (`_load_state` and `_save_state` in
/// its `ui/main_window_persistence.py`): at start it reads `tasks/*.toml`, archives the
/// ones that are done (discarded, or done/failed and finalized) without keeping them,
/// and holds the rest in memory; every 300 ms it rewrites every task it holds from
/// memory (temp file, then rename, mode 0600), archiving the done ones the way
/// `save_task_payload` does (an older archived copy stays as `.dup-<ns>`) and keeps
/// rewriting them there. A file `finish-<id>` in `SIMULATOR_CONTROL` makes a held
/// task finish (status and finalization done), as a task that ends while it runs.
const SIMULATOR: &str = r#"
import os, re, time, tempfile, tomllib
from pathlib import Path

value = os.environ.get("AGENTS_RUNNER_STATE_PATH", "").strip()
data = Path(value).expanduser() if value else Path.home() / ".midoriai" / "agents-runner"
if value.lower().endswith(".toml"):
    data = data.parent
tasks = data / "tasks"
done = tasks / "done"
control = Path(os.environ["SIMULATOR_CONTROL"])

def archived(task):
    status = str(task.get("status", "")).strip().lower()
    finalized = str(task.get("finalization_state", "")).strip().lower() == "done"
    return status == "discarded" or (status in ("done", "failed") and finalized)

def write(path, raw):
    fd, temp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    with os.fdopen(fd, "wb") as out:
        out.write(raw)
    os.replace(temp, path)

def save(stem, raw, to_archive):
    done.mkdir(parents=True, exist_ok=True)
    active = tasks / (stem + ".toml")
    target = done / (stem + ".toml") if to_archive else active
    if to_archive and active.exists():
        if target.exists():
            os.replace(active, done / (stem + ".dup-" + str(time.time_ns()) + ".toml"))
        else:
            os.replace(active, target)
    write(target, raw)

memory = {}
for path in sorted(tasks.glob("*.toml")):
    try:
        raw = path.read_bytes()
        task = tomllib.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        continue
    if archived(task):
        save(path.stem, raw, True)
        continue
    memory[path.stem] = (raw, task)

print("loaded", len(memory), flush=True)
saves = 0
while not (control / "stop").exists():
    for stem in list(memory):
        finish = control / ("finish-" + stem)
        if finish.exists():
            text = memory[stem][0].decode("utf-8")
            text = re.sub(r'(?m)^status = ".*"$', 'status = "done"', text)
            text = re.sub(r'(?m)^finalization_state = ".*"$', 'finalization_state = "done"', text)
            memory[stem] = (text.encode("utf-8"), tomllib.loads(text))
            finish.unlink()
    for stem, (raw, task) in memory.items():
        save(stem, raw, archived(task))
    saves += 1
    print("saved", saves, flush=True)
    time.sleep(0.3)
print("stopped", flush=True)
"#;

/// A running look-alike of Agents-Runner on one data directory: `python3 main.py` in a
/// checkout that holds `agents_runner/__init__.py`, started the way `uv run` starts it
/// (argv[0] the checkout's `.venv/bin/python3`), with `AGENTS_RUNNER_STATE_PATH` set.
/// Killed when dropped.
pub struct Simulator {
    child: Option<Child>,
    saves: Arc<AtomicUsize>,
    /// Where the files that steer it go (outside the data dir).
    control: PathBuf,
}

impl Simulator {
    /// Starts it and waits for its first save. `Ok(None)` (after saying why) when there
    /// is no Python 3.11 or newer here; under CI that is an error.
    pub fn start(root: &Path, data_dir: &Path) -> Result<Option<Self>, Box<dyn Error>> {
        let Some(python) = python3() else {
            super::cannot_run(
                "no python3 (3.11 or newer, for tomllib) to run an Agents-Runner look-alike",
            )?;
            return Ok(None);
        };
        let checkout = root.join("agents-runner-checkout");
        std::fs::create_dir_all(checkout.join("agents_runner"))?;
        std::fs::write(checkout.join("agents_runner/__init__.py"), "")?;
        std::fs::write(checkout.join("main.py"), SIMULATOR)?;
        let control = root.join("simulator-control");
        std::fs::create_dir_all(&control)?;
        let _ = std::fs::remove_file(control.join("stop"));
        let mut command = Command::new(&python);
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            command.arg0(checkout.join(".venv/bin/python3"));
        }
        let mut child = command
            .arg("main.py")
            .current_dir(&checkout)
            .env(paths::STATE_PATH_VAR, data_dir)
            .env("HOME", root)
            .env("SIMULATOR_CONTROL", &control)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()?;
        let saves = Arc::new(AtomicUsize::new(0));
        let stdout = child.stdout.take().ok_or("no stdout pipe")?;
        let counted = saves.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(count) = line.strip_prefix("saved ") {
                    counted.store(count.trim().parse().unwrap_or(0), Ordering::SeqCst);
                }
            }
        });
        let simulator = Self {
            child: Some(child),
            saves,
            control,
        };
        simulator.wait_for_saves(1)?;
        Ok(Some(simulator))
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// Waits until it saved `more` more times than it had.
    pub fn wait_for_saves(&self, more: usize) -> Result<(), Box<dyn Error>> {
        let wanted = self.saves.load(Ordering::SeqCst) + more;
        let start = Instant::now();
        while self.saves.load(Ordering::SeqCst) < wanted {
            if start.elapsed() > Duration::from_secs(60) {
                return Err(format!("the simulator did not save {more} more time(s)").into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    /// Makes the task it holds under `file_stem` (its record's file name) end, done
    /// and finalized, and waits until it archived it.
    pub fn finish(&self, file_stem: &str) -> Result<(), Box<dyn Error>> {
        let order = self.control.join(format!("finish-{file_stem}"));
        std::fs::write(&order, "finish")?;
        let start = Instant::now();
        while order.exists() {
            if start.elapsed() > Duration::from_secs(60) {
                return Err(format!("the simulator never finished {file_stem}").into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        // The order is taken before the save that archives it.
        self.wait_for_saves(2)
    }

    /// Lets it finish the save in progress and end (records are then whole and still).
    pub fn stop(mut self) -> Result<(), Box<dyn Error>> {
        std::fs::write(self.control.join("stop"), "stop")?;
        let mut child = self.child.take().ok_or("already stopped")?;
        let start = Instant::now();
        while child.try_wait()?.is_none() {
            if start.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                return Err("the simulator did not stop".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A Python 3.11+ interpreter: Debian's first (a real binary, as `uv` would run), else
/// the first `python3` on PATH.
pub fn python3() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|path| {
            std::env::split_paths(&path)
                .map(|dir| dir.join("python3"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    std::iter::once(PathBuf::from("/usr/bin/python3"))
        .chain(on_path)
        .find(|candidate| {
            Command::new(candidate)
                .args([
                    "-c",
                    "import sys, tomllib; sys.exit(sys.version_info < (3, 11))",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|status| status.success())
        })
}
