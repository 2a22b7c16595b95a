//! The `[reclaim]` table: who may reclaim each kind of Agents-Runner's footprint
//! (`never`, `ask`, `schedule`), the schedule's age, and trimming archived records' logs.
//!
//! ```toml
//! [reclaim]
//! crash_leftovers = "schedule"   # every kind: never, ask or schedule
//! discarded_artifacts = "schedule"
//! speech_models = "never"
//! schedule_age = "7d"            # what the schedule takes must be this old
//! trim_logs_after = "off"        # or an age: archived records' logs are trimmed after it
//! trim_logs_keep = 200           # ... to their last lines
//! ```

use super::read::BadValue;
use super::values::{is_off, parse_age_hours};
use crate::policy::reclaim::{KindSetting, ReclaimSettings};
use crate::store::footprint::FootprintKind;
use toml_edit::{Item, Table, TableLike, Value};

pub(super) const RECLAIM: &str = "reclaim";
const SCHEDULE_AGE: &str = "schedule_age";
const TRIM_LOGS_AFTER: &str = "trim_logs_after";
const TRIM_LOGS_KEEP: &str = "trim_logs_keep";
/// The most log lines a trim may keep (more would never trim).
const MAX_KEEP: i64 = 100_000;
const AGE_EXPECTED: &str = "expected an age of more than 0, such as 7d, 36h or 2w";

/// A setting of the `[reclaim]` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReclaimField {
    /// `reclaim.<kind>`: never, ask or schedule.
    Kind(FootprintKind),
    /// `reclaim.schedule_age`.
    ScheduleAge,
    /// `reclaim.trim_logs_after`.
    TrimLogsAfter,
    /// `reclaim.trim_logs_keep`.
    TrimLogsKeep,
}

impl ReclaimField {
    /// The field named `name` (after `reclaim.`).
    pub(super) fn parse(name: &str) -> Option<Self> {
        match name {
            SCHEDULE_AGE => Some(Self::ScheduleAge),
            TRIM_LOGS_AFTER => Some(Self::TrimLogsAfter),
            TRIM_LOGS_KEEP => Some(Self::TrimLogsKeep),
            other => FootprintKind::ALL
                .into_iter()
                .find(|kind| kind.name() == other && kind.is_reclaimable())
                .map(Self::Kind),
        }
    }

    /// Its name in the table.
    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Kind(kind) => kind.name(),
            Self::ScheduleAge => SCHEDULE_AGE,
            Self::TrimLogsAfter => TRIM_LOGS_AFTER,
            Self::TrimLogsKeep => TRIM_LOGS_KEEP,
        }
    }
}

/// Reads the `[reclaim]` table; unknown fields go to `unknown`.
pub(super) fn read_reclaim(
    item: &Item,
    unknown: &mut Vec<String>,
) -> Result<ReclaimSettings, BadValue> {
    let table = item
        .as_table_like()
        .ok_or_else(|| BadValue::new(RECLAIM, item, "expected a table"))?;
    let mut settings = ReclaimSettings::default();
    for (name, value) in table.iter() {
        let key = format!("{RECLAIM}.{name}");
        let Some(field) = ReclaimField::parse(name) else {
            unknown.push(key);
            continue;
        };
        let text = value.as_str();
        let number = value
            .as_integer()
            .map(|n| n as f64)
            .or_else(|| value.as_float());
        let bad = |reason: &str| BadValue::new(&key, value, reason);
        match field {
            ReclaimField::Kind(kind) => {
                let setting = text
                    .ok_or("expected never, ask or schedule".to_owned())
                    .and_then(str::parse::<KindSetting>)
                    .map_err(|reason| bad(&reason))?;
                // Only what differs from the default is kept, so equal settings compare equal.
                if setting == ReclaimSettings::default_setting(kind) {
                    settings.kinds.remove(&kind);
                } else {
                    settings.kinds.insert(kind, setting);
                }
            }
            ReclaimField::ScheduleAge => {
                settings.schedule_age_hours = age(text, number).map_err(|reason| bad(&reason))?;
            }
            ReclaimField::TrimLogsAfter => {
                settings.trim_logs_after_hours = if text.is_some_and(is_off) {
                    None
                } else {
                    Some(age(text, number).map_err(|reason| bad(&reason))?)
                };
            }
            ReclaimField::TrimLogsKeep => {
                settings.trim_logs_keep =
                    keep(value.as_integer()).map_err(|reason| bad(&reason))?;
            }
        }
    }
    Ok(settings)
}

/// An age from text (`7d`) or a number of hours; more than 0.
fn age(text: Option<&str>, number: Option<f64>) -> Result<f64, String> {
    let hours = match (text, number) {
        (Some(text), _) => parse_age_hours(text).map_err(|_| AGE_EXPECTED.to_owned())?,
        (None, Some(hours)) => hours,
        (None, None) => return Err(AGE_EXPECTED.into()),
    };
    if hours.is_finite() && hours > 0.0 {
        Ok(hours)
    } else {
        Err(AGE_EXPECTED.into())
    }
}

fn keep(lines: Option<i64>) -> Result<usize, String> {
    lines
        .filter(|lines| (0..=MAX_KEEP).contains(lines))
        .and_then(|lines| usize::try_from(lines).ok())
        .ok_or_else(|| format!("expected a number of lines from 0 to {MAX_KEEP}"))
}

/// The value `config set reclaim.<field> TEXT` writes, or why TEXT is not one.
pub(super) fn value_for(field: ReclaimField, text: &str) -> Result<Value, String> {
    Ok(match field {
        ReclaimField::Kind(_) => Value::from(text.parse::<KindSetting>()?.as_str()),
        ReclaimField::ScheduleAge => {
            age(Some(text), None)?;
            Value::from(text)
        }
        ReclaimField::TrimLogsAfter if is_off(text) || text == "never" => Value::from("off"),
        ReclaimField::TrimLogsAfter => {
            age(Some(text), None)?;
            Value::from(text)
        }
        ReclaimField::TrimLogsKeep => {
            let lines = text
                .parse::<i64>()
                .map_err(|_| format!("expected a number of lines from 0 to {MAX_KEEP}"))?;
            keep(Some(lines))?;
            Value::from(lines)
        }
    })
}

/// The `[reclaim]` table, created (implicit until it has a key) when missing; `None`
/// when the file has something else there.
pub(super) fn reclaim_table(root: &mut Table) -> Option<&mut dyn TableLike> {
    if !root.contains_key(RECLAIM) {
        root.insert(RECLAIM, Item::Table(Table::new()));
    }
    root.get_mut(RECLAIM)?.as_table_like_mut()
}

/// The fields of `new` that differ from `current`, with the values to write.
pub(super) fn changes(
    current: &ReclaimSettings,
    new: &ReclaimSettings,
) -> Vec<(ReclaimField, Value)> {
    let mut changed = Vec::new();
    for kind in FootprintKind::ALL
        .into_iter()
        .filter(|k| k.is_reclaimable())
    {
        if current.setting(kind) != new.setting(kind) {
            changed.push((
                ReclaimField::Kind(kind),
                Value::from(new.setting(kind).as_str()),
            ));
        }
    }
    if current.schedule_age_hours != new.schedule_age_hours {
        changed.push((
            ReclaimField::ScheduleAge,
            Value::from(format_age(new.schedule_age_hours)),
        ));
    }
    if current.trim_logs_after_hours != new.trim_logs_after_hours {
        let text = new
            .trim_logs_after_hours
            .map_or_else(|| "off".to_owned(), format_age);
        changed.push((ReclaimField::TrimLogsAfter, Value::from(text)));
    }
    if current.trim_logs_keep != new.trim_logs_keep {
        changed.push((
            ReclaimField::TrimLogsKeep,
            Value::from(new.trim_logs_keep as i64),
        ));
    }
    changed
}

/// Checks settings made elsewhere (the window) by the file's rules.
pub(super) fn check(settings: &ReclaimSettings) -> Result<(), (String, String, String)> {
    let invalid = |field: ReclaimField, value: String, reason: String| {
        (format!("{RECLAIM}.{}", field.name()), value, reason)
    };
    age(None, Some(settings.schedule_age_hours)).map_err(|reason| {
        invalid(
            ReclaimField::ScheduleAge,
            settings.schedule_age_hours.to_string(),
            reason,
        )
    })?;
    if let Some(hours) = settings.trim_logs_after_hours {
        age(None, Some(hours))
            .map_err(|reason| invalid(ReclaimField::TrimLogsAfter, hours.to_string(), reason))?;
    }
    keep(i64::try_from(settings.trim_logs_keep).ok()).map_err(|reason| {
        invalid(
            ReclaimField::TrimLogsKeep,
            settings.trim_logs_keep.to_string(),
            reason,
        )
    })?;
    Ok(())
}

/// Hours as the shortest age [`parse_age_hours`] reads back: `7d`, `36h`, `1.5h`.
pub fn format_age(hours: f64) -> String {
    if hours >= 24.0 && (hours / 24.0).fract() == 0.0 {
        format!("{}d", hours / 24.0)
    } else {
        format!("{hours}h")
    }
}
