//! Agents-Runner's share of Docker: its images (`agent-runner-env:<key>`,
//! `agent-runner-desktop:<key>`, `agent-runner-phase-*`) with their sizes and the
//! containers that use them, and its `agents-runner-*` containers; removing an image no
//! container uses, and a stopped container. Everything goes through the docker CLI
//! with the runtime's timeout; ids and references are checked first, so none can be
//! read as an option.

use super::{ContainerRemoval, ContainerRuntime, validate_container_id};
use crate::process::{RunError, run_with_timeout};
use crate::store::footprint::{is_runner_container, is_runner_image};
use serde::Serialize;
use std::process::Command;
use std::time::SystemTime;

/// An Agents-Runner image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DockerImage {
    /// The image id (`sha256:...`).
    pub id: String,
    /// `repository:tag`, what `docker image rm` is given.
    pub reference: String,
    /// Its size as docker reports it (shared layers are counted in every image).
    pub bytes: u64,
    /// When it was built.
    pub created: Option<SystemTime>,
    /// Containers (any state, anyone's) made from it: while there is one, it stays.
    pub used_by: Vec<String>,
}

/// An Agents-Runner container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DockerContainer {
    /// Its full id.
    pub id: String,
    /// Its name (`agents-runner-...`).
    pub name: String,
    /// The image it was made from, as docker shows it.
    pub image: String,
    /// `running`, `exited`, `created`, `paused`, `dead`, ...
    pub state: String,
    /// Bytes of its writable layer.
    pub bytes: u64,
    /// When it was created.
    pub created: Option<SystemTime>,
}

impl DockerContainer {
    /// Stopped for good (`exited`, `created` and never started, `dead`): `docker rm`
    /// without `-f` takes it.
    pub fn is_stopped(&self) -> bool {
        matches!(self.state.as_str(), "exited" | "created" | "dead")
    }
}

/// Agents-Runner's images and containers, as docker listed them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DockerListing {
    /// Its images, each with the containers that use it.
    pub images: Vec<DockerImage>,
    /// Its containers.
    pub containers: Vec<DockerContainer>,
}

const IMAGE_FORMAT: &str = "{{.ID}}\t{{.Repository}}\t{{.Tag}}\t{{.Size}}\t{{.CreatedAt}}";
const CONTAINER_FORMAT: &str =
    "{{.ID}}\t{{.Names}}\t{{.Image}}\t{{.State}}\t{{.Size}}\t{{.CreatedAt}}";

impl ContainerRuntime {
    /// Lists Agents-Runner's images and containers. `Err` says why docker could not
    /// tell (not installed, its daemon not running, no answer in time).
    pub fn runner_objects(&self) -> Result<DockerListing, String> {
        let images = self.docker_lines(&["image", "ls", "--no-trunc", "--format", IMAGE_FORMAT])?;
        let containers = self.docker_lines(&[
            "ps",
            "-a",
            "--no-trunc",
            "--size",
            "--format",
            CONTAINER_FORMAT,
        ])?;
        let containers: Vec<DockerContainer> = containers
            .iter()
            .filter_map(|line| parse_container(line))
            .collect();
        let images = images
            .iter()
            .filter_map(|line| parse_image(line))
            .map(|mut image| {
                image.used_by = containers
                    .iter()
                    .filter(|container| uses(container, &image))
                    .map(|container| container.name.clone())
                    .collect();
                image
            })
            .collect();
        Ok(DockerListing {
            images,
            containers: containers
                .into_iter()
                .filter(|container| is_runner_container(&container.name))
                .collect(),
        })
    }

    /// `docker image rm <reference>` (never `-f`: docker itself refuses an image a
    /// container uses), after checking the reference is an Agents-Runner image's.
    pub fn remove_image(&self, reference: &str) -> ContainerRemoval {
        if let Err(reason) = validate_image_reference(reference) {
            return ContainerRemoval::Refused { reason };
        }
        self.removal(&["image", "rm", reference], "no such image")
    }

    /// `docker rm <id>` (never `-f`: docker itself refuses a running container).
    pub fn remove_stopped_container(&self, id: &str) -> ContainerRemoval {
        if let Err(reason) = validate_container_id(id) {
            return ContainerRemoval::Refused { reason };
        }
        self.removal(&["rm", id], "no such container")
    }

    /// Runs `<program> ARGS`: removed, already gone (its error output says `gone`),
    /// or why not.
    pub(super) fn removal(&self, args: &[&str], gone: &str) -> ContainerRemoval {
        let mut command = Command::new(&self.program);
        command.args(args);
        let program = self.program.to_string_lossy().into_owned();
        match run_with_timeout(command, self.timeout) {
            Ok(output) if output.status.success() => ContainerRemoval::Removed,
            Ok(output) => {
                if String::from_utf8_lossy(&output.stderr)
                    .to_ascii_lowercase()
                    .contains(gone)
                {
                    ContainerRemoval::NotFound
                } else {
                    ContainerRemoval::Failed {
                        message: output
                            .stderr_first_line()
                            .unwrap_or_else(|| format!("{program} {}", output.status)),
                    }
                }
            }
            Err(RunError::NotFound { program }) => ContainerRemoval::RuntimeMissing { program },
            Err(error) => ContainerRemoval::Failed {
                message: error.to_string(),
            },
        }
    }

    /// The non-blank lines a docker command printed, or why there are none.
    fn docker_lines(&self, args: &[&str]) -> Result<Vec<String>, String> {
        let mut command = Command::new(&self.program);
        command.args(args);
        let program = self.program.to_string_lossy().into_owned();
        match run_with_timeout(command, self.timeout) {
            Ok(output) if output.status.success() => Ok(String::from_utf8_lossy(&output.stdout)
                .lines()
                .filter(|line| !line.trim().is_empty())
                .map(str::to_owned)
                .collect()),
            Ok(output) => Err(match output.stderr_first_line() {
                Some(line) if line.contains("Cannot connect") || line.contains("daemon") => {
                    format!("{program} is not running: {line}")
                }
                Some(line) => format!("{program} failed: {line}"),
                None => format!("{program} failed ({})", output.status),
            }),
            Err(RunError::NotFound { program }) => Err(format!("{program} is not installed")),
            Err(error) => Err(error.to_string()),
        }
    }
}

/// Whether `container` was made from `image` (docker shows the reference it was
/// given, or the image's short id once that tag moved on).
fn uses(container: &DockerContainer, image: &DockerImage) -> bool {
    let short = image.id.trim_start_matches("sha256:");
    let by_id = container.image.len() >= 12
        && container.image.bytes().all(|b| b.is_ascii_hexdigit())
        && short.starts_with(&container.image);
    container.image == image.reference
        || container.image == image.id
        || by_id
        || image
            .reference
            .strip_suffix(":latest")
            .is_some_and(|repository| container.image == repository)
}

fn parse_image(line: &str) -> Option<DockerImage> {
    let fields: Vec<&str> = line.split('\t').collect();
    let [id, repository, tag, size, created, ..] = fields.as_slice() else {
        return None;
    };
    if !is_runner_image(repository) || *tag == "<none>" {
        return None;
    }
    Some(DockerImage {
        id: (*id).to_owned(),
        reference: format!("{repository}:{tag}"),
        bytes: parse_size(size),
        created: parse_created(created),
        used_by: Vec::new(),
    })
}

fn parse_container(line: &str) -> Option<DockerContainer> {
    let fields: Vec<&str> = line.split('\t').collect();
    let [id, names, image, state, size, created, ..] = fields.as_slice() else {
        return None;
    };
    Some(DockerContainer {
        id: (*id).to_owned(),
        // A container linked under several names lists them with commas.
        name: names.split(',').next().unwrap_or_default().to_owned(),
        image: (*image).to_owned(),
        state: state.trim().to_ascii_lowercase(),
        bytes: parse_size(size),
        created: parse_created(created),
    })
}

/// Docker's human sizes (`1.23GB`, `12.3kB`, `0B`, `5MB (virtual 1.2GB)`), in its
/// decimal units; what cannot be read is 0.
fn parse_size(text: &str) -> u64 {
    let text = text.split(" (").next().unwrap_or_default().trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let Ok(number) = number.parse::<f64>() else {
        return 0;
    };
    let factor: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "b" | "" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        "pb" => 1e15,
        _ => return 0,
    };
    (number * factor).round() as u64
}

/// `2026-11-20 10:00:00 +0000 UTC` (the zone's name after the offset is ignored).
fn parse_created(text: &str) -> Option<SystemTime> {
    let head: Vec<&str> = text.split_whitespace().take(3).collect();
    chrono::DateTime::parse_from_str(&head.join(" "), "%Y-%m-%d %H:%M:%S %z")
        .ok()
        .map(SystemTime::from)
}

/// `repository:tag` of an Agents-Runner image, in docker's characters: nothing that
/// could be read as an option or name another image.
fn validate_image_reference(reference: &str) -> Result<(), String> {
    let Some((repository, tag)) = reference.rsplit_once(':') else {
        return Err(format!("{reference:?} is not repository:tag"));
    };
    if !is_runner_image(repository) {
        return Err(format!("{repository:?} is not an Agents-Runner image"));
    }
    let tag_ok = tag
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        && tag.len() <= 128
        && tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    if !tag_ok {
        return Err(format!("{tag:?} is not a docker tag"));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
