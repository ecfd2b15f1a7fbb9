//! What the scratch-workspace tests share (`spec_change.rs`, `corpus.rs`): a copy of the workspace
//! to change, cargo run in it, and a target directory of its own for each.
#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace this test crate belongs to.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the e2e crate sits in the workspace root")
        .to_path_buf()
}

/// Copies `from` into `to`, leaving out build output, VCS data and CI installs.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if ["target", ".git", "node_modules", "venv"].contains(&name.as_ref()) {
            continue;
        }
        let (source, target) = (entry.path(), to.join(&*name));
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&source, &target);
        } else {
            std::fs::copy(&source, &target).unwrap();
        }
    }
}

/// Replaces `old` (which must occur exactly once) with `new` in the file at `path`.
pub fn edit(path: &Path, old: &str, new: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert_eq!(
        text.matches(old).count(),
        1,
        "{}: the text to edit is not there exactly once: {old}",
        path.display()
    );
    std::fs::write(path, text.replacen(old, new, 1)).unwrap();
}

pub fn run(command: &mut Command, what: &str) -> String {
    let output = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success(),
        "{what} failed ({})\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        output.status
    );
    stdout
}

pub fn cargo(dir: &Path, target: &Path) -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env("INSTA_UPDATE", "no")
        .env("CI", "true")
        .env_remove("RUSTFLAGS");
    command
}

/// The target directory of the scratch workspace `name`: one each, since cargo's artifacts of a
/// workspace member do not depend on where the workspace is, so two copies in one target
/// directory would overwrite each other's.
pub fn target_of(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-target"))
}
