//! The `workspaces/` set: cloned task workspaces shaped like git checkouts.

use super::*;

const HOOKS: [&str; 13] = [
    "applypatch-msg",
    "commit-msg",
    "fsmonitor-watchman",
    "post-update",
    "pre-applypatch",
    "pre-commit",
    "pre-merge-commit",
    "pre-push",
    "pre-rebase",
    "pre-receive",
    "prepare-commit-msg",
    "push-to-checkout",
    "update",
];
pub(super) const SOURCE_DIRS: [&str; 8] = [
    "api", "auth", "billing", "config", "db", "http", "jobs", "util",
];
const MODULE_CACHE: &str = ".cache/go-mod/github.com/pkg/errors@v0.9.1";

pub(super) fn write_workspaces_set(data_dir: &Path, scale: BenchScale) -> Result<(), DemoError> {
    write_environments(data_dir)?;
    create_dir(&active_tasks_dir(data_dir))?;
    let ids: Vec<String> = (0..scale.workspaces).map(|i| task_id(1, i)).collect();
    // Group leaders first: the others hard-link their base pack.
    let (leaders, followers): (Vec<usize>, Vec<usize>) =
        (0..scale.workspaces).partition(|i| i % LINK_GROUP == 0);
    for batch in [leaders, followers] {
        batch
            .par_iter()
            .map(|&index| write_checkout(data_dir, &ids, index))
            .collect::<Result<(), DemoError>>()?;
    }
    ids.par_iter()
        .enumerate()
        .map(|(index, id)| write_record(data_dir, false, id, index, 20))
        .collect()
}

/// One workspace shaped like a git checkout, about 250 entries.
fn write_checkout(data_dir: &Path, ids: &[String], index: usize) -> Result<(), DemoError> {
    let root = task_workspace_path(data_dir, BENCH_ENV, &ids[index]);
    let seed = (index as u64) << 20;
    create_dir(&root)?;
    for (name, len) in [
        ("README.md", 2_400),
        ("Cargo.toml", 600),
        (".gitignore", 40),
        ("LICENSE", 1_070),
        ("Makefile", 900),
        ("build.rs", 350),
    ] {
        write_file(&root.join(name), &source_text("# bench\n", len), false)?;
    }
    let mut counter = seed;
    let mut source_files = |folder: &Path, count: usize, ext: &str| -> Result<(), DemoError> {
        create_dir(folder)?;
        for file in 0..count {
            counter += 1;
            let len = size_between(counter, 200, 8_000);
            let header = format!("// file {file} of workspace {index}\n");
            write_file(
                &folder.join(format!("mod_{file:02}.{ext}")),
                &source_text(&header, len),
                false,
            )?;
        }
        Ok(())
    };
    for dir in SOURCE_DIRS {
        source_files(&root.join("src").join(dir), 12, "rs")?;
    }
    source_files(&root.join("docs"), 6, "md")?;
    source_files(&root.join("tests"), 10, "rs")?;

    let git = root.join(".git");
    for dir in [
        "hooks",
        "info",
        "logs/refs/heads",
        "logs/refs/remotes/origin",
        "refs/heads",
        "refs/tags",
        "refs/remotes/origin",
        "objects/info",
        "objects/pack",
    ] {
        create_dir(&git.join(dir))?;
    }
    let branch = format!("agents-runner/{}", ids[index]);
    let commit = format!("{:016x}{:016x}{:08x}\n", mix(seed), mix(seed + 1), index);
    for (name, contents) in [
        ("HEAD", format!("ref: refs/heads/{branch}\n")),
        ("config", "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n[remote \"origin\"]\n\turl = https://example.invalid/bench.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n".to_owned()),
        ("description", "Unnamed repository; edit this file 'description' to name the repository.\n".to_owned()),
        ("packed-refs", format!("# pack-refs with: peeled fully-peeled sorted\n{} refs/remotes/origin/main\n", commit.trim())),
        ("FETCH_HEAD", format!("{}\t\tbranch 'main' of https://example.invalid/bench\n", commit.trim())),
        ("info/exclude", "# git ls-files --others --exclude-from=.git/info/exclude\n".to_owned()),
        ("logs/HEAD", format!("0000000000000000000000000000000000000000 {} Agents Runner <ar@example.invalid> 1767225600 +0000\tclone\n", commit.trim())),
        ("logs/refs/heads/main", format!("0000000000000000000000000000000000000000 {}\n", commit.trim())),
        ("logs/refs/remotes/origin/HEAD", format!("0000000000000000000000000000000000000000 {}\n", commit.trim())),
        ("refs/heads/main", commit.clone()),
        ("refs/remotes/origin/HEAD", "ref: refs/remotes/origin/main\n".to_owned()),
    ] {
        write_file(&git.join(name), contents.as_bytes(), false)?;
    }
    write_file(
        &git.join("index"),
        &noise(
            &format!("index-{index}"),
            size_between(seed + 2, 9_000, 30_000),
        ),
        false,
    )?;
    for (number, hook) in HOOKS.iter().enumerate() {
        let len = 400 + number * 280;
        write_file(
            &git.join("hooks").join(format!("{hook}.sample")),
            &source_text("#!/bin/sh\n", len),
            false,
        )?;
    }
    // Loose objects are read-only files in two-hex-digit folders.
    for object in 0..40_u64 {
        let hash = mix(seed + 100 + object);
        let folder = git.join("objects").join(format!("{:02x}", hash >> 56));
        create_dir(&folder)?;
        let len = size_between(hash, 90, 4_000);
        write_file(
            &folder.join(format!(
                "{:038x}",
                u128::from(hash) << 40 | u128::from(object)
            )),
            &noise(&format!("obj-{index}-{object}"), len),
            true,
        )?;
    }
    let pack = git.join("objects/pack");
    let leader = index - index % LINK_GROUP;
    let shared = format!("pack-{:040x}", mix(leader as u64));
    if index == leader {
        write_file(
            &pack.join(format!("{shared}.pack")),
            &noise(&shared, SHARED_PACK_BYTES),
            true,
        )?;
        write_file(
            &pack.join(format!("{shared}.idx")),
            &noise(&format!("{shared}-idx"), SHARED_PACK_BYTES / 40),
            true,
        )?;
    } else {
        let leader_pack =
            task_workspace_path(data_dir, BENCH_ENV, &ids[leader]).join(".git/objects/pack");
        for ext in ["pack", "idx"] {
            let name = format!("{shared}.{ext}");
            hard_link(&leader_pack.join(&name), &pack.join(&name))?;
        }
    }
    let own = format!("pack-{:040x}", mix(seed + 3));
    let own_len = if index % LARGE_PACK_EVERY == LARGE_PACK_EVERY - 1 {
        LARGE_PACK_BYTES
    } else {
        size_between(seed + 4, 64 << 10, 512 << 10)
    };
    write_file(
        &pack.join(format!("{own}.pack")),
        &noise(&own, own_len),
        true,
    )?;
    write_file(
        &pack.join(format!("{own}.idx")),
        &noise(&format!("{own}-idx"), own_len / 40 + 1_000),
        true,
    )?;
    if index % 10 == 5 {
        write_module_cache(&root.join(MODULE_CACHE))?;
    }
    Ok(())
}

/// A read-only folder of read-only files, like Go's module cache.
fn write_module_cache(folder: &Path) -> Result<(), DemoError> {
    make_writable(folder)?;
    create_dir(folder)?;
    for (name, len) in [
        ("errors.go", 2_900),
        ("go.mod", 32),
        ("LICENSE", 1_300),
        ("stack.go", 4_200),
    ] {
        write_file(&folder.join(name), &source_text("// vendored\n", len), true)?;
    }
    set_read_only(folder, true)
}
