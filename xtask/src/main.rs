//! Project automation. `cargo xtask gen` regenerates the client crate
//! `crates/huaweicloud-images-api/src/generated/` from `spec/*.yaml`; `cargo xtask gen --check` proves the
//! checked-in code is what the spec generates (CI runs it).

mod generate;
mod open_enum;
mod spec;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: cargo xtask gen [--check]

  gen           regenerate crates/huaweicloud-images-api/src/generated/ from spec/*.yaml
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
        Ok(()) => ExitCode::SUCCESS,
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

fn run_gen(root: &Path, check: bool) -> Result<(), String> {
    let started = Instant::now();
    let specs = spec::load_all(&root.join("spec"))?;
    let out_dir = root.join(generate::OUTPUT_DIR);
    let mut outputs = Vec::new();
    for spec in &specs {
        outputs.push((spec.output_file_name(), generate::generate(spec)?));
    }
    let elapsed = started.elapsed();
    if check {
        generate::check(&out_dir, &outputs)?;
        println!(
            "generated code is fresh: {} files match spec/ (generated in {:.2} s)",
            outputs.len(),
            elapsed.as_secs_f64()
        );
    } else {
        let changed = generate::write(&out_dir, &outputs)?;
        println!(
            "generated {} files from spec/ in {:.2} s ({} changed) into {}",
            outputs.len(),
            elapsed.as_secs_f64(),
            changed,
            generate::OUTPUT_DIR
        );
    }
    Ok(())
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
            let first = generate::generate(spec).unwrap();
            let second = generate::generate(spec).unwrap();
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
        for dir in ["spec", generate::OUTPUT_DIR] {
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
