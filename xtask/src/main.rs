//! Project automation. `cargo xtask gen` regenerates, from `spec/*.yaml`:
//! - the API crate `crates/huaweicloud-images-api/src/generated/` (progenitor);
//! - the facade's per-operation layer `crates/huaweicloud-images/src/generated/` (resources,
//!   request builders, parameter checks, pagination wiring, the operation table, the models, and
//!   `surface.json`, the manifest of what users see);
//! - the fake's operation table `crates/huaweicloud-images-fake/src/generated/`.
//!
//! It prints what users of the facade will notice of the change (from the manifest checked in
//! before). `cargo xtask gen --check` proves the checked-in files are what the spec generates (CI
//! runs it, and so does a plain `cargo test`).

mod changelog;
mod changes;
mod codegen;
mod emit;
mod model;
mod names;
mod open_enum;
mod progenitor_facts;
mod spec;
#[cfg(test)]
mod tidy;
mod trial;

use std::process::ExitCode;

const USAGE: &str =
    "usage: cargo xtask gen [--check | --changelog] | cargo xtask try [--each] <spec files>

  gen           regenerate the API crate, the facade's per-operation layer and the fake's
                operation table from spec/*.yaml, and print what users will notice
  gen --check   exit 1 with a diff when the checked-in generated code is not what spec/ generates
  gen --changelog
                regenerate, and add what users will notice to CHANGELOG.md (## Unreleased,
                breaking changes first)
  try FILES     would the generator take these spec files (outside spec/)? writes nothing
  try --each    the same for every operation on its own: how many are taken, why the others not";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    if let ["try", rest @ ..] = args.as_slice() {
        let each = rest.first() == Some(&"--each");
        let files: Vec<std::path::PathBuf> = rest
            .iter()
            .skip(usize::from(each))
            .map(std::path::PathBuf::from)
            .collect();
        if files.is_empty() {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
        return match trial::run(&files, each) {
            Ok(report) => {
                print!("{report}");
                ExitCode::SUCCESS
            }
            Err(message) => {
                eprintln!("refused: {message}");
                ExitCode::FAILURE
            }
        };
    }
    let (check, changelog) = match args.as_slice() {
        ["gen"] => (false, false),
        ["gen", "--check"] => (true, false),
        ["gen", "--changelog"] => (false, true),
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let root = codegen::project_root();
    match codegen::run(&root, check) {
        Ok((report, changes)) => {
            print!("{report}");
            if changelog {
                // Since the last commit (a `cargo xtask gen` before this one has updated the
                // manifest on disk already); without git, since the manifest that was on disk.
                let changes = match codegen::committed_manifest(&root) {
                    Some(before) => match codegen::changes_since(&root, &before) {
                        Ok(changes) => changes,
                        Err(message) => {
                            eprintln!("error: {message}");
                            return ExitCode::FAILURE;
                        }
                    },
                    None => changes,
                };
                let path = root.join(changelog::FILE);
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let (updated, added) = changelog::update(&text, &changes);
                if let Err(e) = std::fs::write(&path, updated) {
                    eprintln!("error: {}: {e}", path.display());
                    return ExitCode::FAILURE;
                }
                println!(
                    "{added} new entr{} in {} ({} change(s) since the last commit)",
                    if added == 1 { "y" } else { "ies" },
                    changelog::FILE,
                    changes.len()
                );
            }
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
