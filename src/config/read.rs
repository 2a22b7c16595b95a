//! Reading the settings out of a parsed TOML document, value by value.

use super::keys::{
    ALLOW_UNSAVED_DELETE, ARCHIVE_CLEANS_DONE, ARCHIVE_SLIMS_FAILED, AUTO_CLEAN,
    DELETE_MERGED_UNSAVED, DELETE_MODE, KEEP_ON_ERROR, LIMIT, QUOTAS, SCHEDULE, SWEEP_AGE_HOURS,
    WARN_PERCENT,
};
use super::values::{
    INTERVAL_EXPECTED, SIZE_ZERO, check_percent, check_sweep_hours, parse_age_hours,
    parse_interval, parse_size,
};
use super::{Config, ConfigError};
use crate::policy::{DeleteMode, Quota};
use std::fs;
use std::io;
use std::path::Path;
use std::str::FromStr;
use toml_edit::{DocumentMut, Item};

/// A value in the file that breaks a rule.
pub(super) struct BadValue {
    key: String,
    value: String,
    pub(super) reason: String,
}

impl BadValue {
    pub(super) fn new(key: &str, item: &Item, reason: impl Into<String>) -> Self {
        Self {
            key: key.to_owned(),
            value: item_text(item),
            reason: reason.into(),
        }
    }

    pub(super) fn in_file(self, path: &Path) -> ConfigError {
        ConfigError::InvalidFile {
            path: path.to_owned(),
            key: self.key,
            value: self.value,
            reason: self.reason,
        }
    }
}

/// An item as written in the file, without comments, cut to a readable length.
pub(super) fn item_text(item: &Item) -> String {
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
pub(super) fn read_document(doc: &DocumentMut) -> Result<(Config, Vec<String>), BadValue> {
    let mut config = Config::default();
    let mut unknown = Vec::new();
    for (key, item) in doc.iter() {
        match key {
            KEEP_ON_ERROR => config.keep_on_error = read_bool(key, item)?,
            ARCHIVE_CLEANS_DONE => config.archive_cleans_done = read_bool(key, item)?,
            ALLOW_UNSAVED_DELETE => config.allow_unsaved_delete = read_bool(key, item)?,
            DELETE_MERGED_UNSAVED => config.delete_merged_unsaved = read_bool(key, item)?,
            ARCHIVE_SLIMS_FAILED => config.archive_slims_failed = read_bool(key, item)?,
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
            super::reclaim::RECLAIM => {
                config.reclaim = super::reclaim::read_reclaim(item, &mut unknown)?;
            }
            other => unknown.push(other.to_owned()),
        }
    }
    Ok((config, unknown))
}

pub(super) fn read_bool(key: &str, item: &Item) -> Result<bool, BadValue> {
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

/// The parsed file and its settings, `None` when there is no file.
pub(super) fn read_file(
    path: &Path,
) -> Result<Option<(DocumentMut, Config, Vec<String>)>, ConfigError> {
    let Some(doc) = parse_file(path)? else {
        return Ok(None);
    };
    let (config, unknown) = read_document(&doc).map_err(|bad| bad.in_file(path))?;
    Ok(Some((doc, config, unknown)))
}

/// The file as a TOML document, `None` when there is no file.
pub(super) fn parse_file(path: &Path) -> Result<Option<DocumentMut>, ConfigError> {
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
pub(super) fn syntax_reason(err: &toml_edit::TomlError, text: &str) -> String {
    let message = err.message().trim().replace('\n', " ");
    let Some(span) = err.span() else {
        return message;
    };
    let before = text.get(..span.start).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("{message} (line {line}, column {column})")
}
