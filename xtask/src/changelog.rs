//! `cargo xtask gen --changelog`: what users of the facade will notice since the last commit
//! (the surface manifest at git `HEAD` against the regenerated one), written into `CHANGELOG.md`
//! under `## Unreleased` (or `## [Unreleased]`), breaking changes first. Everything already in the
//! file is kept as it is — prose, other subsections, wrapped lines — and an entry already there is
//! not added again.

use crate::changes::Change;

/// The file, at the workspace root.
pub const FILE: &str = "CHANGELOG.md";

const HEADINGS: [&str; 2] = ["## Unreleased", "## [Unreleased]"];
/// The subsections the entries go in: breaking changes, then what was added, changed, removed.
const SECTIONS: [&str; 4] = ["### Breaking", "### Added", "### Changed", "### Removed"];

fn section_of(change: &Change) -> usize {
    if change.breaking {
        0
    } else if change.line.starts_with('+') {
        1
    } else if change.line.starts_with('~') {
        2
    } else {
        3
    }
}

/// An entry as a list item: the summary's line as code (its leading `+`, `-` or `~` would
/// otherwise read as a nested list).
fn entry(change: &Change) -> String {
    let line = change
        .line
        .trim_end_matches("  [BREAKING]")
        .replace('`', "'");
    format!("- `{line}`")
}

/// `text` (a changelog, possibly empty) with `changes` added under its Unreleased heading, and how
/// many entries were new.
pub fn update(text: &str, changes: &[Change]) -> (String, usize) {
    let text = if text.trim().is_empty() {
        "# Changelog\n\nWhat users of the facade will notice, from `cargo xtask gen --changelog`.\n"
            .to_string()
    } else {
        text.to_string()
    };
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // The Unreleased heading, or a new one before the first release heading (or at the end).
    let start = match lines.iter().position(|l| HEADINGS.contains(&l.trim())) {
        Some(at) => at,
        None => {
            let at = lines
                .iter()
                .position(|l| l.starts_with("## "))
                .unwrap_or(lines.len());
            let mut heading = Vec::new();
            if at > 0 && !lines[at - 1].trim().is_empty() {
                heading.push(String::new());
            }
            let heading_at = at + heading.len();
            heading.push(HEADINGS[0].to_string());
            if at < lines.len() {
                heading.push(String::new());
            }
            lines.splice(at..at, heading);
            heading_at
        }
    };
    let mut added = 0;
    for change in changes {
        let item = entry(change);
        let end = section_end(&lines, start);
        if lines[start..end].iter().any(|l| l.trim() == item) {
            continue;
        }
        let heading = SECTIONS[section_of(change)];
        match lines[start..end].iter().position(|l| l.trim() == heading) {
            Some(offset) => {
                // After the subsection's last non-blank line.
                let from = start + offset + 1;
                let next = lines[from..end]
                    .iter()
                    .position(|l| l.starts_with("### "))
                    .map_or(end, |at| from + at);
                // (The subsection's heading ends the walk back.)
                let mut at = next;
                while lines[at - 1].trim().is_empty() {
                    at -= 1;
                }
                lines.insert(at, item);
            }
            None => {
                // A new subsection: Breaking right under the heading, the others at the end.
                let at = if section_of(change) == 0 {
                    start + 1
                } else {
                    // (The section's heading ends the walk back.)
                    let mut at = end;
                    while lines[at - 1].trim().is_empty() {
                        at -= 1;
                    }
                    at
                };
                lines.splice(at..at, [String::new(), heading.to_string(), item]);
            }
        }
        added += 1;
    }
    let mut out = lines.join("\n");
    out.push('\n');
    (out, added)
}

/// Where the section that starts at `start` ends: the next `## ` heading, or the end.
fn section_end(lines: &[String], start: usize) -> usize {
    lines[start + 1..]
        .iter()
        .position(|l| l.starts_with("## "))
        .map_or(lines.len(), |at| start + 1 + at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(line: &str, breaking: bool) -> Change {
        Change {
            line: line.to_string(),
            breaking,
        }
    }

    #[test]
    fn breaking_changes_come_first_and_a_second_run_adds_only_what_is_new() {
        let changes = [
            change("+ operation S.New", false),
            change(
                "~ parameter S.List.limit: maximum 200 -> 100  [BREAKING]",
                true,
            ),
            change("- export Old  [BREAKING]", true),
            change("~ operation S.Get: description a -> b", false),
        ];
        let (first, added) = update("", &changes);
        assert_eq!(added, 4);
        assert!(first.starts_with("# Changelog\n"), "{first}");
        let breaking = first.find("### Breaking").unwrap();
        let added_at = first.find("### Added").unwrap();
        assert!(breaking < added_at, "{first}");
        assert!(
            first.contains(
                "### Breaking\n- `- export Old`\n- `~ parameter S.List.limit: maximum 200 -> 100`\n"
            ) || first.contains(
                "### Breaking\n- `~ parameter S.List.limit: maximum 200 -> 100`\n- `- export Old`\n"
            ),
            "{first}"
        );
        assert!(
            first.contains("### Changed\n- `~ operation S.Get: description a -> b`\n"),
            "{first}"
        );
        assert!(!first.contains("### Removed"), "{first}");
        assert_eq!(update(&first, &changes), (first.clone(), 0), "nothing new");

        let released = first.replace("## Unreleased", "## 0.1.0");
        let (next, added) = update(&released, &[change("+ operation S.Later", false)]);
        assert_eq!(added, 1);
        let unreleased = next.find("## Unreleased").unwrap();
        let old = next.find("## 0.1.0").unwrap();
        assert!(unreleased < old, "{next}");
        assert_eq!(
            next.matches("+ operation S.New").count(),
            1,
            "the release keeps its lines"
        );
        assert!(
            next[unreleased..old].contains("### Added\n- `+ operation S.Later`\n"),
            "{next}"
        );
    }

    #[test]
    fn what_is_there_is_kept_as_it_is() {
        let text = "# Changelog\n\n## [Unreleased]\n\nSome prose.\n\n### Fixed\n- A retry\n  on 408 answers.\n\n### Added\n- `+ operation S.Old`\n\n## [0.1.0] - 2026-01-01\n- first\n";
        let (out, added) = update(
            text,
            &[
                change("+ operation S.New", false),
                change("+ operation S.Old", false),
            ],
        );
        assert_eq!(added, 1);
        for kept in [
            "Some prose.",
            "### Fixed\n- A retry\n  on 408 answers.\n",
            "## [0.1.0] - 2026-01-01\n- first\n",
        ] {
            assert!(out.contains(kept), "{kept:?} lost:\n{out}");
        }
        assert!(
            out.contains("### Added\n- `+ operation S.Old`\n- `+ operation S.New`\n"),
            "{out}"
        );
        assert_eq!(out.matches("Unreleased").count(), 1, "{out}");
    }

    #[test]
    fn the_layout_is_exact_new_heading_new_subsections_and_a_release_below() {
        let (out, _) = update(
            "",
            &[
                change("+ operation S.New", false),
                change("- export Old  [BREAKING]", true),
            ],
        );
        assert_eq!(
            out,
            "# Changelog\n\nWhat users of the facade will notice, from `cargo xtask gen --changelog`.\n\n## Unreleased\n\n### Breaking\n- `- export Old`\n\n### Added\n- `+ operation S.New`\n"
        );
        // A release heading without a blank line before it, deep in the file.
        let text = "# Changelog\nIntro.\nMore intro.\n## 0.2.0\n- two\n\n## 0.1.0\n- one\n";
        let (out, _) = update(text, &[change("~ operation S.Get: x", false)]);
        assert_eq!(
            out,
            "# Changelog\nIntro.\nMore intro.\n\n## Unreleased\n\n### Changed\n- `~ operation S.Get: x`\n\n## 0.2.0\n- two\n\n## 0.1.0\n- one\n"
        );
        // An Unreleased section that ends in blank lines before the next release.
        let text = "# Changelog\n\n## Unreleased\n\n### Added\n- `+ a`\n\n\n## 0.1.0\n- one\n";
        let (out, _) = update(text, &[change("- export B", false)]);
        assert_eq!(
            out,
            "# Changelog\n\n## Unreleased\n\n### Added\n- `+ a`\n\n### Removed\n- `- export B`\n\n\n## 0.1.0\n- one\n"
        );
    }

    #[test]
    fn headings_at_the_edges_of_the_file() {
        let added = [change("+ x", false)];
        let (out, _) = update("# Changelog\n\n## 0.1.0\n- one\n", &added);
        assert_eq!(
            out,
            "# Changelog\n\n## Unreleased\n\n### Added\n- `+ x`\n\n## 0.1.0\n- one\n"
        );
        let (out, _) = update("## 0.1.0\n- one\n", &added);
        assert_eq!(
            out,
            "## Unreleased\n\n### Added\n- `+ x`\n\n## 0.1.0\n- one\n"
        );
        // No blank lines at all between the sections.
        let (out, _) = update(
            "## Unreleased\n### Added\n- `+ a`\n## 0.1.0\n",
            &[change("- export B", false)],
        );
        assert_eq!(
            out,
            "## Unreleased\n### Added\n- `+ a`\n\n### Removed\n- `- export B`\n## 0.1.0\n"
        );
    }
}
