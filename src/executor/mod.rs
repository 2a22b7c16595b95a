//! Runs cleanup: prepares a [`Plan`](crate::policy::Plan) (the sizes and git states it
//! needs) and carries it out step by step, reporting through [`EngineEvent`]s. Blocking;
//! the worker thread and the CLI both call it.
//!
//! - `prepare`: sizing, the mount table, git, and the planning loop ([`prepare`]);
//! - `execute`: the [`Executor`], which runs a plan under the data-dir lock;
//! - `parallel`: the steps' record writes on several threads (their `fsync`s overlap);
//! - `step`: one step up to the deletion, with the re-checks right before it acts (they
//!   ask the policy's and the store's rules again, never rules of their own);
//! - `reclaim`: measuring the rest of Agents-Runner's footprint and carrying out a
//!   reclaim plan ([`measure`], [`Executor::reclaim`]);
//! - `slim`: preparing and running a slim (build output git ignores, deleted from
//!   workspaces that stay);
//! - `resume`: the next start after a crash: the record change a staged workspace's
//!   name carries, then its delete ([`Executor::finish_staged`]);
//! - `restore`: taking a record back out of the archive ([`restore`]);
//! - `undo`: a change's workspaces put back from staging or the trash, with their
//!   records ([`Executor::undo`]);
//! - `report`: the events, outcomes and report the executor hands out.

mod execute;
mod parallel;
mod prepare;
mod reclaim;
mod report;
mod restore;
mod resume;
mod slim;
mod step;
mod undo;

pub use crate::store::log_line::Level;
pub use execute::{ExecuteError, Executor};
pub use prepare::{prepare, prepare_unasked, prepare_with_runner, size_missing};
pub use reclaim::{MeasureInput, Measured, ReclaimOutcome, ReclaimReport, measure};
pub use report::{
    Emit, EngineEvent, LeftInStaging, LogLine, Progress, Report, StepOutcome, mount_point_refusals,
};
pub use restore::{RestoreError, restore};
pub use resume::Resumed;
pub use slim::prepare_slim;
pub use undo::{PutBack, PutBackFrom, UndoItem, UndoOutcome};
