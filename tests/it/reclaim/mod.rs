//! `usage`'s other rows and `reclaim`, end to end through the binary: a home with every
//! kind of Agents-Runner's footprint (artifacts of running, archived, discarded and
//! unknown tasks; young and old temp files; a `.bak-` folder; a deleted environment),
//! canaries around every root, and a fake `docker` on PATH that lists images and
//! containers, or is not running.

use crate::common::mini::{Canaries, ENV, Mini, make_old, plant, task_toml};
use crate::common::{Run, write_private};
use agents_janitor::store::paths;
use serde_json::Value;
use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};

type TestResult = Result<(), Box<dyn Error>>;

const OLD_DAYS: u64 = 10;

/// Agents-Runner's home under the mini's HOME, used as the data dir as well (the
/// default layout), with one item of every kind.
struct Home {
    mini: Mini,
    /// `HOME/.midoriai/agents-runner`: data dir and home at once.
    dir: PathBuf,
}

impl Home {
    fn new() -> Result<Self, Box<dyn Error>> {
        let mini = Mini::new()?;
        let dir = paths::runner_home(mini.root.path());
        fs::create_dir_all(paths::archived_tasks_dir(&dir))?;
        fs::copy(
            paths::environments_file(&mini.data_dir),
            paths::environments_file(&dir),
        )?;
        let dir = fs::canonicalize(dir)?;
        let home = Self { mini, dir };
        home.record("run1", "running", false)?;
        home.record("fail1", "failed", false)?;
        home.record("done1", "done", true)?;
        home.record("disc1", "discarded", true)?;
        for task in ["run1", "fail1", "done1", "disc1", "gone1"] {
            home.old_file(&format!("artifacts/{task}/report.enc"), "artifact")?;
        }
        home.old_file("artifacts/fail1/staging/part.bin", "half")?;
        home.old_file("tasks/done1.toml.k3j.tmp", "half")?;
        home.old_file("tmp/stt-1.wav", "RIFF")?;
        // Young: Agents-Runner may be writing it now.
        write_private(&home.dir.join("state-ab12.toml"), b"half")?;
        home.old_file("github-context/github-context-done1.toml", "x = 1")?;
        home.old_file("github-context/github-context-run1.toml", "x = 1")?;
        home.old_file("pr-metadata/pr-metadata-gone1.toml", "x = 1")?;
        home.old_file("crash-reports/crash-1.json", "{}")?;
        home.old_file("models/faster-whisper/model.bin", "weights")?;
        home.old_file("prompts/p1.md", "# prompt")?;
        home.old_file(
            &format!("managed-repos/{ENV}/tasks/done1.bak-1763900000000000000/file.txt"),
            "moved aside",
        )?;
        home.old_file("managed-repos/env-gone/tasks/t5/file.txt", "deleted env")?;
        plant(&home.dir.join("my-notes"), "notes in the home")?;
        Ok(home)
    }

    fn record(&self, id: &str, status: &str, archived: bool) -> TestResult {
        let folder = if archived {
            paths::archived_tasks_dir(&self.dir)
        } else {
            paths::active_tasks_dir(&self.dir)
        };
        write_private(
            &folder.join(format!("{id}.toml")),
            task_toml(id, ENV, status)?.as_bytes(),
        )?;
        make_old(&folder.join(format!("{id}.toml")), OLD_DAYS)
    }

    fn old_file(&self, relative: &str, text: &str) -> TestResult {
        let path = self.dir.join(relative);
        fs::create_dir_all(path.parent().ok_or("no parent")?)?;
        fs::write(&path, text)?;
        let top = self
            .dir
            .join(relative.split('/').next().ok_or("empty path")?);
        make_old(&top, OLD_DAYS)
    }

    fn run(&self, args: &[&str]) -> Result<Run, Box<dyn Error>> {
        let output = self.mini.janitor_at(&self.dir, args)?.output()?;
        Ok(Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        })
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.join(relative)
    }

    /// A fake docker on PATH: `image ls` and `ps` print these lines, every call is
    /// logged; `None`: docker's daemon is not running.
    fn docker(&self, listing: Option<(&str, &str)>) -> TestResult {
        let bin = self.mini.root.path().join("bin");
        fs::create_dir_all(&bin)?;
        let log = self.mini.root.path().join("docker.log");
        let body = match listing {
            Some((images, containers)) => format!(
                "case \"$1 $2\" in\n  'image ls') printf '{images}' ;;\n  'ps -a') printf '{containers}' ;;\n  *) exit 0 ;;\nesac\n"
            ),
            None => "echo 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' >&2\nexit 1\n".to_owned(),
        };
        let script = bin.join("docker");
        fs::write(
            &script,
            format!("#!/bin/sh\necho \"$@\" >> '{}'\n{body}", log.display()),
        )?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&script, fs::Permissions::from_mode(0o755))?;
        }
        Ok(())
    }

    fn docker_calls(&self) -> Result<Vec<String>, Box<dyn Error>> {
        match fs::read_to_string(self.mini.root.path().join("docker.log")) {
            Ok(text) => Ok(text.lines().map(str::to_owned).collect()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(err) => Err(err.into()),
        }
    }
}

const IMAGES: &str = "sha256:aaaa1111bbbb2222\\tagent-runner-env\\tk1\\t1.5GB\\t2026-11-20 10:00:00 +0000 UTC\\n\
sha256:cccc3333dddd4444\\tagent-runner-desktop\\tk2\\t812MB\\t2026-11-21 10:00:00 +0000 UTC\\n\
sha256:9999\\tubuntu\\t24.04\\t78MB\\t2026-11-01 10:00:00 +0000 UTC\\n";

const CONTAINERS: &str = "c1c1c1c1c1c1c1c1\\tagents-runner-done1\\tagent-runner-env:k1\\texited\\t12MB (virtual 1.5GB)\\t2026-11-22 10:00:00 +0000 UTC\\n\
c2c2c2c2c2c2c2c2\\tagents-runner-run1\\tagent-runner-env:k1\\trunning\\t0B (virtual 1.5GB)\\t2026-11-22 11:00:00 +0000 UTC\\n\
c3c3c3c3c3c3c3c3\\tweb\\tnginx\\trunning\\t0B\\t2026-11-22 11:00:00 +0000 UTC\\n";

/// A row of `usage --json`'s `other`: kind, count, bytes, reclaimable bytes.
type OtherRow = (String, u64, u64, u64);

fn rows(doc: &Value) -> Result<Vec<OtherRow>, Box<dyn Error>> {
    let other = doc["other"].as_array().ok_or("no other array")?;
    Ok(other
        .iter()
        .map(|row| {
            (
                row["kind"].as_str().unwrap_or_default().to_owned(),
                row["count"].as_u64().unwrap_or_default(),
                row["bytes"].as_u64().unwrap_or_default(),
                row["reclaimable_bytes"].as_u64().unwrap_or(u64::MAX),
            )
        })
        .collect())
}

fn row<'a>(rows: &'a [OtherRow], kind: &str) -> Result<&'a OtherRow, String> {
    rows.iter()
        .find(|row| row.0 == kind)
        .ok_or_else(|| format!("no row for {kind}"))
}

/// The docker calls that remove something.
fn removals(calls: &[String]) -> Vec<&String> {
    calls
        .iter()
        .filter(|call| call.starts_with("rm ") || call.starts_with("image rm "))
        .collect()
}

fn step_paths(doc: &Value) -> Vec<String> {
    doc["steps"]
        .as_array()
        .map(|steps| {
            steps
                .iter()
                .filter_map(|step| step["path"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn usage_shows_a_row_per_kind_with_what_may_go() -> TestResult {
    let home = Home::new()?;
    home.docker(Some((IMAGES, CONTAINERS)))?;
    let run = home.run(&["usage", "--json"])?;
    assert_eq!(run.code, Some(0), "{run}");
    let doc = run.json()?;
    let rows = rows(&doc)?;
    for kind in [
        "archived_records",
        "legacy_records",
        "backups",
        "deleted_environments",
        "artifacts",
        "discarded_artifacts",
        "artifact_staging",
        "github_context",
        "pr_metadata",
        "crash_leftovers",
        "crash_reports",
        "diagnostic_logs",
        "speech_models",
        "prompts",
        "docker_images",
        "docker_containers",
    ] {
        row(&rows, kind)?;
    }
    // Artifacts of run1, fail1, done1 and gone1 (no record, and this is the home);
    // done1's and gone1's may go.
    let artifacts = row(&rows, "artifacts")?;
    assert_eq!(artifacts.1, 4, "{run}");
    assert!(
        artifacts.3 > 0 && artifacts.3 < artifacts.2,
        "{artifacts:?}"
    );
    assert_eq!(row(&rows, "discarded_artifacts")?.1, 1);
    // The speech model cache is shown, never reclaimable by default; prompts never.
    let models = row(&rows, "speech_models")?;
    assert!(models.2 > 0 && models.3 == 0, "{models:?}");
    assert_eq!(row(&rows, "prompts")?.3, 0);
    // Two of Agents-Runner's images (not ubuntu); one is used by a container.
    let images = row(&rows, "docker_images")?;
    assert_eq!(
        (images.1, images.2, images.3),
        (2, 2_312_000_000, 812_000_000)
    );
    // Its two containers (not web); the stopped one of an archived task may go.
    let containers = row(&rows, "docker_containers")?;
    assert_eq!((containers.1, containers.3), (2, 12_000_000));
    for field in ["kind", "path", "bytes", "count", "reclaimable_bytes"] {
        assert!(doc["other"][0].get(field).is_some(), "{field} missing");
    }
    let human = home.run(&["usage"])?;
    assert!(
        human
            .stdout
            .contains("Everything else Agents-Runner leaves"),
        "{human}"
    );
    assert!(human.stdout.contains("Speech model cache"), "{human}");
    Ok(())
}

#[test]
fn without_docker_the_docker_rows_say_so_and_the_rest_works() -> TestResult {
    let home = Home::new()?;
    home.docker(None)?;
    let run = home.run(&["usage", "--json"])?;
    assert_eq!(run.code, Some(0), "{run}");
    let doc = run.json()?;
    let other = doc["other"].as_array().ok_or("no other")?;
    for row in other.iter().filter(|row| {
        row["kind"]
            .as_str()
            .is_some_and(|kind| kind.starts_with("docker"))
    }) {
        let note = row["note"].as_str().unwrap_or_default();
        assert!(note.contains("not running"), "{row}");
        assert_eq!(row["count"], 0);
    }
    let plan = home.run(&["reclaim", "--dry-run", "--json"])?;
    assert_eq!(plan.code, Some(0), "{plan}");
    let doc = plan.json()?;
    assert!(
        step_paths(&doc)
            .iter()
            .any(|path| path.ends_with("crash-reports/crash-1.json")),
        "{plan}"
    );
    Ok(())
}

#[test]
fn reclaim_plans_first_then_takes_only_what_is_finished_old_and_ours() -> TestResult {
    let home = Home::new()?;
    home.docker(Some((IMAGES, CONTAINERS)))?;
    let canaries = Canaries::new(&home.mini, &[&home.path("my-notes")]);
    let before = crate::common::tree_digest(&home.dir);
    let dry = home.run(&["reclaim", "--dry-run", "--json"])?;
    assert_eq!(dry.code, Some(0), "{dry}");
    assert_eq!(
        crate::common::tree_digest(&home.dir),
        before,
        "a dry run changed the home"
    );
    assert!(
        removals(&home.docker_calls()?).is_empty(),
        "a dry run removed from docker"
    );
    let planned = step_paths(&dry.json()?);
    let run = home.run(&["reclaim", "--json"])?;
    assert_eq!(run.code, Some(0), "{run}");
    let doc = run.json()?;
    assert_eq!(step_paths(&doc), planned, "the run did not follow the plan");
    assert!(
        doc["freed_bytes"].as_u64().is_some_and(|bytes| bytes > 0),
        "{run}"
    );
    assert!(
        doc["steps"]
            .as_array()
            .is_some_and(|steps| steps.iter().all(|step| step["done"] == true)),
        "{run}"
    );
    for gone in [
        "artifacts/done1",
        "artifacts/gone1",
        "artifacts/disc1",
        "artifacts/fail1/staging",
        "tasks/done1.toml.k3j.tmp",
        "tmp/stt-1.wav",
        "github-context/github-context-done1.toml",
        "pr-metadata/pr-metadata-gone1.toml",
        "crash-reports/crash-1.json",
        "managed-repos/env-gone/tasks/t5",
    ] {
        assert!(!home.path(gone).exists(), "{gone} is still there:\n{run}");
    }
    for kept in [
        // A running task's and a task whose record is still active.
        "artifacts/run1/report.enc",
        "artifacts/fail1/report.enc",
        "github-context/github-context-run1.toml",
        // Too young.
        "state-ab12.toml",
        // Never by default, and never at all.
        "models/faster-whisper/model.bin",
        "prompts/p1.md",
        // Every record.
        "tasks/run1.toml",
        "tasks/done/done1.toml",
    ] {
        assert!(home.path(kept).exists(), "{kept} was taken:\n{run}");
    }
    canaries.assert_intact("reclaim");
    let calls = home.docker_calls()?;
    assert!(
        calls
            .iter()
            .any(|c| c == "image rm agent-runner-desktop:k2"),
        "{calls:?}"
    );
    assert!(
        calls.iter().any(|c| c == "rm c1c1c1c1c1c1c1c1"),
        "{calls:?}"
    );
    // The image a container uses, the running container, anything not Agents-Runner's.
    for refused in [
        "agent-runner-env:k1",
        "c2c2c2c2c2c2c2c2",
        "ubuntu",
        "web",
        "c3c3",
    ] {
        assert!(
            !calls.iter().any(
                |c| (c.starts_with("rm ") || c.starts_with("image rm ")) && c.contains(refused)
            ),
            "{refused} was removed: {calls:?}"
        );
    }
    assert!(
        !removals(&calls).iter().any(|c| c.contains(" -f")),
        "docker was forced: {calls:?}"
    );
    assert!(run.stderr.contains("[cleanup] Reclaimed"), "{run}");
    Ok(())
}

#[test]
fn reclaim_by_kind_with_an_age_and_a_never_kind_refused() -> TestResult {
    let home = Home::new()?;
    home.docker(None)?;
    let young = home.run(&["reclaim", "crash-reports", "--older-than", "30d", "--json"])?;
    assert_eq!(young.code, Some(0), "{young}");
    assert!(step_paths(&young.json()?).is_empty(), "{young}");
    assert!(home.path("crash-reports/crash-1.json").exists());
    let taken = home.run(&["reclaim", "crash_reports"])?;
    assert_eq!(taken.code, Some(0), "{taken}");
    assert!(!home.path("crash-reports/crash-1.json").exists(), "{taken}");
    assert!(
        home.path("tmp/stt-1.wav").exists(),
        "another kind was taken"
    );
    let never = home.run(&["reclaim", "speech_models"])?;
    assert_eq!(never.code, Some(2), "{never}");
    assert!(
        never.stderr.contains("config set reclaim.speech_models"),
        "{never}"
    );
    assert!(home.path("models/faster-whisper/model.bin").exists());
    let unknown = home.run(&["reclaim", "everything"])?;
    assert_eq!(unknown.code, Some(2), "{unknown}");
    Ok(())
}

#[test]
fn the_scheduled_reclaim_takes_only_the_kinds_set_to_schedule() -> TestResult {
    let home = Home::new()?;
    home.docker(Some((IMAGES, CONTAINERS)))?;
    let run = home.run(&["reclaim", "--scheduled", "--json"])?;
    assert_eq!(run.code, Some(0), "{run}");
    let doc = run.json()?;
    let kinds: Vec<&str> = doc["steps"]
        .as_array()
        .map(|steps| steps.iter().filter_map(|s| s["kind"].as_str()).collect())
        .unwrap_or_default();
    assert!(!kinds.is_empty(), "{run}");
    assert!(
        kinds
            .iter()
            .all(|kind| ["crash_leftovers", "discarded_artifacts"].contains(kind)),
        "{kinds:?}"
    );
    assert!(!home.path("artifacts/disc1").exists(), "{run}");
    assert!(
        home.path("artifacts/done1").exists(),
        "an ask kind was taken"
    );
    assert!(home.path("crash-reports/crash-1.json").exists());
    assert!(removals(&home.docker_calls()?).is_empty());
    Ok(())
}

#[test]
fn a_separate_data_dir_keeps_the_artifacts_of_tasks_it_does_not_know() -> TestResult {
    let home = Home::new()?;
    home.docker(None)?;
    // The mini's own data dir is elsewhere: gone1 may be another data dir's task.
    let output = home
        .mini
        .janitor(&["reclaim", "artifacts", "--json"])?
        .output()?;
    let run = Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert_eq!(run.code, Some(0), "{run}");
    assert!(home.path("artifacts/gone1/report.enc").exists(), "{run}");
    let doc = run.json()?;
    let skipped = doc["skipped"].as_array().ok_or("no skipped")?;
    assert!(
        skipped.iter().any(|s| s["path"]
            .as_str()
            .is_some_and(|p| Path::new(p).ends_with("artifacts/gone1"))
            && s["reason"]
                .as_str()
                .is_some_and(|r| r.contains("another data folder"))),
        "{run}"
    );
    Ok(())
}

#[test]
fn trimming_archived_logs_shows_the_bytes_first_and_keeps_the_record_valid() -> TestResult {
    let home = Home::new()?;
    home.docker(None)?;
    let record = home.path("tasks/done/done1.toml");
    let mut doc: toml_edit::DocumentMut = fs::read_to_string(&record)?.parse()?;
    let mut logs = toml_edit::Array::new();
    for line in 0..50 {
        logs.push(format!("[agent] line {line} of a long log"));
    }
    doc["logs"] = toml_edit::value(logs);
    doc["future_key"] = toml_edit::value("kept");
    write_private(&record, doc.to_string().as_bytes())?;
    make_old(&record, OLD_DAYS)?;
    let off = home.run(&["reclaim", "archived_records", "--dry-run", "--json"])?;
    assert!(
        step_paths(&off.json()?).is_empty(),
        "trimmed while off:\n{off}"
    );
    let config = home.mini.root.path().join("janitor.toml");
    let config = config.to_str().ok_or("path")?;
    for (key, value) in [
        ("reclaim.trim_logs_after", "2d"),
        ("reclaim.trim_logs_keep", "5"),
    ] {
        let set = home.run(&["--config", config, "config", "set", key, value])?;
        assert_eq!(set.code, Some(0), "{set}");
    }
    let shown = home
        .run(&["--config", config, "config", "show", "--json"])?
        .json()?;
    assert_eq!(shown["settings"]["reclaim"]["trim_logs_keep"], "5");
    assert_eq!(shown["settings"]["reclaim"]["trim_logs_after"], "2d");
    let before = fs::read(&record)?;
    let plan = home.run(&[
        "--config",
        config,
        "reclaim",
        "archived_records",
        "--dry-run",
    ])?;
    assert_eq!(plan.code, Some(0), "{plan}");
    assert!(
        plan.stdout
            .contains("trim the logs of task done1 to the last 5 lines"),
        "{plan}"
    );
    assert_eq!(fs::read(&record)?, before, "the dry run wrote the record");
    let run = home.run(&["--config", config, "reclaim", "archived_records", "--json"])?;
    assert_eq!(run.code, Some(0), "{run}");
    let doc = run.json()?;
    let saved = doc["freed_bytes"].as_u64().ok_or("freed_bytes")?;
    let after = fs::read_to_string(&record)?;
    assert_eq!(saved, (before.len() - after.len()) as u64, "{run}");
    let parsed: toml_edit::DocumentMut = after.parse()?;
    let kept: Vec<&str> = parsed["logs"]
        .as_array()
        .ok_or("logs is not an array")?
        .iter()
        .filter_map(|line| line.as_str())
        .collect();
    assert_eq!(kept.len(), 5);
    assert_eq!(kept.last(), Some(&"[agent] line 49 of a long log"));
    assert_eq!(parsed["future_key"].as_str(), Some("kept"));
    assert_eq!(parsed["task_id"].as_str(), Some("done1"));
    Ok(())
}

mod engine;
