//! What knowing whether Agents-Runner runs costs: [`LiveProbe::check`] over the live
//! process table, with as many extra processes as a busy desktop has.
//!
//!     cargo bench --bench agents_runner_check -- [EXTRA_PROCESSES]
//!
//! Starts EXTRA_PROCESSES (default 500) idle `sleep` processes and one Agents-Runner
//! look-alike (`python3 main.py` beside an `agents_runner/` package; skipped without
//! python3), then times 200 checks and prints the median, the 95th percentile and the
//! slowest, in wall time and in this thread's CPU time (the check runs on the calling
//! thread; on a loaded machine the CPU time is the steadier number). The goal is under
//! 20 ms for one check.

use agents_janitor::agents_runner::{LiveProbe, Probe};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHECKS: usize = 200;

fn main() -> anyhow::Result<()> {
    let extra: usize = std::env::args()
        .skip(1)
        .find(|arg| !arg.starts_with('-'))
        .map(|arg| arg.parse())
        .transpose()?
        .unwrap_or(500);
    let scratch = tempfile::tempdir()?;
    let checkout = scratch.path().join("agents-runner");
    let data_dir = scratch.path().join("data");
    std::fs::create_dir_all(checkout.join("agents_runner"))?;
    std::fs::create_dir_all(&data_dir)?;
    std::fs::write(checkout.join("agents_runner/__init__.py"), "")?;
    std::fs::write(checkout.join("main.py"), "import time\ntime.sleep(3600)\n")?;
    let mut children: Vec<Child> = Vec::with_capacity(extra + 1);
    for _ in 0..extra {
        children.push(Command::new("sleep").arg("3600").spawn()?);
    }
    let look_alike = Command::new("python3")
        .arg("main.py")
        .current_dir(&checkout)
        .env("AGENTS_RUNNER_STATE_PATH", &data_dir)
        .stdin(Stdio::null())
        .spawn();
    let found_expected = look_alike.is_ok();
    match look_alike {
        Ok(child) => children.push(child),
        Err(err) => {
            eprintln!("no Agents-Runner look-alike (python3: {err}); timing the table alone")
        }
    }
    // Python needs a moment to start; the check must see it before timing begins.
    let start = Instant::now();
    while found_expected && LiveProbe.check(&data_dir).is_none() {
        if start.elapsed() > Duration::from_secs(30) {
            anyhow::bail!("the look-alike was never found");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut times: Vec<Duration> = Vec::with_capacity(CHECKS);
    let mut cpu_times: Vec<Duration> = Vec::with_capacity(CHECKS);
    for _ in 0..CHECKS {
        let (start, cpu_start) = (Instant::now(), thread_cpu_time());
        let found = LiveProbe.check(&data_dir);
        times.push(start.elapsed());
        cpu_times.push(thread_cpu_time().saturating_sub(cpu_start));
        if found.is_some() != found_expected {
            anyhow::bail!("the check answered {found:?}");
        }
    }
    for child in &mut children {
        let _ = child.kill();
        let _ = child.wait();
    }
    times.sort();
    cpu_times.sort();
    let processes = std::fs::read_dir("/proc")
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| {
                    e.file_name()
                        .to_string_lossy()
                        .bytes()
                        .all(|b| b.is_ascii_digit())
                })
                .count()
        })
        .unwrap_or(0);
    println!(
        "agents-runner check, {CHECKS} checks, {extra} extra processes ({processes} after they ended):"
    );
    for (what, times) in [("wall", &times), ("cpu", &cpu_times)] {
        println!(
            "  {what:<4} median {:.2} ms, p95 {:.2} ms, max {:.2} ms",
            ms(times[CHECKS / 2]),
            ms(times[CHECKS * 95 / 100]),
            ms(times[CHECKS - 1])
        );
    }
    Ok(())
}

#[cfg(unix)]
fn thread_cpu_time() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(
        u64::try_from(t.tv_sec).unwrap_or(0),
        u32::try_from(t.tv_nsec).unwrap_or(0),
    )
}

/// No per-thread clock here: the CPU row repeats nothing useful, so it reads zero.
#[cfg(not(unix))]
fn thread_cpu_time() -> Duration {
    Duration::ZERO
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
