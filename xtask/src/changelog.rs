//! `cargo xtask gen --changelog`: the change summary of a regeneration, written into
//! `CHANGELOG.md` under `## Unreleased`, breaking changes first, so that a release says what users
//! will notice. Lines already there are kept (a second run adds only what is new).

use crate::changes::Change;

/// The file, at the workspace root.
pub const FILE: &str = "CHANGELOG.md";

const UNRELEASED: &str = "## Unreleased";
/// The subsections, in the order they are written, and which changes go in each.
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

/// `text` (a changelog, possibly empty) with `changes` added under `## Unreleased`.
pub fn update(text: &str, changes: &[Change]) -> String {
    let text = if text.trim().is_empty() {
        "# Changelog\n\nWhat users of the facade will notice, from `cargo xtask gen --changelog`.\n"
    } else {
        text
    };
    // The Unreleased section: from its heading to the next `## ` heading.
    let (before, section, after) = match text.find(UNRELEASED) {
        Some(start) => {
            let body = start + UNRELEASED.len();
            let end = text[body..]
                .find("\n## ")
                .map_or(text.len(), |at| body + at + 1);
            (&text[..start], &text[body..end], &text[end..])
        }
        None => {
            // New, before the first release heading (or at the end).
            let at = text.find("\n## ").map_or(text.len(), |at| at + 1);
            (&text[..at], "", &text[at..])
        }
    };
    let mut lines: [Vec<String>; 4] = Default::default();
    let mut current = 2;
    for line in section.lines() {
        if let Some(index) = SECTIONS.iter().position(|s| line.trim() == *s) {
            current = index;
        } else if line.starts_with("- ") {
            lines[current].push(line.to_string());
        }
    }
    for change in changes {
        let line = format!("- {}", change.line.trim_end_matches("  [BREAKING]"));
        let list = &mut lines[section_of(change)];
        if !list.contains(&line) {
            list.push(line);
        }
    }
    let mut out = format!(
        "{}{UNRELEASED}\n",
        before.trim_end_matches('\n').to_string() + "\n\n"
    );
    for (heading, list) in SECTIONS.iter().zip(&lines) {
        if !list.is_empty() {
            out.push_str(&format!("\n{heading}\n{}\n", list.join("\n")));
        }
    }
    if !after.is_empty() {
        out.push('\n');
        out.push_str(after);
    }
    out
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
        let first = update("", &changes);
        let breaking = first.find("### Breaking").unwrap();
        let added = first.find("### Added").unwrap();
        assert!(first.starts_with("# Changelog\n"), "{first}");
        assert!(breaking < added, "{first}");
        assert!(first.contains(
            "### Breaking\n- ~ parameter S.List.limit: maximum 200 -> 100\n- - export Old\n"
        ));
        assert!(first.contains("### Changed\n- ~ operation S.Get: description a -> b\n"));
        assert!(!first.contains("### Removed"), "{first}");
        assert_eq!(update(&first, &changes), first, "nothing new: unchanged");

        let released = first.replace("## Unreleased", "## 0.1.0");
        let next = update(&released, &[change("+ operation S.Later", false)]);
        let unreleased = next.find("## Unreleased").unwrap();
        let old = next.find("## 0.1.0").unwrap();
        assert!(unreleased < old, "{next}");
        assert_eq!(
            next.matches("+ operation S.New").count(),
            1,
            "the release keeps its lines"
        );
        assert!(
            next[unreleased..old].contains("### Added\n- + operation S.Later\n"),
            "{next}"
        );
    }
}
