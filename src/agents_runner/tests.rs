//! Tests of the Agents-Runner matcher on recorded process tables, and of the live table.

use super::*;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// Folders that exist, and links: `canonical` resolves a path through `links`.
#[derive(Default)]
struct FakeDisk {
    dirs: HashSet<PathBuf>,
    links: HashMap<PathBuf, PathBuf>,
}

impl Disk for FakeDisk {
    fn is_dir(&self, path: &Path) -> bool {
        self.dirs.contains(path)
    }

    fn canonical(&self, path: &Path) -> Option<PathBuf> {
        let path = self.links.get(path).map_or(path, PathBuf::as_path);
        self.dirs.contains(path).then(|| path.to_path_buf())
    }
}

const DATA: &str = "/home/u/.midoriai/agents-runner";
const CHECKOUT: &str = "/home/u/src/agents-runner";

fn disk() -> FakeDisk {
    let mut disk = FakeDisk::default();
    for dir in [
        DATA,
        "/srv/ar-data",
        "/home/u/src/agents-runner/agents_runner",
        "/home/u/src/agents-runner",
        "/home/u/src/other",
        "/tmp",
    ] {
        disk.dirs.insert(dir.into());
    }
    disk.links
        .insert("/home/u/ar-link".into(), "/srv/ar-data".into());
    disk
}

fn os(parts: &[&str]) -> Vec<OsString> {
    parts.iter().map(OsString::from).collect()
}

/// `uv run main.py` from the checkout, HOME=/home/u, no override.
fn runner(pid: u32) -> ProcessInfo {
    ProcessInfo {
        pid,
        uid: Some(1000),
        exe: Some("/usr/bin/python3.12".into()),
        cmd: os(&["/home/u/src/agents-runner/.venv/bin/python3", "main.py"]),
        cwd: Some(CHECKOUT.into()),
        environ: Some(os(&["HOME=/home/u", "PATH=/usr/bin"])),
        started: Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)),
    }
}

fn table(processes: Vec<ProcessInfo>) -> ProcessTable {
    ProcessTable {
        our_uid: Some(1000),
        our_home: Some("/home/u".into()),
        processes,
    }
}

fn with(change: impl FnOnce(&mut ProcessInfo)) -> ProcessInfo {
    let mut process = runner(77);
    change(&mut process);
    process
}

/// What `find` says about one process on `data_dir`: "ours", "unsure: WHY" or "no".
fn verdict(process: ProcessInfo, data_dir: &str) -> String {
    match find(&table(vec![process]), Path::new(data_dir), &disk()) {
        None => "no".into(),
        Some(RunnerProcess { unsure: None, .. }) => "ours".into(),
        Some(RunnerProcess {
            unsure: Some(why), ..
        }) => format!("unsure: {why}"),
    }
}

#[test]
fn the_matcher_on_recorded_process_tables() {
    let set_env = |vars: &[&str]| {
        let vars = os(vars);
        with(move |p| p.environ = Some(vars))
    };
    let table: Vec<(&str, ProcessInfo, &str, &str)> = vec![
        ("uv run main.py, default data dir", runner(77), DATA, "ours"),
        ("another data dir", runner(77), "/srv/ar-data", "no"),
        (
            "plain python3 main.py",
            with(|p| p.cmd = os(&["python3", "main.py"])),
            DATA,
            "ours",
        ),
        (
            "absolute script, another working folder",
            with(|p| {
                p.cmd = os(&["python3.12", "/home/u/src/agents-runner/main.py"]);
                p.cwd = Some("/tmp".into());
            }),
            DATA,
            "ours",
        ),
        (
            "./main.py through a shebang",
            with(|p| p.cmd = os(&["/usr/bin/python3", "./main.py"])),
            DATA,
            "ours",
        ),
        (
            "interpreter options before the script",
            with(|p| p.cmd = os(&["python", "-u", "-X", "dev", "-Wignore", "main.py"])),
            DATA,
            "ours",
        ),
        (
            "argv[0] renamed, the executable is Python",
            with(|p| p.cmd = os(&["agents-runner", "main.py"])),
            DATA,
            "ours",
        ),
        (
            "its desktop viewer helper",
            with(|p| p.cmd = os(&["python3", "-m", "agents_runner.ui.desktop_viewer"])),
            DATA,
            "no",
        ),
        (
            "python -c",
            with(|p| p.cmd = os(&["python3", "-c", "import main.py"])),
            DATA,
            "no",
        ),
        (
            "another script",
            with(|p| p.cmd = os(&["python3", "app.py"])),
            DATA,
            "no",
        ),
        (
            "main.py as an argument of another script",
            with(|p| p.cmd = os(&["python3", "tool.py", "main.py"])),
            DATA,
            "no",
        ),
        (
            "main.py in a folder without agents_runner/",
            with(|p| p.cwd = Some("/home/u/src/other".into())),
            DATA,
            "no",
        ),
        (
            "not Python",
            with(|p| {
                p.cmd = os(&["node", "main.py"]);
                p.exe = Some("/usr/bin/node".into());
            }),
            DATA,
            "no",
        ),
        (
            "uv itself",
            with(|p| {
                p.cmd = os(&["uv", "run", "main.py"]);
                p.exe = Some("/usr/bin/uv".into());
            }),
            DATA,
            "no",
        ),
        ("another user", with(|p| p.uid = Some(1001)), DATA, "no"),
        ("unknown user", with(|p| p.uid = None), DATA, "ours"),
        (
            "state path naming the folder",
            set_env(&["HOME=/home/u", "AGENTS_RUNNER_STATE_PATH=/srv/ar-data"]),
            "/srv/ar-data",
            "ours",
        ),
        (
            "state path naming another folder",
            set_env(&["HOME=/home/u", "AGENTS_RUNNER_STATE_PATH=/srv/ar-data"]),
            DATA,
            "no",
        ),
        (
            "state path naming the state file",
            set_env(&[
                "HOME=/home/u",
                "AGENTS_RUNNER_STATE_PATH=/srv/ar-data/state.toml",
            ]),
            "/srv/ar-data",
            "ours",
        ),
        (
            "state path through a link",
            set_env(&["HOME=/home/u", "AGENTS_RUNNER_STATE_PATH=~/ar-link"]),
            "/srv/ar-data",
            "ours",
        ),
        (
            "our data dir through a link",
            set_env(&["HOME=/home/u", "AGENTS_RUNNER_STATE_PATH=/srv/ar-data"]),
            "/home/u/ar-link",
            "ours",
        ),
        (
            "blank state path means the default",
            set_env(&["HOME=/home/u", "AGENTS_RUNNER_STATE_PATH= "]),
            DATA,
            "ours",
        ),
        (
            "relative state path, from its working folder",
            set_env(&["HOME=/home/u", "AGENTS_RUNNER_STATE_PATH=agents_runner"]),
            "/home/u/src/agents-runner/agents_runner",
            "ours",
        ),
        (
            "its own HOME elsewhere",
            set_env(&["HOME=/home/other", "PATH=/usr/bin"]),
            DATA,
            "no",
        ),
        (
            "no HOME in its environment: ours stands in",
            set_env(&["PATH=/usr/bin"]),
            DATA,
            "ours",
        ),
        (
            "environment unreadable",
            with(|p| p.environ = None),
            DATA,
            "unsure: its environment could not be read",
        ),
        (
            "environment empty (unreadable too)",
            with(|p| p.environ = Some(Vec::new())),
            "/srv/ar-data",
            "unsure: its environment could not be read",
        ),
        (
            "working folder unreadable",
            with(|p| p.cwd = None),
            DATA,
            "unsure: its working folder could not be read",
        ),
        (
            "working folder unreadable, relative state path",
            with(|p| {
                p.cwd = None;
                p.environ = Some(os(&["HOME=/home/u", "AGENTS_RUNNER_STATE_PATH=data"]));
            }),
            "/srv/ar-data",
            "unsure: its working folder could not be read",
        ),
        (
            "environment and working folder unreadable",
            with(|p| {
                p.cwd = None;
                p.environ = None;
            }),
            DATA,
            "unsure: its working folder could not be read, its environment could not be read",
        ),
    ];
    for (case, process, data_dir, want) in table {
        assert_eq!(verdict(process, data_dir), want, "{case}");
    }
}

#[test]
fn a_certain_match_wins_over_an_unsure_one_then_the_lowest_pid() {
    let unreadable = ProcessInfo {
        environ: None,
        ..runner(5)
    };
    let found = find(
        &table(vec![runner(90), unreadable.clone(), runner(40)]),
        Path::new(DATA),
        &disk(),
    );
    assert_eq!(
        found.as_ref().map(|r| (r.pid, r.unsure.is_none())),
        Some((40, true))
    );
    assert_eq!(found.and_then(|r| r.started), runner(40).started);
    let found = find(&table(vec![unreadable]), Path::new(DATA), &disk());
    assert_eq!(found.map(|r| r.pid), Some(5));
    assert_eq!(find(&table(Vec::new()), Path::new(DATA), &disk()), None);
}

#[test]
fn python_names_and_script_arguments() {
    for name in [
        "python",
        "python3",
        "python3.12",
        "/x/.venv/bin/python3",
        "python.exe",
    ] {
        assert!(is_python(Path::new(name)), "{name}");
    }
    for name in ["pythonw2x", "ipython", "python-config", "py", "uv"] {
        assert!(!is_python(Path::new(name)), "{name}");
    }
    let table: &[(&[&str], Option<&str>)] = &[
        (&["main.py"], Some("main.py")),
        (&["-B", "-u", "main.py", "--flag"], Some("main.py")),
        (&["-W", "ignore", "main.py"], Some("main.py")),
        (&["-Wignore", "main.py"], Some("main.py")),
        (&["-uX", "dev", "main.py"], Some("main.py")),
        (
            &["--check-hash-based-pycs", "never", "main.py"],
            Some("main.py"),
        ),
        (&["--", "main.py"], Some("main.py")),
        (&["-m", "agents_runner"], None),
        (&["-um", "agents_runner"], None),
        (&["-c", "print(1)", "main.py"], None),
        (&["-"], None),
        (&["--version"], None),
        (&[], None),
    ];
    for (args, want) in table {
        let args = os(args);
        assert_eq!(script_argument(&args), want.map(OsStr::new), "{args:?}");
    }
}

#[test]
fn the_messages_name_the_pid_and_what_still_works() {
    let certain = RunnerProcess {
        pid: 4242,
        unsure: None,
        started: None,
    };
    assert_eq!(
        certain.refusal(),
        "Agents-Runner is running (pid 4242) and rewrites task records from memory: close it first, or discard in Agents-Runner"
    );
    assert_eq!(
        certain.notice(),
        "Agents-Runner is running (pid 4242): task records are its to change; deleting workspaces still works"
    );
    let unsure = RunnerProcess {
        pid: 7,
        unsure: Some("its environment could not be read".into()),
        started: None,
    };
    assert!(
        unsure
            .refusal()
            .contains("(pid 7; it may use this data folder: its environment could not be read)")
    );
    assert!(
        unsure
            .notice()
            .contains("its environment could not be read")
    );
}

#[test]
fn it_holds_active_records_and_the_archived_ones_changed_since_it_started() {
    let started = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let runner = RunnerProcess {
        pid: 1,
        unsure: None,
        started: Some(started),
    };
    let before = Some(started - Duration::from_secs(60));
    let after = Some(started + Duration::from_secs(1));
    let active = Path::new("/d/tasks/a.toml");
    let archived = Path::new("/d/tasks/done/a.toml");
    let table = [
        (active, before, true),
        (active, None, true),
        (archived, before, false),
        (archived, Some(started), true),
        (archived, after, true),
        (archived, None, true),
    ];
    for (record, modified, held) in table {
        assert_eq!(
            runner.may_hold(record, modified),
            held,
            "{record:?} {modified:?}"
        );
    }
    let start_unknown = RunnerProcess {
        started: None,
        ..runner
    };
    assert!(start_unknown.may_hold(archived, before));
}

#[test]
fn the_live_table_holds_only_main_scripts_and_knows_our_user() {
    let table = live_table();
    for process in &table.processes {
        assert!(main_script_argument(&process.cmd).is_some(), "{process:?}");
    }
    #[cfg(target_os = "linux")]
    assert!(table.our_uid.is_some(), "our own user id was not read");
}
