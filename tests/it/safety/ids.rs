//! Ids that would lead out of their folder: a task id with `../`, an environment id `..`.

use super::{
    CraftedTask, TestResult, add_environment, assert_odd_ids_are_left_alone, canaries,
    canonical_data,
};
use crate::common;
use agents_janitor::demo::ENV_WEBAPP;
use agents_janitor::store::paths;
use common::Fixture;
use common::mini::plant;

#[test]
fn a_task_id_with_dot_dot_is_refused() -> TestResult {
    let fx = Fixture::new()?;
    let data = canonical_data(&fx)?;
    // Joined naively onto `managed-repos/<env>/tasks/`, this id names the fixture's
    // `outside/`; through Agents-Runner's filter it names the folder `tasks/outside`.
    let id = "../../../../outside";
    CraftedTask::done(id, ENV_WEBAPP).write(&fx)?;
    let filtered = fx.workspace(ENV_WEBAPP, id);
    plant(&filtered, "another task's folder")?;
    let canaries = canaries(&fx, &[&filtered]);
    let shown = paths::task_workspace_path(&data, ENV_WEBAPP, id);

    // The record may be discarded; the folder must be left alone, saying where and why.
    assert_odd_ids_are_left_alone(&fx, id, &shown, &canaries)
}

#[test]
fn an_environment_id_dot_dot_is_refused() -> TestResult {
    let fx = Fixture::new()?;
    let data = canonical_data(&fx)?;
    let target = fx.root.path().join("dotdot-repo");
    add_environment(&fx, "..", "cloned", &target.display().to_string())?;
    let id = "d07d07d001";
    CraftedTask::done(id, "..").write(&fx)?;
    // Where the filter puts it (`managed-repos/default/...`) and where a naive join
    // would land (`managed-repos/../tasks/<id>` = `<data>/tasks/<id>`).
    let filtered = fx.workspace("..", id);
    plant(&filtered, "folder of the env the filter maps to")?;
    let naive = paths::active_tasks_dir(&fx.data_dir).join(id);
    plant(&naive, "naive join target")?;
    let canaries = canaries(&fx, &[&filtered, &naive]);
    let shown = paths::task_workspace_path(&data, "..", id);

    assert_odd_ids_are_left_alone(&fx, id, &shown, &canaries)
}
