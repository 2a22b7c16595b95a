//! The janitor's own settings file (not Agents-Runner's): cleanup policy, delete mode,
//! schedule and per-environment quotas, shared by the window and the CLI.
//!
//! The file is TOML, by default `config.toml` in the platform's config folder
//! ([`default_path`]: `$XDG_CONFIG_HOME/agents-janitor/config.toml` on Linux):
//!
//! ```toml
//! keep_on_error = true          # keep the workspaces of failed tasks when archiving
//! archive_cleans_done = true    # archiving deletes the workspaces of tasks that ended well
//! sweep_age_hours = 24          # also "36h", "2d", "1w"; more than 0
//! allow_unsaved_delete = false  # delete workspaces with unsaved git work without asking
//! delete_mode = "delete"        # or "trash"
//! schedule = "off"              # or an interval of 1m to 1y: "6h", "90m", "1d"
//!
//! [quotas.my-env]               # by environment id
//! limit = "20 GB"               # "20GB", "20 GiB", "1.5 TB" or a number of bytes
//! warn_percent = 80             # 1 to 100
//! auto_clean = false
//! ```
//!
//! Missing keys take the defaults of [`Config::default`]. Unknown keys are kept in the
//! file, ignored, and listed in [`LoadedConfig::unknown_keys`] so the caller can warn
//! about typos. A file that cannot be used (not TOML, not UTF-8, a wrong type or an
//! invalid value, a folder, unreadable) gives the defaults plus a warning, and is never
//! rewritten: [`save`] refuses it, and [`set_value`] only fixes an invalid value by
//! setting that key (a file that is not TOML it refuses outright). Writes edit the file with
//! `toml_edit`, so comments, layout and unknown keys survive, and replace it atomically.
//! A quota is removed with the limit `off` (`config set quotas.<env>.limit off`).

use crate::store::atomic;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;
use thiserror::Error;
use toml_edit::{DocumentMut, Item, Table, TableLike, Value};

/// Default warning threshold of a quota, in percent of its limit.
pub const DEFAULT_WARN_PERCENT: u8 = 80;

/// The settings file's name inside the config folder.
pub const FILE_NAME: &str = "config.toml";

/// The shortest schedule interval: cleaning more often only burns disk I/O.
pub const MIN_INTERVAL: Duration = Duration::from_secs(60);

/// The longest schedule interval (humantime's `1y`); also keeps timer arithmetic far
/// from overflowing.
pub const MAX_INTERVAL: Duration = Duration::from_secs(31_557_600);

/// What "delete" does with a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeleteMode {
    /// Free the space at once.
    #[default]
    Delete,
    /// Move to the system trash; the space is freed when the trash is emptied.
    Trash,
}

impl DeleteMode {
    /// The word the settings file uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Delete => "delete",
            Self::Trash => "trash",
        }
    }
}

impl FromStr for DeleteMode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text.trim() {
            "delete" => Ok(Self::Delete),
            "trash" => Ok(Self::Trash),
            _ => Err("expected delete or trash".into()),
        }
    }
}

/// A disk limit for one environment's task workspaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Quota {
    pub limit_bytes: u64,
    /// Usage at or above this percentage of the limit is a warning.
    pub warn_percent: u8,
    /// The janitor may delete workspaces by itself (on the schedule) to get under the limit.
    pub auto_clean: bool,
}

impl Quota {
    /// A quota of `limit_bytes` with the default warning threshold and no auto-clean.
    pub fn new(limit_bytes: u64) -> Self {
        Self {
            limit_bytes,
            warn_percent: DEFAULT_WARN_PERCENT,
            auto_clean: false,
        }
    }
}

/// Every setting, with Agents-Runner's behaviour as the defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Keep the workspaces of failed tasks for debugging when archiving.
    pub keep_on_error: bool,
    /// Archiving deletes the workspaces of tasks that ended well.
    pub archive_cleans_done: bool,
    /// Workspaces untouched for this many hours are swept.
    pub sweep_age_hours: f64,
    /// Workspaces with uncommitted or unpushed work may be deleted without asking.
    pub allow_unsaved_delete: bool,
    pub delete_mode: DeleteMode,
    /// How often the running window cleans up by itself; `None` is off.
    pub schedule: Option<Duration>,
    /// Quotas by environment id.
    pub quotas: BTreeMap<String, Quota>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            keep_on_error: true,
            archive_cleans_done: true,
            sweep_age_hours: crate::policy::DEFAULT_SWEEP_HOURS,
            allow_unsaved_delete: false,
            delete_mode: DeleteMode::Delete,
            schedule: None,
            quotas: BTreeMap::new(),
        }
    }
}

impl Config {
    /// Checks every value against the same rules the file is read with.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key: &str, value: String, reason: String| ConfigError::InvalidValue {
            key: key.to_owned(),
            value,
            reason,
        };
        check_sweep_hours(self.sweep_age_hours).map_err(|reason| {
            invalid(
                SWEEP_AGE_HOURS,
                self.sweep_age_hours.to_string(),
                reason.into(),
            )
        })?;
        if let Some(interval) = self.schedule {
            check_interval(interval)
                .map_err(|reason| invalid(SCHEDULE, format_interval(self.schedule), reason))?;
        }
        for (env, quota) in &self.quotas {
            if env.is_empty() {
                return Err(invalid(
                    "quotas",
                    String::new(),
                    "an environment id is empty".into(),
                ));
            }
            // u64::MAX is what parse_size refuses as "too large" (bytesize saturates).
            if quota.limit_bytes == 0 || quota.limit_bytes == u64::MAX {
                return Err(invalid(
                    &format!("quotas.{env}.limit"),
                    quota.limit_bytes.to_string(),
                    "expected from 1 byte to 16 EiB".into(),
                ));
            }
            check_percent(i64::from(quota.warn_percent)).map_err(|reason| {
                invalid(
                    &format!("quotas.{env}.warn_percent"),
                    quota.warn_percent.to_string(),
                    reason.into(),
                )
            })?;
        }
        Ok(())
    }
}

/// `config.toml` in the platform's config folder, or `None` when no home folder is known.
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "agents-janitor")
        .map(|dirs| dirs.config_dir().join(FILE_NAME))
}

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

/// Why the settings file could not be read, or a setting not changed.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("unknown setting {key:?}: expected one of {}", KEY_LIST)]
    UnknownKey { key: String },
    #[error("invalid value {value:?} for {key}: {reason}")]
    InvalidValue {
        key: String,
        value: String,
        reason: String,
    },
    #[error("{}: invalid value {value} for {key}: {reason}", path.display())]
    InvalidFile {
        path: PathBuf,
        key: String,
        /// As written in the file (strings quoted).
        value: String,
        reason: String,
    },
    #[error("{}: not valid TOML: {reason}", path.display())]
    Syntax { path: PathBuf, reason: String },
    #[error("{}: not valid UTF-8", path.display())]
    NotUtf8 { path: PathBuf },
    #[error("{}: a folder, not a settings file", path.display())]
    IsFolder { path: PathBuf },
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
}

impl ConfigError {
    /// A bad key or value from the user (exit code 2), rather than a problem with the file.
    pub fn is_bad_input(&self) -> bool {
        matches!(self, Self::UnknownKey { .. } | Self::InvalidValue { .. })
    }
}

// ---------------------------------------------------------------------------------------
// Value parsing and formatting
// ---------------------------------------------------------------------------------------

const INTERVAL_EXPECTED: &str = "expected an interval such as 6h, 90m or 1d, or off";
const SIZE_ZERO: &str = "a limit must be more than 0 bytes";

/// Parses a schedule interval such as `6h`, `90m`, `1d` or `1h 30m`; `off`, `never`
/// and the empty string mean no schedule. Refuses intervals under 1 minute or over 1 year.
pub fn parse_interval(text: &str) -> Result<Option<Duration>, String> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("off") || text.eq_ignore_ascii_case("never") {
        return Ok(None);
    }
    let interval = humantime::parse_duration(text).map_err(|_| INTERVAL_EXPECTED.to_owned())?;
    check_interval(interval)?;
    Ok(Some(interval))
}

fn check_interval(interval: Duration) -> Result<(), String> {
    if interval < MIN_INTERVAL {
        Err("the shortest interval is 1m".into())
    } else if interval > MAX_INTERVAL {
        Err("the longest interval is 1y".into())
    } else {
        Ok(())
    }
}

/// The text [`parse_interval`] reads back to the same value: `off`, `6h`, `1h 30m`.
pub fn format_interval(interval: Option<Duration>) -> String {
    match interval {
        None => "off".into(),
        Some(interval) => humantime::format_duration(interval).to_string(),
    }
}

/// Parses a size such as `20 GB`, `20GB`, `20 GiB`, `1.5 TB` or a number of bytes.
/// Refuses empty, negative, zero and sizes beyond 16 EiB.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("expected a size such as 20 GB, 20 GiB or a number of bytes".into());
    }
    if text.starts_with('-') {
        return Err("a size cannot be negative".into());
    }
    let size: bytesize::ByteSize = text
        .parse()
        .map_err(|_| "expected a size such as 20 GB, 20 GiB or a number of bytes".to_owned())?;
    match size.as_u64() {
        0 => Err(SIZE_ZERO.into()),
        // bytesize saturates instead of failing.
        u64::MAX => Err("too large".into()),
        bytes => Ok(bytes),
    }
}

/// The shortest text with a unit that [`parse_size`] reads back to exactly `bytes`:
/// `20 GB`, `20 GiB`, `1.5 TB`; `1234 B` when no unit fits with up to 2 decimals.
pub fn format_size(bytes: u64) -> String {
    const UNITS: [(&str, u64); 10] = [
        ("PB", 1_000_000_000_000_000),
        ("PiB", 1 << 50),
        ("TB", 1_000_000_000_000),
        ("TiB", 1 << 40),
        ("GB", 1_000_000_000),
        ("GiB", 1 << 30),
        ("MB", 1_000_000),
        ("MiB", 1 << 20),
        ("KB", 1_000),
        ("KiB", 1 << 10),
    ];
    let mut best: Option<String> = None;
    for (unit, factor) in UNITS {
        if bytes < factor {
            continue;
        }
        for decimals in 0..=2 {
            let number = format!("{:.decimals$}", bytes as f64 / factor as f64);
            let candidate = format!("{number} {unit}");
            if parse_size(&candidate) == Ok(bytes) {
                if best.as_ref().is_none_or(|b| candidate.len() < b.len()) {
                    best = Some(candidate);
                }
                break;
            }
        }
    }
    best.unwrap_or_else(|| format!("{bytes} B"))
}

/// Parses an age such as `24h`, `90m`, `2d`, `1w`, `36` (hours) or `1.5h` into hours.
/// Zero is allowed (the CLI's `sweep --older-than 0` sweeps every finished workspace).
pub fn parse_age_hours(text: &str) -> Result<f64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| "expected an age like 24h, 90m, 2d or 1w".to_owned())?;
    let hours = match unit.trim() {
        "" | "h" | "hour" | "hours" => value,
        "m" | "min" | "minutes" => value / 60.0,
        "d" | "day" | "days" => value * 24.0,
        "w" | "week" | "weeks" => value * 24.0 * 7.0,
        other => return Err(format!("unknown unit {other:?}: use m, h, d or w")),
    };
    if hours.is_finite() {
        Ok(hours)
    } else {
        Err("too large".into())
    }
}

/// [`parse_age_hours`] for `sweep_age_hours`, which must be more than 0.
pub fn parse_sweep_age(text: &str) -> Result<f64, String> {
    let hours = parse_age_hours(text)?;
    check_sweep_hours(hours)?;
    Ok(hours)
}

fn check_sweep_hours(hours: f64) -> Result<(), &'static str> {
    if hours.is_finite() && hours > 0.0 {
        Ok(())
    } else {
        Err("expected an age of more than 0 hours, such as 24, 36h or 2d")
    }
}

fn check_percent(percent: i64) -> Result<u8, &'static str> {
    u8::try_from(percent)
        .ok()
        .filter(|p| (1..=100).contains(p))
        .ok_or("expected a percentage from 1 to 100")
}

fn parse_bool(text: &str) -> Result<bool, String> {
    match text.trim() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err("expected true or false".into()),
    }
}

/// The words that remove a quota when given as its limit.
fn is_off(text: &str) -> bool {
    let text = text.trim();
    text.eq_ignore_ascii_case("off") || text.eq_ignore_ascii_case("none")
}

// ---------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------

const KEEP_ON_ERROR: &str = "keep_on_error";
const ARCHIVE_CLEANS_DONE: &str = "archive_cleans_done";
const SWEEP_AGE_HOURS: &str = "sweep_age_hours";
const ALLOW_UNSAVED_DELETE: &str = "allow_unsaved_delete";
const DELETE_MODE: &str = "delete_mode";
const SCHEDULE: &str = "schedule";
const QUOTAS: &str = "quotas";
const LIMIT: &str = "limit";
const WARN_PERCENT: &str = "warn_percent";
const AUTO_CLEAN: &str = "auto_clean";

const KEY_LIST: &str = "keep_on_error, archive_cleans_done, sweep_age_hours, \
    allow_unsaved_delete, delete_mode, schedule, quotas.<env>.limit, \
    quotas.<env>.warn_percent, quotas.<env>.auto_clean";

/// A setting [`set_value`] can change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    KeepOnError,
    ArchiveCleansDone,
    SweepAgeHours,
    AllowUnsavedDelete,
    DeleteMode,
    Schedule,
    Quota { env: String, field: QuotaField },
}

/// A field of one environment's quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaField {
    Limit,
    WarnPercent,
    AutoClean,
}

impl QuotaField {
    fn name(self) -> &'static str {
        match self {
            Self::Limit => LIMIT,
            Self::WarnPercent => WARN_PERCENT,
            Self::AutoClean => AUTO_CLEAN,
        }
    }
}

impl FromStr for Key {
    type Err = ConfigError;

    /// `quotas.<env>.<field>` splits on the last dot, so env ids may contain dots.
    fn from_str(text: &str) -> Result<Self, ConfigError> {
        let key = match text {
            KEEP_ON_ERROR => Self::KeepOnError,
            ARCHIVE_CLEANS_DONE => Self::ArchiveCleansDone,
            SWEEP_AGE_HOURS => Self::SweepAgeHours,
            ALLOW_UNSAVED_DELETE => Self::AllowUnsavedDelete,
            DELETE_MODE => Self::DeleteMode,
            SCHEDULE => Self::Schedule,
            _ => {
                let field = text
                    .strip_prefix("quotas.")
                    .and_then(|rest| rest.rsplit_once('.'))
                    .filter(|(env, _)| !env.is_empty())
                    .and_then(|(env, field)| {
                        let field = match field {
                            LIMIT => QuotaField::Limit,
                            WARN_PERCENT => QuotaField::WarnPercent,
                            AUTO_CLEAN => QuotaField::AutoClean,
                            _ => return None,
                        };
                        Some(Self::Quota {
                            env: env.to_owned(),
                            field,
                        })
                    });
                return field.ok_or_else(|| ConfigError::UnknownKey {
                    key: text.to_owned(),
                });
            }
        };
        Ok(key)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::KeepOnError => KEEP_ON_ERROR,
            Self::ArchiveCleansDone => ARCHIVE_CLEANS_DONE,
            Self::SweepAgeHours => SWEEP_AGE_HOURS,
            Self::AllowUnsavedDelete => ALLOW_UNSAVED_DELETE,
            Self::DeleteMode => DELETE_MODE,
            Self::Schedule => SCHEDULE,
            Self::Quota { env, field } => {
                return write!(f, "quotas.{env}.{}", field.name());
            }
        };
        f.write_str(name)
    }
}

// ---------------------------------------------------------------------------------------
// Reading a document
// ---------------------------------------------------------------------------------------

/// A value in the file that breaks a rule.
struct BadValue {
    key: String,
    value: String,
    reason: String,
}

impl BadValue {
    fn new(key: &str, item: &Item, reason: impl Into<String>) -> Self {
        Self {
            key: key.to_owned(),
            value: item_text(item),
            reason: reason.into(),
        }
    }

    fn in_file(self, path: &Path) -> ConfigError {
        ConfigError::InvalidFile {
            path: path.to_owned(),
            key: self.key,
            value: self.value,
            reason: self.reason,
        }
    }
}

/// An item as written in the file, without comments, cut to a readable length.
fn item_text(item: &Item) -> String {
    let text = match item {
        Item::Value(value) => {
            let mut value = value.clone();
            value.decor_mut().clear();
            value.to_string()
        }
        Item::Table(_) => "(a table)".into(),
        Item::ArrayOfTables(_) => "(an array of tables)".into(),
        Item::None => "(nothing)".into(),
    };
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(59).collect::<String>())
    } else {
        text
    }
}

/// The settings a parsed document holds, and its unknown keys (dotted paths).
fn read_document(doc: &DocumentMut) -> Result<(Config, Vec<String>), BadValue> {
    let mut config = Config::default();
    let mut unknown = Vec::new();
    for (key, item) in doc.iter() {
        match key {
            KEEP_ON_ERROR => config.keep_on_error = read_bool(key, item)?,
            ARCHIVE_CLEANS_DONE => config.archive_cleans_done = read_bool(key, item)?,
            ALLOW_UNSAVED_DELETE => config.allow_unsaved_delete = read_bool(key, item)?,
            SWEEP_AGE_HOURS => config.sweep_age_hours = read_sweep_hours(item)?,
            DELETE_MODE => {
                config.delete_mode = item
                    .as_str()
                    .ok_or("expected delete or trash".to_owned())
                    .and_then(DeleteMode::from_str)
                    .map_err(|reason| BadValue::new(key, item, reason))?;
            }
            SCHEDULE => {
                config.schedule = item
                    .as_str()
                    .ok_or(INTERVAL_EXPECTED.to_owned())
                    .and_then(parse_interval)
                    .map_err(|reason| BadValue::new(key, item, reason))?;
            }
            QUOTAS => {
                let table = item
                    .as_table_like()
                    .ok_or_else(|| BadValue::new(key, item, "expected a table of quotas"))?;
                for (env, quota) in table.iter() {
                    let read = read_quota(env, quota, &mut unknown)?;
                    config.quotas.insert(env.to_owned(), read);
                }
            }
            other => unknown.push(other.to_owned()),
        }
    }
    Ok((config, unknown))
}

fn read_bool(key: &str, item: &Item) -> Result<bool, BadValue> {
    item.as_bool()
        .ok_or_else(|| BadValue::new(key, item, "expected true or false"))
}

fn read_sweep_hours(item: &Item) -> Result<f64, BadValue> {
    let bad = |reason: &str| BadValue::new(SWEEP_AGE_HOURS, item, reason);
    let hours = if let Some(hours) = item.as_integer() {
        hours as f64
    } else if let Some(hours) = item.as_float() {
        hours
    } else if let Some(text) = item.as_str() {
        parse_age_hours(text).map_err(|reason| bad(&reason))?
    } else {
        return Err(bad(
            "expected a number of hours, or an age such as 36h or 2d",
        ));
    };
    check_sweep_hours(hours).map_err(bad)?;
    Ok(hours)
}

fn read_quota(env: &str, item: &Item, unknown: &mut Vec<String>) -> Result<Quota, BadValue> {
    let name = |field: &str| format!("quotas.{env}.{field}");
    if env.is_empty() {
        return Err(BadValue::new("quotas", item, "an environment id is empty"));
    }
    let table = item
        .as_table_like()
        .ok_or_else(|| BadValue::new(&format!("quotas.{env}"), item, "expected a table"))?;
    let mut limit = None;
    let mut quota = Quota::new(0);
    for (field, value) in table.iter() {
        let key = name(field);
        match field {
            LIMIT => {
                let bytes = if let Some(bytes) = value.as_integer() {
                    u64::try_from(bytes)
                        .ok()
                        .filter(|b| *b > 0)
                        .ok_or_else(|| BadValue::new(&key, value, SIZE_ZERO))?
                } else if let Some(text) = value.as_str() {
                    parse_size(text).map_err(|reason| BadValue::new(&key, value, reason))?
                } else {
                    return Err(BadValue::new(
                        &key,
                        value,
                        "expected a size such as \"20 GB\" or a number of bytes",
                    ));
                };
                limit = Some(bytes);
            }
            WARN_PERCENT => {
                quota.warn_percent = value
                    .as_integer()
                    .ok_or("expected a percentage from 1 to 100")
                    .and_then(check_percent)
                    .map_err(|reason| BadValue::new(&key, value, reason))?;
            }
            AUTO_CLEAN => quota.auto_clean = read_bool(&key, value)?,
            _ => unknown.push(key),
        }
    }
    quota.limit_bytes = limit.ok_or_else(|| {
        BadValue::new(
            &format!("quotas.{env}"),
            item,
            "a quota needs a limit, such as limit = \"20 GB\"",
        )
    })?;
    Ok(quota)
}

// ---------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------

/// The settings in use and what became of the file.
#[derive(Debug)]
pub struct LoadedConfig {
    pub path: PathBuf,
    /// The file's settings, or the defaults when it is missing or unusable.
    pub config: Config,
    /// Whether the file exists and was read.
    pub from_file: bool,
    /// Why the file was not used (it is left untouched); saving over it is refused.
    pub warning: Option<ConfigError>,
    /// Keys in the file the janitor does not know (kept in the file, ignored).
    pub unknown_keys: Vec<String>,
}

impl LoadedConfig {
    fn defaults(path: PathBuf) -> Self {
        Self {
            path,
            config: Config::default(),
            from_file: false,
            warning: None,
            unknown_keys: Vec::new(),
        }
    }

    /// Whether saving may write the file: it is missing or was read without problems.
    pub fn can_save(&self) -> bool {
        self.warning.is_none()
    }
}

/// Reads the settings at `path`. Never fails and never writes: a missing file gives
/// the defaults; an unusable one the defaults plus a [`LoadedConfig::warning`].
pub fn load(path: &Path) -> LoadedConfig {
    let mut loaded = LoadedConfig::defaults(path.to_owned());
    match read_file(path) {
        Ok(None) => {}
        Ok(Some((_, config, unknown))) => {
            loaded.config = config;
            loaded.from_file = true;
            loaded.unknown_keys = unknown;
        }
        Err(err) => loaded.warning = Some(err),
    }
    loaded
}

/// The parsed file and its settings, `None` when there is no file.
fn read_file(path: &Path) -> Result<Option<(DocumentMut, Config, Vec<String>)>, ConfigError> {
    let Some(doc) = parse_file(path)? else {
        return Ok(None);
    };
    let (config, unknown) = read_document(&doc).map_err(|bad| bad.in_file(path))?;
    Ok(Some((doc, config, unknown)))
}

/// The file as a TOML document, `None` when there is no file.
fn parse_file(path: &Path) -> Result<Option<DocumentMut>, ConfigError> {
    let read_error = |source| ConfigError::Read {
        path: path.to_owned(),
        source,
    };
    match fs::metadata(path) {
        Ok(meta) if meta.is_dir() => {
            return Err(ConfigError::IsFolder {
                path: path.to_owned(),
            });
        }
        Ok(_) => {}
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(read_error(err)),
    }
    let bytes = fs::read(path).map_err(read_error)?;
    let text = String::from_utf8(bytes).map_err(|_| ConfigError::NotUtf8 {
        path: path.to_owned(),
    })?;
    let doc: DocumentMut =
        text.parse()
            .map_err(|err: toml_edit::TomlError| ConfigError::Syntax {
                path: path.to_owned(),
                reason: syntax_reason(&err, &text),
            })?;
    Ok(Some(doc))
}

/// toml_edit's message on one line, with the line and column it points at.
fn syntax_reason(err: &toml_edit::TomlError, text: &str) -> String {
    let message = err.message().trim().replace('\n', " ");
    let Some(span) = err.span() else {
        return message;
    };
    let before = text.get(..span.start).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("{message} (line {line}, column {column})")
}

// ---------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------

/// What a new settings file starts as: every key at its default, explained.
const TEMPLATE: &str = "\
# agents-janitor settings. Missing keys take their defaults; unknown keys are ignored.
# Change them here or with `agents-janitor config set KEY VALUE`.
#
# Disk quotas per environment id (remove one with `config set quotas.<env>.limit off`):
#   [quotas.my-env]
#   limit = \"20 GB\"       # or \"20 GiB\", \"1.5 TB\", or a number of bytes
#   warn_percent = 80     # warn from this share of the limit
#   auto_clean = false    # the schedule may delete workspaces to get under the limit

# Keep the workspaces of failed tasks when archiving, for debugging.
keep_on_error = true
# Archiving deletes the workspaces of tasks that ended well.
archive_cleans_done = true
# `sweep` deletes workspaces untouched for this many hours (or \"36h\", \"2d\").
sweep_age_hours = 24
# Delete workspaces with uncommitted or unpushed git work without asking.
allow_unsaved_delete = false
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
        Key::KeepOnError | Key::ArchiveCleansDone | Key::AllowUnsavedDelete => {
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
/// untouched, an existing file that [`load`] warns about: `config` then holds defaults
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn intervals_parse_off_and_refuse_the_too_short_and_the_unreadable() {
        let good = [
            ("6h", Some(6 * HOUR)),
            ("90m", Some(90 * MIN_INTERVAL)),
            ("1d", Some(24 * HOUR)),
            ("1h 30m", Some(90 * MIN_INTERVAL)),
            (" 2h ", Some(2 * HOUR)),
            ("1m", Some(MIN_INTERVAL)),
            ("1y", Some(MAX_INTERVAL)),
            ("1.5h", Some(90 * MIN_INTERVAL)),
            ("off", None),
            ("OFF", None),
            ("never", None),
            ("", None),
        ];
        for (text, want) in good {
            assert_eq!(parse_interval(text), Ok(want), "{text:?}");
        }
        for bad in ["0", "0s", "30s", "59s", "abc", "-1h", "6", "2y"] {
            assert!(parse_interval(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn formatted_intervals_read_back_exactly() {
        let table = [
            (None, "off"),
            (Some(6 * HOUR), "6h"),
            (Some(90 * MIN_INTERVAL), "1h 30m"),
            (Some(24 * HOUR), "1day"),
        ];
        for (interval, want) in table {
            let text = format_interval(interval);
            assert_eq!(text, want);
            assert_eq!(parse_interval(&text), Ok(interval), "{text}");
        }
    }

    #[test]
    fn sizes_parse_in_si_and_iec_units_and_plain_bytes() {
        let good = [
            ("20 GB", 20_000_000_000),
            ("20GB", 20_000_000_000),
            ("20 gb", 20_000_000_000),
            ("20 GiB", 20 << 30),
            ("1.5 TB", 1_500_000_000_000),
            ("1234", 1234),
            (" 5 KiB ", 5 << 10),
            ("1 B", 1),
        ];
        for (text, want) in good {
            assert_eq!(parse_size(text), Ok(want), "{text:?}");
        }
        for bad in [
            "",
            " ",
            "-5 GB",
            "-1",
            "0",
            "0 GB",
            "0.1 B",
            "abc",
            "20 XB",
            "99999999 EB",
        ] {
            assert!(parse_size(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn sizes_format_short_and_read_back_exactly() {
        let table = [
            (20_000_000_000, "20 GB"),
            (20 << 30, "20 GiB"),
            (1_500_000_000_000, "1.5 TB"),
            (1536, "1.5 KiB"),
            (1234, "1234 B"),
            (1, "1 B"),
            (u64::MAX - 1, "18446744073709551614 B"),
        ];
        for (bytes, want) in table {
            assert_eq!(format_size(bytes), want);
            assert_eq!(parse_size(want), Ok(bytes), "{want}");
        }
    }

    #[test]
    fn ages_parse_in_every_unit() {
        let table = [
            ("24h", 24.0),
            ("36", 36.0),
            ("90m", 1.5),
            ("2d", 48.0),
            ("1w", 168.0),
            ("1.5h", 1.5),
            (" 0 ", 0.0),
        ];
        for (text, want) in table {
            assert_eq!(parse_age_hours(text), Ok(want), "{text}");
        }
        for bad in ["", "h", "-3h", "3y", "1e400"] {
            assert!(parse_age_hours(bad).is_err(), "{bad} should be refused");
        }
        // The setting must be more than 0.
        assert_eq!(parse_sweep_age("2d"), Ok(48.0));
        for bad in ["0", "0h", "-1", "abc"] {
            assert!(parse_sweep_age(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn keys_split_the_environment_on_the_last_dot() -> TestResult {
        let table = [
            ("schedule", Key::Schedule),
            ("keep_on_error", Key::KeepOnError),
            (
                "quotas.my.env.limit",
                Key::Quota {
                    env: "my.env".into(),
                    field: QuotaField::Limit,
                },
            ),
            (
                "quotas.env-1.auto_clean",
                Key::Quota {
                    env: "env-1".into(),
                    field: QuotaField::AutoClean,
                },
            ),
        ];
        for (text, want) in table {
            let key: Key = text.parse()?;
            assert_eq!(key, want);
            assert_eq!(key.to_string(), text);
        }
        for bad in [
            "",
            "Schedule",
            "quotas",
            "quotas.limit",
            "quotas..limit",
            "quotas.env.size",
            "nope",
        ] {
            let err = bad.parse::<Key>().err().ok_or("accepted")?;
            assert!(err.is_bad_input() && err.to_string().contains("unknown setting"));
        }
        Ok(())
    }

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
             allow_unsaved_delete = true\ndelete_mode = \"trash\"\nschedule = \"6h\"\n\
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

        #[test]
        fn every_size_formats_to_text_that_reads_back(bytes in 1..u64::MAX) {
            prop_assert_eq!(parse_size(&format_size(bytes)), Ok(bytes));
        }
    }
}
