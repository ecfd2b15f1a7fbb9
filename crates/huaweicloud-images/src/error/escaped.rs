//! Server text as an error message shows it.

/// Text from a server as an error message shows it: control characters (ANSI escapes, line
/// breaks, bells), line and paragraph separators, and every invisible formatting character
/// (Unicode category `Cf`: bidirectional overrides, zero-width characters, the BOM, soft hyphens,
/// the tag characters U+E0000–U+E007F that can smuggle hidden text), as well as private-use and
/// unassigned code points, written as escapes (`\u{1b}`, `\r\n`, `\u{e0069}`), so that they can
/// neither recolour a terminal nor forge a log line nor hide text from a reader; so are the
/// invisible marks and blanks outside those categories (variation selectors, which can carry
/// hidden bytes, the combining grapheme joiner, Hangul fillers, the braille blank). The fields
/// keep the text as sent.
pub(crate) struct Escaped<'a>(pub(crate) &'a str);

impl std::fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use std::fmt::Write;
        use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
        for c in self.0.chars() {
            let hidden = matches!(
                c.general_category(),
                GeneralCategory::Control
                    | GeneralCategory::Format
                    | GeneralCategory::LineSeparator
                    | GeneralCategory::ParagraphSeparator
                    | GeneralCategory::PrivateUse
                    | GeneralCategory::Surrogate
                    | GeneralCategory::Unassigned
            ) || invisible_mark_or_blank(c);
            if hidden {
                write!(f, "{}", c.escape_default())?;
            } else {
                f.write_char(c)?;
            }
        }
        Ok(())
    }
}

/// Characters that show nothing (or nothing of their own) though Unicode files them as marks or
/// letters: variation selectors (U+FE00–FE0F, U+E0100–E01EF), Mongolian free variation selectors
/// (U+180B–180F), the combining grapheme joiner (U+034F), Khmer inherent vowels (U+17B4–17B5),
/// Hangul fillers (U+115F, U+1160, U+3164, U+FFA0) and the braille blank (U+2800).
fn invisible_mark_or_blank(c: char) -> bool {
    matches!(
        c,
        '\u{034f}'
            | '\u{115f}'
            | '\u{1160}'
            | '\u{17b4}'..='\u{17b5}'
            | '\u{180b}'..='\u{180f}'
            | '\u{2800}'
            | '\u{3164}'
            | '\u{fe00}'..='\u{fe0f}'
            | '\u{ffa0}'
            | '\u{e0100}'..='\u{e01ef}'
    )
}

#[cfg(test)]
mod tests {
    use super::Escaped;

    #[test]
    fn invisible_and_control_characters_are_escaped_and_the_rest_kept() {
        let shown = Escaped(
            "a\u{1b}[31m\r\n\u{202e}\u{e0001}\u{e0068}\u{e007f}\u{ad}\u{fff9}\u{f8ff}\u{10ffff}z",
        )
        .to_string();
        assert_eq!(
            shown,
            r"a\u{1b}[31m\r\n\u{202e}\u{e0001}\u{e0068}\u{e007f}\u{ad}\u{fff9}\u{f8ff}\u{10ffff}z"
        );
        let marks = Escaped("a\u{e0100}\u{e0101}\u{fe0f}\u{3164}\u{2800}\u{34f}b").to_string();
        assert_eq!(
            marks,
            r"a\u{e0100}\u{e0101}\u{fe0f}\u{3164}\u{2800}\u{34f}b"
        );
        let plain = "名字 ünïcode é́ emoji 🙂 tab-free";
        assert_eq!(Escaped(plain).to_string(), plain);
    }
}
