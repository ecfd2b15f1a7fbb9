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
}
