use super::read::read_document;
use super::write::TEMPLATE;
use super::*;
use crate::policy::reclaim::{KindSetting, ReclaimSettings};
use crate::policy::{DeleteMode, Quota};
use crate::store::footprint::FootprintKind;
use proptest::prelude::*;
use std::fs;
use toml_edit::DocumentMut;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const HOUR: Duration = Duration::from_secs(3600);

#[test]
fn the_template_holds_the_defaults() -> TestResult {
    let doc: DocumentMut = TEMPLATE.parse()?;
    let (config, unknown) = read_document(&doc).map_err(|bad| bad.reason)?;
    assert_eq!(config, Config::default());
    assert!(unknown.is_empty());
    Ok(())
}

#[test]
fn a_missing_file_gives_the_defaults_without_a_warning() -> TestResult {
    let dir = tempfile::tempdir()?;
    let loaded = load(&dir.path().join("none/config.toml"));
    assert_eq!(loaded.config, Config::default());
    assert!(loaded.warning.is_none() && !loaded.from_file && loaded.can_save());
    assert!(!dir.path().join("none").exists(), "load created something");
    Ok(())
}

#[test]
fn every_setting_and_form_loads() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join(FILE_NAME);
    fs::write(
        &path,
        "keep_on_error = false\narchive_cleans_done = false\nsweep_age_hours = \"2d\"\n\
         allow_unsaved_delete = true\ndelete_merged_unsaved = true\narchive_slims_failed = true\n\
         delete_mode = \"trash\"\nschedule = \"6h\"\n\
         quotas.dotted.limit = 5000\nfuture_key = [1, 2]\n\
         [quotas.\"my.env\"]\nlimit = \"20 GiB\"\nwarn_percent = 90\nauto_clean = true\ncolour = 1\n\
         [quotas.inline]\nlimit = 1.5e3\n",
    )?;
    let loaded = load(&path);
    // 1.5e3 is a float, not a size: the whole file is refused.
    let warning = loaded.warning.map(|w| w.to_string()).unwrap_or_default();
    assert!(warning.contains("quotas.inline.limit"), "{warning}");
    let text = fs::read_to_string(&path)?.replace("limit = 1.5e3", "limit = \"1.5 KB\"");
    fs::write(&path, text)?;
    let loaded = load(&path);
    assert!(loaded.warning.is_none(), "{:?}", loaded.warning);
    let want = Config {
        keep_on_error: false,
        archive_cleans_done: false,
        sweep_age_hours: 48.0,
        allow_unsaved_delete: true,
        delete_merged_unsaved: true,
        archive_slims_failed: true,
        delete_mode: DeleteMode::Trash,
        schedule: Some(6 * HOUR),
        quotas: BTreeMap::from([
            ("dotted".to_owned(), Quota::new(5000)),
            (
                "my.env".to_owned(),
                Quota {
                    limit_bytes: 20 << 30,
                    warn_percent: 90,
                    auto_clean: true,
                },
            ),
            ("inline".to_owned(), Quota::new(1500)),
        ]),
        reclaim: ReclaimSettings::default(),
    };
    assert_eq!(loaded.config, want);
    assert_eq!(loaded.unknown_keys, ["quotas.my.env.colour", "future_key"]);
    Ok(())
}

/// Writes `content` where the file is, or makes a folder or a symlink loop there.
enum Corrupt {
    Text(&'static str, &'static str),
    Bytes(&'static [u8], &'static str),
    Folder,
    #[cfg(unix)]
    Loop,
}

fn corrupt_kinds() -> Vec<Corrupt> {
    let mut kinds = vec![
        Corrupt::Text("keep_on_error = true\n[quotas\n", "not valid TOML"),
        Corrupt::Text("keep_on_error = 1\n", "keep_on_error"),
        Corrupt::Text("keep_on_error = \"yes\"\n", "expected true or false"),
        Corrupt::Text("sweep_age_hours = -3\n", "sweep_age_hours"),
        Corrupt::Text("sweep_age_hours = 0\n", "more than 0"),
        Corrupt::Text("sweep_age_hours = nan\n", "sweep_age_hours"),
        Corrupt::Text("sweep_age_hours = \"3y\"\n", "sweep_age_hours"),
        Corrupt::Text("schedule = \"abc\"\n", "schedule"),
        Corrupt::Text("schedule = \"10s\"\n", "shortest interval"),
        Corrupt::Text("schedule = 6\n", "schedule"),
        Corrupt::Text("delete_mode = \"shred\"\n", "delete or trash"),
        Corrupt::Text("[quotas.e]\nlimit = \"lots\"\n", "quotas.e.limit"),
        Corrupt::Text("[quotas.e]\nlimit = -5\n", "quotas.e.limit"),
        Corrupt::Text("[quotas.e]\nlimit = 0\n", "more than 0"),
        Corrupt::Text(
            "[quotas.e]\nlimit = 5\nwarn_percent = 101\n",
            "from 1 to 100",
        ),
        Corrupt::Text("[quotas.e]\nwarn_percent = 50\n", "needs a limit"),
        Corrupt::Text("quotas = 5\n", "table of quotas"),
        Corrupt::Text("quotas = { e = 5 }\n", "quotas.e"),
        Corrupt::Bytes(b"schedule = \"6h\xff\"\n", "UTF-8"),
        Corrupt::Folder,
    ];
    #[cfg(unix)]
    kinds.push(Corrupt::Loop);
    kinds
}

#[test]
fn an_unusable_file_gives_defaults_and_a_warning_and_is_never_written() -> TestResult {
    for (index, kind) in corrupt_kinds().into_iter().enumerate() {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join(FILE_NAME);
        let reason = match kind {
            Corrupt::Text(text, reason) => {
                fs::write(&path, text)?;
                reason
            }
            Corrupt::Bytes(bytes, reason) => {
                fs::write(&path, bytes)?;
                reason
            }
            Corrupt::Folder => {
                fs::create_dir(&path)?;
                "a folder"
            }
            #[cfg(unix)]
            Corrupt::Loop => {
                std::os::unix::fs::symlink(&path, &path)?;
                "cannot read"
            }
        };
        let before = fs::symlink_metadata(&path)?;
        let bytes = fs::read(&path).ok();
        let loaded = load(&path);
        let warning = loaded.warning.as_ref().map(ToString::to_string);
        let warning = warning.ok_or(format!("case {index}: no warning"))?;
        assert!(
            warning.contains(&*path.to_string_lossy()) && warning.contains(reason),
            "case {index}: {warning}"
        );
        assert_eq!(loaded.config, Config::default(), "case {index}");
        assert!(!loaded.can_save());
        // No case is about this key, so setting it leaves every problem in place.
        let set = set_value(&path, "allow_unsaved_delete", "true");
        assert!(set.is_err(), "case {index}: set_value wrote over it");
        assert!(save(&path, &Config::default()).is_err(), "case {index}");
        let after = fs::symlink_metadata(&path)?;
        assert_eq!(before.file_type(), after.file_type(), "case {index}");
        assert_eq!(fs::read(&path).ok(), bytes, "case {index}: changed");
        assert_eq!(
            fs::read_dir(dir.path())?.count(),
            1,
            "case {index}: temp left"
        );
    }
    Ok(())
}

const COMMENTED: &str = "\
# my notes about the janitor
keep_on_error = true   # keep them for now
mystery = \"kept\"

[quotas.env-a]
# a comment in a quota
limit = 1000  # bytes

[elsewhere]
foo = 1
";

#[test]
fn set_value_changes_one_value_and_keeps_comments_and_unknown_keys() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join(FILE_NAME);
    fs::write(&path, COMMENTED)?;
    let config = set_value(&path, "keep_on_error", "false")?;
    assert!(!config.keep_on_error);
    let want = COMMENTED.replace("keep_on_error = true", "keep_on_error = false");
    assert_eq!(fs::read_to_string(&path)?, want);
    set_value(&path, "quotas.env-a.limit", "2 GB")?;
    let want = want.replace("limit = 1000", "limit = \"2 GB\"");
    assert_eq!(fs::read_to_string(&path)?, want);
    let loaded = load(&path);
    assert_eq!(
        loaded.config.quotas.get("env-a"),
        Some(&Quota::new(2_000_000_000))
    );
    assert_eq!(loaded.unknown_keys, ["mystery", "elsewhere"]);
    Ok(())
}

#[test]
fn set_value_writes_every_key_as_load_reads_it() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("new/folder").join(FILE_NAME);
    let steps = [
        ("keep_on_error", "false"),
        ("archive_cleans_done", "false"),
        ("allow_unsaved_delete", "true"),
        ("delete_merged_unsaved", "true"),
        ("archive_slims_failed", "true"),
        ("sweep_age_hours", "36h"),
        ("delete_mode", "trash"),
        ("schedule", "90m"),
        ("quotas.my.env.limit", "20 GiB"),
        ("quotas.my.env.warn_percent", "90"),
        ("quotas.my.env.auto_clean", "true"),
        ("quotas.gone.limit", "5000"),
        ("quotas.gone.limit", "off"),
    ];
    let mut last = Config::default();
    for (key, value) in steps {
        last = set_value(&path, key, value)?;
    }
    let want = Config {
        keep_on_error: false,
        archive_cleans_done: false,
        sweep_age_hours: 36.0,
        allow_unsaved_delete: true,
        delete_merged_unsaved: true,
        archive_slims_failed: true,
        delete_mode: DeleteMode::Trash,
        schedule: Some(90 * MIN_INTERVAL),
        quotas: BTreeMap::from([(
            "my.env".to_owned(),
            Quota {
                limit_bytes: 20 << 30,
                warn_percent: 90,
                auto_clean: true,
            },
        )]),
        reclaim: ReclaimSettings::default(),
    };
    assert_eq!(last, want);
    let loaded = load(&path);
    assert!(loaded.warning.is_none() && loaded.unknown_keys.is_empty());
    assert_eq!(loaded.config, want);
    let text = fs::read_to_string(&path)?;
    assert!(text.starts_with("# agents-janitor settings"), "{text}");
    assert!(
        text.contains("schedule = \"90m\"") && !text.contains("gone"),
        "{text}"
    );
    Ok(())
}

#[test]
fn set_value_refuses_bad_keys_and_values_and_leaves_the_file() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join(FILE_NAME);
    fs::write(&path, COMMENTED)?;
    let table = [
        ("colour", "red", "unknown setting \"colour\""),
        (
            "schedule",
            "abc",
            "invalid value \"abc\" for schedule: expected an interval",
        ),
        ("schedule", "0", "for schedule"),
        ("keep_on_error", "yes", "expected true or false"),
        ("sweep_age_hours", "0", "more than 0"),
        ("delete_mode", "shred", "delete or trash"),
        ("quotas.env-a.limit", "-1", "negative"),
        ("quotas.env-a.warn_percent", "101", "from 1 to 100"),
        (
            "quotas.env-b.auto_clean",
            "true",
            "set quotas.env-b.limit first",
        ),
    ];
    for (key, value, message) in table {
        let err = set_value(&path, key, value).err().ok_or("accepted")?;
        assert!(err.is_bad_input(), "{key}: {err}");
        assert!(err.to_string().contains(message), "{key}: {err}");
        assert_eq!(fs::read_to_string(&path)?, COMMENTED, "{key} changed it");
    }
    let missing = dir.path().join("missing.toml");
    assert!(set_value(&missing, "schedule", "abc").is_err());
    assert!(!missing.exists(), "a refused set created the file");
    Ok(())
}

#[test]
fn set_value_fixes_the_bad_value_it_is_given() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join(FILE_NAME);
    fs::write(&path, "schedule = \"abc\"  # oops\n")?;
    assert!(set_value(&path, "keep_on_error", "false").is_err());
    set_value(&path, "schedule", "off")?;
    assert_eq!(fs::read_to_string(&path)?, "schedule = \"off\"  # oops\n");
    Ok(())
}

#[test]
fn inline_quota_tables_are_edited_in_place() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join(FILE_NAME);
    fs::write(&path, "quotas = { a = { limit = \"1 GB\" } }\n")?;
    set_value(&path, "quotas.a.warn_percent", "50")?;
    set_value(&path, "quotas.b.limit", "2GB")?;
    let loaded = load(&path);
    assert!(loaded.warning.is_none(), "{:?}", loaded.warning);
    let a = Quota {
        limit_bytes: 1_000_000_000,
        warn_percent: 50,
        auto_clean: false,
    };
    let b = Quota::new(2_000_000_000);
    assert_eq!(
        loaded.config.quotas,
        BTreeMap::from([("a".into(), a), ("b".into(), b)])
    );
    Ok(())
}

fn everything_changed() -> Config {
    Config {
        keep_on_error: false,
        archive_cleans_done: false,
        sweep_age_hours: 1.5,
        allow_unsaved_delete: true,
        delete_merged_unsaved: true,
        archive_slims_failed: true,
        delete_mode: DeleteMode::Trash,
        schedule: Some(Duration::from_secs(5400)),
        quotas: BTreeMap::from([
            ("env.with.dots".to_owned(), Quota::new(20 << 30)),
            (
                "env-2".to_owned(),
                Quota {
                    limit_bytes: 1234,
                    warn_percent: 100,
                    auto_clean: true,
                },
            ),
        ]),
        reclaim: ReclaimSettings {
            kinds: BTreeMap::from([
                (FootprintKind::CrashLeftovers, KindSetting::Never),
                (FootprintKind::Backups, KindSetting::Schedule),
            ]),
            schedule_age_hours: 36.0,
            trim_logs_after_hours: Some(30.0 * 24.0),
            trim_logs_keep: 50,
        },
    }
}

#[test]
fn save_writes_a_fresh_commented_file_that_loads_back() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("sub").join(FILE_NAME);
    let config = everything_changed();
    save(&path, &config)?;
    let loaded = load(&path);
    assert!(loaded.warning.is_none() && loaded.unknown_keys.is_empty());
    assert_eq!(loaded.config, config);
    assert!(fs::read_to_string(&path)?.contains("# Keep the workspaces of failed tasks"));
    save(&path, &Config::default())?;
    assert_eq!(load(&path).config, Config::default());
    Ok(())
}

#[test]
fn save_updates_in_place_and_removes_dropped_quotas() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join(FILE_NAME);
    fs::write(&path, COMMENTED)?;
    // Saving what is there changes nothing at all.
    save(&path, &load(&path).config)?;
    assert_eq!(fs::read_to_string(&path)?, COMMENTED);
    let config = everything_changed();
    save(&path, &config)?;
    let text = fs::read_to_string(&path)?;
    for kept in [
        "# my notes about the janitor",
        "keep_on_error = false   # keep them for now",
        "mystery = \"kept\"",
        "[elsewhere]",
    ] {
        assert!(text.contains(kept), "{kept:?} lost:\n{text}");
    }
    assert!(
        !text.contains("env-a"),
        "dropped quota still there:\n{text}"
    );
    let loaded = load(&path);
    assert_eq!(loaded.config, config);
    assert_eq!(loaded.unknown_keys, ["mystery", "elsewhere"]);
    Ok(())
}

#[test]
fn save_refuses_invalid_settings() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join(FILE_NAME);
    let mut bad = Config::default();
    bad.quotas.insert(
        "e".into(),
        Quota {
            warn_percent: 0,
            ..Quota::new(5)
        },
    );
    let cases = [
        Config {
            sweep_age_hours: 0.0,
            ..Config::default()
        },
        Config {
            sweep_age_hours: f64::INFINITY,
            ..Config::default()
        },
        Config {
            schedule: Some(Duration::from_secs(5)),
            ..Config::default()
        },
        bad,
    ];
    for config in cases {
        let err = save(&path, &config).err().ok_or("accepted")?;
        assert!(err.is_bad_input(), "{err}");
        assert!(!path.exists());
    }
    Ok(())
}

#[cfg(unix)]
#[test]
fn writes_go_through_a_symlink_to_its_target() -> TestResult {
    let dir = tempfile::tempdir()?;
    let target = dir.path().join("dotfiles.toml");
    let link = dir.path().join(FILE_NAME);
    fs::write(&target, "keep_on_error = true\n")?;
    std::os::unix::fs::symlink(&target, &link)?;
    set_value(&link, "keep_on_error", "false")?;
    assert!(fs::symlink_metadata(&link)?.file_type().is_symlink());
    assert_eq!(fs::read_to_string(&target)?, "keep_on_error = false\n");
    Ok(())
}

/// Text that looks like a settings file: known and unknown keys, good and bad values.
fn settings_like() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("keep_on_error"),
        Just("sweep_age_hours"),
        Just("schedule"),
        Just("delete_mode"),
        Just("quotas"),
        Just("[quotas.e]"),
        Just("limit"),
        Just("warn_percent"),
        Just("other"),
    ];
    let value = prop_oneof![
        Just("true"),
        Just("-1"),
        Just("0"),
        Just("101"),
        Just("nan"),
        Just("\"6h\""),
        Just("\"20 GB\""),
        Just("\"trash\""),
        Just("{ e = { limit = 5 } }"),
        Just("[1, 2"),
        Just("\"\\xff\""),
    ];
    prop::collection::vec((key, value), 0..6).prop_map(|lines| {
        lines
            .into_iter()
            .map(|(key, value)| {
                if key.starts_with('[') {
                    format!("{key}\n")
                } else {
                    format!("{key} = {value}\n")
                }
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn load_never_panics_nor_writes_and_unusable_files_are_never_rewritten(
        bytes in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..200),
            "[ -~\n]{0,200}".prop_map(String::into_bytes),
            settings_like().prop_map(String::into_bytes),
        ]
    ) {
        let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let path = dir.path().join(FILE_NAME);
        fs::write(&path, &bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let loaded = load(&path);
        prop_assert_eq!(fs::read(&path).ok(), Some(bytes.clone()));
        if let Some(warning) = &loaded.warning {
            prop_assert_eq!(&loaded.config, &Config::default());
            prop_assert!(save(&path, &Config::default()).is_err());
            prop_assert_eq!(fs::read(&path).ok(), Some(bytes.clone()));
            // A set may only go through by fixing the one bad value of a TOML file.
            if set_value(&path, "keep_on_error", "false").is_ok() {
                let fixed = matches!(warning, ConfigError::InvalidFile { key, .. } if key == "keep_on_error");
                prop_assert!(fixed, "{}", warning);
                prop_assert!(load(&path).warning.is_none());
            } else {
                prop_assert_eq!(fs::read(&path).ok(), Some(bytes));
            }
        } else {
            // A usable file stays usable after a save of what it holds.
            save(&path, &loaded.config).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(load(&path).config, loaded.config);
        }
    }
}

#[test]
fn reclaim_settings_are_set_read_back_and_checked() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join(FILE_NAME);
    let steps = [
        ("reclaim.crash_leftovers", "never"),
        ("reclaim.artifacts", "schedule"),
        ("reclaim.backups", "ask"),
        ("reclaim.schedule_age", "3d"),
        ("reclaim.trim_logs_after", "30d"),
        ("reclaim.trim_logs_keep", "50"),
    ];
    let mut last = Config::default();
    for (key, value) in steps {
        last = set_value(&path, key, value)?;
    }
    let want = ReclaimSettings {
        kinds: BTreeMap::from([
            (FootprintKind::CrashLeftovers, KindSetting::Never),
            (FootprintKind::Artifacts, KindSetting::Schedule),
        ]),
        schedule_age_hours: 72.0,
        trim_logs_after_hours: Some(720.0),
        trim_logs_keep: 50,
    };
    assert_eq!(last.reclaim, want);
    let loaded = load(&path);
    assert!(loaded.warning.is_none(), "{:?}", loaded.warning);
    assert_eq!(loaded.config.reclaim, want);
    assert_eq!(
        loaded.config.reclaim.scheduled_kinds(),
        vec![FootprintKind::Artifacts, FootprintKind::DiscardedArtifacts]
    );
    set_value(&path, "reclaim.trim_logs_after", "off")?;
    assert_eq!(load(&path).config.reclaim.trim_logs_after_hours, None);
    let before = fs::read_to_string(&path)?;
    for (key, value) in [
        ("reclaim.prompts", "ask"),
        ("reclaim.nothing", "ask"),
        ("reclaim.artifacts", "sometimes"),
        ("reclaim.schedule_age", "0h"),
        ("reclaim.trim_logs_keep", "-1"),
        ("reclaim.trim_logs_keep", "many"),
    ] {
        assert!(
            set_value(&path, key, value).is_err(),
            "{key} = {value} accepted"
        );
    }
    assert_eq!(
        fs::read_to_string(&path)?,
        before,
        "a refused value changed the file"
    );
    Ok(())
}

#[test]
fn a_bad_reclaim_value_in_the_file_is_refused_with_its_key() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join(FILE_NAME);
    fs::write(&path, "[reclaim]\nartifacts = \"always\"\n")?;
    let loaded = load(&path);
    let warning = loaded.warning.map(|w| w.to_string()).unwrap_or_default();
    assert!(warning.contains("reclaim.artifacts"), "{warning}");
    assert_eq!(loaded.config, Config::default());
    fs::write(&path, "[reclaim]\nartifacts = \"schedule\"\nfuture = 1\n")?;
    let loaded = load(&path);
    assert_eq!(
        loaded.config.reclaim.setting(FootprintKind::Artifacts),
        KindSetting::Schedule
    );
    save(&path, &Config::default())?;
    assert!(
        fs::read_to_string(&path)?.contains("future = 1"),
        "unknown key dropped"
    );
    Ok(())
}
