//! The codegen hub: every generated file from `spec/` (the API crate's through progenitor, the
//! facade's per-operation layer, the fake's operation table, the surface manifest), formatted and
//! headed ([`mod@format`]), then written, or compared with what is checked in (`--check`, and a plain
//! `cargo test`, as rust-analyzer's codegen does).

pub mod features;
pub mod format;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::codegen::format::{HEADER_MARK, format_tokens};
use crate::emit::{api, facade, fake, manifest};
use crate::{changes, model, progenitor_facts, spec};

/// The workspace root: the parent of this crate's directory.
///
/// `cargo run` (and `cargo test`) give the package's directory at run time; that one wins over
/// the one compiled in, so that a binary built for a copy of the workspace (a scratch copy sharing
/// a target directory) works on the copy it is run in.
pub fn project_root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Every generated file, by output directory (relative to the root).
type Outputs = BTreeMap<&'static str, Vec<(String, String)>>;

/// Generates everything from `root/spec`.
/// What `generate_all` gives: the files, the changes since the manifest on disk, the spec stems.
type Generated = (Outputs, Vec<changes::Change>, Vec<String>);

fn generate_all(root: &Path) -> Result<Generated, String> {
    let specs = spec::load_all(&root.join("spec"))?;
    let manifest_path = root.join(facade::OUTPUT_DIR).join(manifest::MANIFEST);
    let before = std::fs::read_to_string(manifest_path).unwrap_or_default();
    let (outputs, changed) = generate_from(&specs, &before)?;
    let stems = specs.into_iter().map(|spec| spec.stem).collect();
    Ok((outputs, changed, stems))
}

/// Generates everything from loaded `specs`, and what users will notice compared with the
/// manifest `before`.
pub fn generate_from(
    specs: &[spec::Spec],
    before: &str,
) -> Result<(Outputs, Vec<changes::Change>), String> {
    let services = model::build(specs)?;
    let mut outputs = Outputs::new();
    let mut facts = BTreeMap::new();
    for spec in specs {
        let (text, file) = api::generate(spec)?;
        facts.insert(spec.stem.clone(), progenitor_facts::Facts::read(&file));
        outputs
            .entry(api::OUTPUT_DIR)
            .or_default()
            .push((spec.output_file_name(), text));
    }
    let api_module = format_tokens(api::api_module(specs), "spec/")?;
    outputs
        .entry(api::OUTPUT_DIR)
        .or_default()
        .push(("mod.rs".to_string(), api_module));
    for (name, tokens) in facade::generate(&services, &facts)? {
        let text = format_tokens(tokens, "spec/")?;
        outputs
            .entry(facade::OUTPUT_DIR)
            .or_default()
            .push((name, text));
    }
    for (name, tokens) in fake::generate(&services)? {
        let text = format_tokens(tokens, "spec/")?;
        outputs
            .entry(fake::OUTPUT_DIR)
            .or_default()
            .push((name, text));
    }
    let manifest = manifest::manifest(&services);
    let changed = changes::diff(&changes::parse(before), &changes::parse(&manifest));
    outputs
        .entry(facade::OUTPUT_DIR)
        .or_default()
        .push((manifest::MANIFEST.to_string(), manifest));
    Ok((outputs, changed))
}

/// The surface manifest as committed at git `HEAD`, if git can say.
pub fn committed_manifest(root: &Path) -> Option<String> {
    let path = format!("{}/{}", facade::OUTPUT_DIR, manifest::MANIFEST);
    let output = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["show", &format!("HEAD:{path}")])
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// What users will notice between the manifest `before` and what `root/spec` generates now.
pub fn changes_since(root: &Path, before: &str) -> Result<Vec<changes::Change>, String> {
    let specs = spec::load_all(&root.join("spec"))?;
    let services = model::build(&specs)?;
    let after = manifest::manifest(&services);
    Ok(changes::diff(
        &changes::parse(before),
        &changes::parse(&after),
    ))
}

/// Regenerates (or, with `check`, compares); returns what to print and the changes users will
/// notice.
pub fn run(root: &Path, check: bool) -> Result<(String, Vec<changes::Change>), String> {
    let started = Instant::now();
    let (outputs, changed, stems) = generate_all(root)?;
    let report = changes::report(&changed);
    let features = features::sync(root, &stems, check)?;
    let elapsed = started.elapsed().as_secs_f64();
    let files: usize = outputs.values().map(Vec::len).sum();
    if check {
        let mut stale = String::new();
        for file in &features {
            stale.push_str(&format!(
                "{file}: the features per service differ from spec/\n"
            ));
        }
        for (dir, files) in &outputs {
            if let Err(diff) = compare(&root.join(dir), dir, files) {
                stale.push_str(&diff);
            }
        }
        if !stale.is_empty() {
            return Err(format!(
                "generated code is stale or was edited by hand; run `cargo xtask gen` and review the diff:\n{stale}\nwhat the spec changes for users of the facade:\n{report}"
            ));
        }
        Ok((
            format!(
                "generated code is fresh: {files} files match spec/ (generated in {elapsed:.2} s)\n"
            ),
            changed,
        ))
    } else {
        let mut written = features.len();
        for (dir, files) in &outputs {
            written += write(&root.join(dir), files)?;
        }
        Ok((
            format!(
                "generated {files} files from spec/ in {elapsed:.2} s ({written} changed)\n{report}"
            ),
            changed,
        ))
    }
}

/// Writes the outputs, removes generated files no spec produces any more; returns how many changed.
pub fn write(out_dir: &Path, outputs: &[(String, String)]) -> Result<usize, String> {
    std::fs::create_dir_all(out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
    let mut changed = 0;
    for (name, content) in outputs {
        let path = out_dir.join(name);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(content.as_str()) {
            std::fs::write(&path, content).map_err(|e| format!("{}: {e}", path.display()))?;
            changed += 1;
        }
    }
    for stale in stale_files(out_dir, outputs)? {
        std::fs::remove_file(out_dir.join(&stale)).map_err(|e| format!("{stale}: {e}"))?;
        changed += 1;
    }
    Ok(changed)
}

/// Compares the outputs with the files on disk; an error carries a readable diff.
pub fn compare(
    out_dir: &Path,
    shown_dir: &str,
    outputs: &[(String, String)],
) -> Result<(), String> {
    let mut report = String::new();
    for (name, expected) in outputs {
        let path = out_dir.join(name);
        let actual = std::fs::read_to_string(&path).unwrap_or_default();
        if actual != *expected {
            let diff = similar::TextDiff::from_lines(&actual, expected);
            let unified = diff
                .unified_diff()
                .context_radius(3)
                .header(
                    &format!("{shown_dir}/{name} (checked in)"),
                    &format!("{shown_dir}/{name} (from spec/)"),
                )
                .to_string();
            let lines: Vec<&str> = unified.lines().collect();
            report.push_str(&lines[..lines.len().min(200)].join("\n"));
            if lines.len() > 200 {
                report.push_str(&format!("\n… {} more diff lines", lines.len() - 200));
            }
            report.push('\n');
        }
    }
    for stale in stale_files(out_dir, outputs)? {
        report.push_str(&format!(
            "{shown_dir}/{stale}: generated file that no spec produces any more\n"
        ));
    }
    if report.is_empty() {
        Ok(())
    } else {
        Err(report)
    }
}

/// Files in `out_dir` that carry the generated header but are not among the outputs.
fn stale_files(out_dir: &Path, outputs: &[(String, String)]) -> Result<Vec<String>, String> {
    let Ok(entries) = std::fs::read_dir(out_dir) else {
        return Ok(Vec::new());
    };
    let mut stale = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours = std::fs::read_to_string(entry.path()).is_ok_and(|t| t.starts_with(HEADER_MARK));
        if ours && !outputs.iter().any(|(n, _)| *n == name) {
            stale.push(name);
        }
    }
    stale.sort();
    Ok(stale)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Like rust-analyzer's codegen tests: a plain `cargo test` fails when the checked-in code is
    /// stale, with the diff in the message.
    #[test]
    fn generated_code_is_fresh() {
        if let Err(message) = run(&project_root(), true) {
            panic!("{message}");
        }
    }

    #[test]
    fn generation_is_deterministic() {
        let specs = spec::load_all(&project_root().join("spec")).unwrap();
        for spec in &specs {
            let first = api::generate(spec).unwrap().0;
            let second = api::generate(spec).unwrap().0;
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
            api::OUTPUT_DIR,
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
        // The manifests whose features per service `gen` writes.
        for (manifest, _) in features::blocks(&[]) {
            std::fs::copy(project_root().join(manifest), root.join(manifest)).unwrap();
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
        let message = run(&root, true).unwrap_err();
        assert!(message.contains("-        ///Total."), "{message}");
        assert!(
            message.contains("+        ///Total number of instances."),
            "{message}"
        );
        run(&root, false).unwrap();
        run(&root, true).unwrap();
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_hand_edit_of_generated_code_fails_the_check() {
        let root = scratch_root("hand-edit");
        let file = root.join(api::OUTPUT_DIR).join("modelarts.rs");
        let mut text = std::fs::read_to_string(&file).unwrap();
        text.push_str("\n// a hand edit\n");
        std::fs::write(&file, text).unwrap();
        let message = run(&root, true).unwrap_err();
        assert!(
            message.contains("+// a hand edit") || message.contains("-// a hand edit"),
            "{message}"
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
