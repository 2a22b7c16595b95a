//! What the settings file says about reclaiming: per kind never / ask / on schedule,
//! the schedule's age, and trimming archived records' logs.

use crate::store::footprint::FootprintKind;
use serde::Serialize;
use std::collections::BTreeMap;
use std::str::FromStr;

/// The age (hours) the schedule reclaims "on schedule" kinds after: a week.
pub const DEFAULT_SCHEDULE_AGE_HOURS: f64 = 7.0 * 24.0;
/// Log lines an archived record keeps when its logs are trimmed.
pub const DEFAULT_TRIM_KEEP_LINES: usize = 200;

/// Who may reclaim a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KindSetting {
    /// Nobody: shown only.
    Never,
    /// The user, when asked (`reclaim`, the window's Reclaim view).
    Ask,
    /// The user, and the schedule (the window's and the systemd timer's) by itself.
    Schedule,
}

impl KindSetting {
    /// The word the settings file uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Never => "never",
            Self::Ask => "ask",
            Self::Schedule => "schedule",
        }
    }

    /// Every setting, in the order the window lists them.
    pub const ALL: [Self; 3] = [Self::Never, Self::Ask, Self::Schedule];
}

impl FromStr for KindSetting {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text.trim() {
            "never" => Ok(Self::Never),
            "ask" => Ok(Self::Ask),
            "schedule" => Ok(Self::Schedule),
            _ => Err("expected never, ask or schedule".into()),
        }
    }
}

/// How reclaiming is set up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReclaimSettings {
    /// The kinds set to something other than their default.
    pub kinds: BTreeMap<FootprintKind, KindSetting>,
    /// The age, in hours, an item must have before the schedule reclaims it.
    pub schedule_age_hours: f64,
    /// Archived records whose task finished longer ago than this many hours get their
    /// logs trimmed; `None`: never trimmed (the default).
    pub trim_logs_after_hours: Option<f64>,
    /// Log lines a trimmed record keeps (its last ones).
    pub trim_logs_keep: usize,
}

impl Default for ReclaimSettings {
    fn default() -> Self {
        Self {
            kinds: BTreeMap::new(),
            schedule_age_hours: DEFAULT_SCHEDULE_AGE_HOURS,
            trim_logs_after_hours: None,
            trim_logs_keep: DEFAULT_TRIM_KEEP_LINES,
        }
    }
}

impl ReclaimSettings {
    /// A kind's setting when the file says nothing: crash leftovers and discarded
    /// tasks' artifacts on schedule, the speech model cache never (it is downloaded
    /// again, slowly), prompts never (shown only), everything else ask.
    pub fn default_setting(kind: FootprintKind) -> KindSetting {
        match kind {
            FootprintKind::CrashLeftovers | FootprintKind::DiscardedArtifacts => {
                KindSetting::Schedule
            }
            FootprintKind::SpeechModels | FootprintKind::Prompts => KindSetting::Never,
            _ => KindSetting::Ask,
        }
    }

    /// The kind's setting in force (prompts are never reclaimed, whatever the file says).
    pub fn setting(&self, kind: FootprintKind) -> KindSetting {
        if !kind.is_reclaimable() {
            return KindSetting::Never;
        }
        self.kinds
            .get(&kind)
            .copied()
            .unwrap_or_else(|| Self::default_setting(kind))
    }

    /// The kinds a plain `reclaim` takes: every one not set to never.
    pub fn asked_kinds(&self) -> Vec<FootprintKind> {
        FootprintKind::ALL
            .into_iter()
            .filter(|kind| self.setting(*kind) != KindSetting::Never)
            .collect()
    }

    /// The kinds the schedule reclaims by itself.
    pub fn scheduled_kinds(&self) -> Vec<FootprintKind> {
        FootprintKind::ALL
            .into_iter()
            .filter(|kind| self.setting(*kind) == KindSetting::Schedule)
            .collect()
    }
}
