//! Changing the file: one key (`config set`) or every changed setting (`save`).

use super::keys::{
    ALLOW_UNSAVED_DELETE, ARCHIVE_CLEANS_DONE, ARCHIVE_SLIMS_FAILED, AUTO_CLEAN,
    DELETE_MERGED_UNSAVED, DELETE_MODE, KEEP_ON_ERROR, Key, LIMIT, QUOTAS, QuotaField, SCHEDULE,
    SWEEP_AGE_HOURS, WARN_PERCENT,
};
use super::read::{parse_file, read_document, read_file, syntax_reason};
use super::values::{
    check_percent, format_interval, format_size, is_off, parse_bool, parse_interval, parse_size,
    parse_sweep_age,
};
use super::{Config, ConfigError, reclaim};
use crate::policy::DeleteMode;
use crate::store::atomic;
use std::fs;
use std::path::Path;
use toml_edit::{DocumentMut, Item, Table, TableLike, Value};

/// What a new settings file starts as: every key at its default, explained.
pub(super) const TEMPLATE: &str = "\
# agents-janitor settings. Missing keys take their defaults; unknown keys are ignored.
# Change them here or with `agents-janitor config set KEY VALUE`.
#
# Disk quotas per environment id (remove one with `config set quotas.<env>.limit off`):
#   [quotas.my-env]
#   limit = \"20 GB\"       # or \"20 GiB\", \"1.5 TB\", or a number of bytes
#   warn_percent = 80     # warn from this share of the limit
#   auto_clean = false    # the schedule may delete workspaces to get under the limit
#
# Reclaiming the rest of Agents-Runner's footprint (`agents-janitor reclaim`), per kind:
# \"never\", \"ask\" (when you ask) or \"schedule\" (the schedule takes it by itself).
# Defaults: crash_leftovers and discarded_artifacts \"schedule\", speech_models \"never\",
# every other kind \"ask\".
#   [reclaim]
#   artifacts = \"ask\"
#   schedule_age = \"7d\"     # the schedule takes only what is older
#   trim_logs_after = \"off\" # or \"30d\": archived records' logs are cut after that age
#   trim_logs_keep = 200    # ... to their last lines

# Keep the workspaces of failed tasks when archiving, for debugging.
keep_on_error = true
# Archiving deletes the workspaces of tasks that ended well.
archive_cleans_done = true
# `sweep` deletes workspaces untouched for this many hours (or \"36h\", \"2d\").
sweep_age_hours = 24
# Delete workspaces with uncommitted or unpushed git work without asking.
allow_unsaved_delete = false
# The schedule, and archive and sweep on the command line (the systemd service), delete
# finished tasks' workspaces whose unsaved commits are merged or squash-merged into the
# base branch (allow_unsaved_delete still governs the rest).
delete_merged_unsaved = false
# Archiving slims the failed tasks' workspaces it keeps (deletes what git ignores,
# such as target/ or node_modules/) instead of keeping them whole.
archive_slims_failed = false
# \"delete\" frees the space at once; \"trash\" moves workspaces to the system trash.
delete_mode = \"delete\"
# How often the open window cleans up by itself: \"off\", or an interval such as \"6h\" or \"1d\".
schedule = \"off\"
";

/// A new file: the commented template.
fn template(path: &Path) -> Result<DocumentMut, ConfigError> {
    TEMPLATE.parse().map_err(|err| ConfigError::Syntax {
        path: path.to_owned(),
        reason: syntax_reason(&err, TEMPLATE),
    })
}

/// Sets one setting in the file at `path` (creating folder and file when missing),
/// keeping comments, layout and unknown keys. `value` is as typed on the command line;
/// the limit `off` (or `none`) removes that environment's quota. Returns the settings
/// now in the file. The file is left untouched on any error: a file that is not TOML
/// (or not UTF-8, or not a file) is refused, and so is a result that breaks a rule,
/// so an invalid value in the file can only be fixed by setting that very key.
pub fn set_value(path: &Path, key: &str, value: &str) -> Result<Config, ConfigError> {
    let parsed_key: Key = key.parse()?;
    let invalid = |reason: String| ConfigError::InvalidValue {
        key: key.to_owned(),
        value: value.to_owned(),
        reason,
    };
    let text = value.trim();
    let mut doc = match parse_file(path)? {
        Some(doc) => doc,
        None => template(path)?,
    };
    let root = doc.as_table_mut();
    match &parsed_key {
        Key::KeepOnError
        | Key::ArchiveCleansDone
        | Key::AllowUnsavedDelete
        | Key::DeleteMergedUnsaved
        | Key::ArchiveSlimsFailed => {
            let flag = parse_bool(text).map_err(invalid)?;
            put(root, key, Value::from(flag));
        }
        Key::SweepAgeHours => {
            let hours = parse_sweep_age(text).map_err(invalid)?;
            put(root, key, hours_value(hours));
        }
        Key::DeleteMode => {
            let mode: DeleteMode = text.parse().map_err(invalid)?;
            put(root, key, Value::from(mode.as_str()));
        }
        Key::Schedule => {
            let interval = parse_interval(text).map_err(invalid)?;
            let written = if interval.is_some() { text } else { "off" };
            put(root, key, Value::from(written));
        }
        Key::Reclaim(field) => {
            let new_value = reclaim::value_for(*field, text).map_err(invalid)?;
            let table = reclaim::reclaim_table(root)
                .ok_or_else(|| invalid(format!("reclaim in {} is not a table", path.display())))?;
            put(table, field.name(), new_value);
        }
        Key::Quota {
            env,
            field: QuotaField::Limit,
        } if is_off(text) => {
            if let Some(quotas) = root.get_mut(QUOTAS).and_then(Item::as_table_like_mut) {
                quotas.remove(env);
            }
        }
        Key::Quota { env, field } => {
            let new_value = match field {
                QuotaField::Limit => {
                    parse_size(text).map_err(invalid)?;
                    // A plain number of bytes stays a number; a size with a unit stays as typed.
                    match text.parse::<i64>() {
                        Ok(bytes) => Value::from(bytes),
                        Err(_) => Value::from(text),
                    }
                }
                QuotaField::WarnPercent => {
                    let percent = text
                        .parse::<i64>()
                        .map_err(|_| "expected a percentage from 1 to 100")
                        .and_then(check_percent)
                        .map_err(|reason| invalid(reason.into()))?;
                    Value::from(i64::from(percent))
                }
                QuotaField::AutoClean => Value::from(parse_bool(text).map_err(invalid)?),
            };
            let has_limit = root
                .get(QUOTAS)
                .and_then(Item::as_table_like)
                .and_then(|quotas| quotas.get(env))
                .and_then(Item::as_table_like)
                .is_some_and(|quota| quota.contains_key(LIMIT));
            if *field != QuotaField::Limit && !has_limit {
                return Err(invalid(format!(
                    "there is no quota for {env:?}: set quotas.{env}.limit first"
                )));
            }
            let quota = quota_table(root, env).ok_or_else(|| {
                invalid(format!(
                    "quotas or quotas.{env} in {} is not a table",
                    path.display()
                ))
            })?;
            put(quota, field.name(), new_value);
        }
    }
    let config = validate_document(path, &doc)?;
    write(path, &doc)?;
    Ok(config)
}

/// Writes `config` to `path`: an existing file is updated in place (only the values
/// that differ; comments, layout and unknown keys kept; quotas no longer in `config`
/// removed), a missing one is created from a commented template. Refuses, leaving it
/// untouched, an existing file that [`load`](super::load) warns about: `config` then holds defaults
/// in place of the file's settings.
pub fn save(path: &Path, config: &Config) -> Result<(), ConfigError> {
    config.validate()?;
    let (mut doc, current) = match read_file(path)? {
        Some((doc, current, _)) => (doc, current),
        None => (template(path)?, Config::default()),
    };
    let root = doc.as_table_mut();
    let flags = [
        (KEEP_ON_ERROR, current.keep_on_error, config.keep_on_error),
        (
            ARCHIVE_CLEANS_DONE,
            current.archive_cleans_done,
            config.archive_cleans_done,
        ),
        (
            ALLOW_UNSAVED_DELETE,
            current.allow_unsaved_delete,
            config.allow_unsaved_delete,
        ),
        (
            DELETE_MERGED_UNSAVED,
            current.delete_merged_unsaved,
            config.delete_merged_unsaved,
        ),
        (
            ARCHIVE_SLIMS_FAILED,
            current.archive_slims_failed,
            config.archive_slims_failed,
        ),
    ];
    for (key, old, new) in flags {
        if old != new {
            put(root, key, Value::from(new));
        }
    }
    if current.sweep_age_hours != config.sweep_age_hours {
        put(root, SWEEP_AGE_HOURS, hours_value(config.sweep_age_hours));
    }
    if current.delete_mode != config.delete_mode {
        put(root, DELETE_MODE, Value::from(config.delete_mode.as_str()));
    }
    if current.schedule != config.schedule {
        put(
            root,
            SCHEDULE,
            Value::from(format_interval(config.schedule)),
        );
    }
    if let Some(quotas) = root.get_mut(QUOTAS).and_then(Item::as_table_like_mut) {
        for env in current.quotas.keys() {
            if !config.quotas.contains_key(env) {
                quotas.remove(env);
            }
        }
    }
    for (env, quota) in &config.quotas {
        let old = current.quotas.get(env);
        let table = quota_table(root, env).ok_or_else(|| ConfigError::InvalidValue {
            key: format!("quotas.{env}"),
            value: String::new(),
            reason: "not a table in the file".into(),
        })?;
        if old.map(|q| q.limit_bytes) != Some(quota.limit_bytes) {
            put(table, LIMIT, Value::from(format_size(quota.limit_bytes)));
        }
        if old.map(|q| q.warn_percent) != Some(quota.warn_percent) {
            put(
                table,
                WARN_PERCENT,
                Value::from(i64::from(quota.warn_percent)),
            );
        }
        if old.map(|q| q.auto_clean) != Some(quota.auto_clean) {
            put(table, AUTO_CLEAN, Value::from(quota.auto_clean));
        }
    }
    let reclaim_changes = reclaim::changes(&current.reclaim, &config.reclaim);
    if !reclaim_changes.is_empty() {
        let table = reclaim::reclaim_table(root).ok_or_else(|| ConfigError::InvalidValue {
            key: reclaim::RECLAIM.into(),
            value: String::new(),
            reason: "not a table in the file".into(),
        })?;
        for (field, value) in reclaim_changes {
            put(table, field.name(), value);
        }
    }
    validate_document(path, &doc)?;
    write(path, &doc)
}

/// Reads an edited document back, so nothing is written that [`load`] would refuse.
fn validate_document(path: &Path, doc: &DocumentMut) -> Result<Config, ConfigError> {
    let text = doc.to_string();
    let reparsed: DocumentMut =
        text.parse()
            .map_err(|err: toml_edit::TomlError| ConfigError::Syntax {
                path: path.to_owned(),
                reason: syntax_reason(&err, &text),
            })?;
    read_document(&reparsed)
        .map(|(config, _)| config)
        .map_err(|bad| bad.in_file(path))
}

/// Hours as a TOML integer when whole (`24`), else a float (`1.5`).
fn hours_value(hours: f64) -> Value {
    // Whole numbers below 2^53 convert to i64 exactly.
    if hours.fract() == 0.0 && hours < 9_007_199_254_740_992.0 {
        Value::from(hours as i64)
    } else {
        Value::from(hours)
    }
}

/// Replaces (keeping the trailing comment) or adds `key = value` in `table`.
fn put(table: &mut dyn TableLike, key: &str, mut value: Value) {
    match table.get_mut(key) {
        Some(item) => {
            if let Some(old) = item.as_value() {
                *value.decor_mut() = old.decor().clone();
            }
            *item = Item::Value(value);
        }
        None => {
            table.insert(key, Item::Value(value));
        }
    }
}

/// The table of `env`'s quota, created (with `quotas`) when missing; `None` when the
/// file has something else there.
fn quota_table<'a>(root: &'a mut Table, env: &str) -> Option<&'a mut dyn TableLike> {
    if !root.contains_key(QUOTAS) {
        let mut quotas = Table::new();
        quotas.set_implicit(true);
        root.insert(QUOTAS, Item::Table(quotas));
    }
    let quotas = root.get_mut(QUOTAS)?.as_table_like_mut()?;
    if !quotas.contains_key(env) {
        quotas.insert(env, Item::Table(Table::new()));
    }
    quotas.get_mut(env)?.as_table_like_mut()
}

/// Replaces the file atomically, creating its folder; through a symlink, the file it
/// points to is replaced so dotfile links survive.
fn write(path: &Path, doc: &DocumentMut) -> Result<(), ConfigError> {
    let write_error = |source| ConfigError::Write {
        path: path.to_owned(),
        source,
    };
    let target = match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            fs::canonicalize(path).unwrap_or_else(|_| path.to_owned())
        }
        _ => path.to_owned(),
    };
    // A bare file name lives in the current folder.
    let target = match target.parent() {
        Some(folder) if folder.as_os_str().is_empty() => Path::new(".").join(&target),
        _ => target,
    };
    if let Some(folder) = target.parent() {
        fs::create_dir_all(folder).map_err(write_error)?;
    }
    let mode = fs::metadata(&target).ok().and_then(|m| atomic::mode_of(&m));
    atomic::write_atomic(&target, doc.to_string().as_bytes(), mode).map_err(write_error)
}
