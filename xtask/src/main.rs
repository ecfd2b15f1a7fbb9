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

mod changes;
mod facade;
mod fake;
mod generate;
mod model;
mod open_enum;
mod progenitor_facts;
mod spec;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: cargo xtask gen [--check]

  gen           regenerate the API crate, the facade's per-operation layer and the fake's
                operation table from spec/*.yaml, and print what users will notice
  gen --check   exit 1 with a diff when the checked-in generated code is not what spec/ generates";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let check = match args.as_slice() {
        ["gen"] => false,
        ["gen", "--check"] => true,
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run_gen(&project_root(), check) {
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: the parent of this crate's directory.
fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Every generated file, by output directory (relative to the root).
type Outputs = BTreeMap<&'static str, Vec<(String, String)>>;

/// Generates everything from `root/spec`.
fn generate_all(root: &Path) -> Result<(Outputs, String), String> {
    let specs = spec::load_all(&root.join("spec"))?;
    let services = model::build(&specs)?;
    let mut outputs = Outputs::new();
    let mut facts = BTreeMap::new();
    for spec in &specs {
        let (text, file) = generate::generate(spec)?;
        facts.insert(spec.stem.clone(), progenitor_facts::Facts::read(&file));
        outputs
            .entry(generate::OUTPUT_DIR)
            .or_default()
            .push((spec.output_file_name(), text));
    }
    let api_module = generate::format_tokens(generate::api_module(&specs), "spec/")?;
    outputs
        .entry(generate::OUTPUT_DIR)
        .or_default()
        .push(("mod.rs".to_string(), api_module));
    for (name, tokens) in facade::generate(&services, &facts)? {
        let text = generate::format_tokens(tokens, "spec/")?;
        outputs
            .entry(facade::OUTPUT_DIR)
            .or_default()
            .push((name, text));
    }
    for (name, tokens) in fake::generate(&services)? {
        let text = generate::format_tokens(tokens, "spec/")?;
        outputs
            .entry(fake::OUTPUT_DIR)
            .or_default()
            .push((name, text));
    }
    let manifest_path = root.join(facade::OUTPUT_DIR).join(changes::MANIFEST);
    let before = changes::parse(&std::fs::read_to_string(manifest_path).unwrap_or_default());
    let manifest = changes::manifest(&services);
    let report = changes::report(&changes::diff(&before, &changes::parse(&manifest)));
    outputs
        .entry(facade::OUTPUT_DIR)
        .or_default()
        .push((changes::MANIFEST.to_string(), manifest));
    Ok((outputs, report))
}

/// Regenerates (or, with `check`, compares); returns what to print.
fn run_gen(root: &Path, check: bool) -> Result<String, String> {
    let started = Instant::now();
    let (outputs, report) = generate_all(root)?;
    let elapsed = started.elapsed().as_secs_f64();
    let files: usize = outputs.values().map(Vec::len).sum();
    if check {
        let mut stale = String::new();
        for (dir, files) in &outputs {
            if let Err(diff) = generate::check(&root.join(dir), dir, files) {
                stale.push_str(&diff);
            }
        }
        if !stale.is_empty() {
            return Err(format!(
                "generated code is stale or was edited by hand; run `cargo xtask gen` and review the diff:\n{stale}\nwhat the spec changes for users of the facade:\n{report}"
            ));
        }
        Ok(format!(
            "generated code is fresh: {files} files match spec/ (generated in {elapsed:.2} s)\n"
        ))
    } else {
        let mut changed = 0;
        for (dir, files) in &outputs {
            changed += generate::write(&root.join(dir), files)?;
        }
        Ok(format!(
            "generated {files} files from spec/ in {elapsed:.2} s ({changed} changed)\n{report}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Like rust-analyzer's codegen tests: a plain `cargo test` fails when the checked-in code is
    /// stale, with the diff in the message.
    #[test]
    fn generated_code_is_fresh() {
        if let Err(message) = run_gen(&project_root(), true) {
            panic!("{message}");
        }
    }

    #[test]
    fn generation_is_deterministic() {
        let specs = spec::load_all(&project_root().join("spec")).unwrap();
        for spec in &specs {
            let first = generate::generate(spec).unwrap().0;
            let second = generate::generate(spec).unwrap().0;
            assert!(
                first == second,
                "{} generated different bytes twice",
                spec.display_path
            );
        }
    }

    /// A copy of the project's spec and generated code in a temporary root.
    fn scratch_root(name: &str) -> PathBuf {
        let root = std::env::temp_dir().join(format!("xtask-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for dir in [
            "spec",
            generate::OUTPUT_DIR,
            facade::OUTPUT_DIR,
            fake::OUTPUT_DIR,
        ] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
            for entry in std::fs::read_dir(project_root().join(dir)).unwrap() {
                let path = entry.unwrap().path();
                if path.is_file() {
                    std::fs::copy(&path, root.join(dir).join(path.file_name().unwrap())).unwrap();
                }
            }
        }
        root
    }

    #[test]
    fn a_changed_description_fails_the_check_with_a_diff_until_regenerated() {
        let root = scratch_root("description");
        let spec = root.join("spec/workspaceapp.yaml");
        let text = std::fs::read_to_string(&spec).unwrap();
        let changed = text.replacen(
            "description: Total.",
            "description: Total number of instances.",
            1,
        );
        assert_ne!(
            text, changed,
            "the description to change is gone from the spec"
        );
        std::fs::write(&spec, changed).unwrap();
        let message = run_gen(&root, true).unwrap_err();
        assert!(message.contains("-        ///Total."), "{message}");
        assert!(
            message.contains("+        ///Total number of instances."),
            "{message}"
        );
        run_gen(&root, false).unwrap();
        run_gen(&root, true).unwrap();
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_hand_edit_of_generated_code_fails_the_check() {
        let root = scratch_root("hand-edit");
        let file = root.join(generate::OUTPUT_DIR).join("modelarts.rs");
        let mut text = std::fs::read_to_string(&file).unwrap();
        text.push_str("\n// a hand edit\n");
        std::fs::write(&file, text).unwrap();
        let message = run_gen(&root, true).unwrap_err();
        assert!(
            message.contains("+// a hand edit") || message.contains("-// a hand edit"),
            "{message}"
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
