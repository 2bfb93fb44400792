//! WCAG contrast of the stylesheet's colour tokens: every urgency and status text colour on
//! its tinted background, and body text on the surfaces, in the light and the dark theme.
//! Reads `style/main.css` itself, so a token edited there is checked here. Test-only.

/// WCAG AA for normal text.
const AA: f64 = 4.5;

fn channel(c: u8) -> f64 {
    let c = f64::from(c) / 255.0;
    if c <= 0.03928 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

fn luminance(hex: &str) -> f64 {
    let v = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap_or(0);
    let [_, r, g, b] = v.to_be_bytes();
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
}

/// The contrast ratio of two `#rrggbb` colours.
fn ratio(a: &str, b: &str) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// `--name: light-dark(#light, #dark);` from the stylesheet: (light, dark).
fn token(css: &str, name: &str) -> (String, String) {
    let line = css
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("--{name}:")))
        .unwrap_or_else(|| panic!("--{name} is not in main.css"));
    let inner = line
        .split_once("light-dark(")
        .and_then(|(_, r)| r.split_once(')'))
        .map(|(inner, _)| inner)
        .unwrap_or_else(|| panic!("--{name} is not light-dark(…)"));
    let (l, d) = inner.split_once(',').expect("two colours");
    (l.trim().to_owned(), d.trim().to_owned())
}

mod tests {
    use super::*;

    const CSS: &str = include_str!("../../../style/main.css");

    #[test]
    fn the_formula_matches_known_ratios() {
        assert!((ratio("#000000", "#ffffff") - 21.0).abs() < 1e-9);
        assert!((ratio("#777777", "#ffffff") - 4.48).abs() < 0.01);
    }

    #[test]
    fn urgency_status_and_text_colours_pass_wcag_aa_in_both_themes() {
        let pairs = [
            ("high", "high-bg"),
            ("medium", "medium-bg"),
            ("low", "low-bg"),
            ("ok", "ok-bg"),
            ("text", "surface"),
            ("text", "bg"),
            ("text-muted", "surface"),
            ("text-muted", "bg"),
            ("accent", "surface"),
            // The HIGH urgency badge: its text on the solid --high.
            ("accent-text", "high"),
            ("accent-text", "accent"),
        ];
        let mut failures = vec![];
        for (fg, bg) in pairs {
            let (fl, fd) = token(CSS, fg);
            let (bl, bd) = token(CSS, bg);
            for (theme, f, b) in [("light", &fl, &bl), ("dark", &fd, &bd)] {
                let r = ratio(f, b);
                if r < AA {
                    failures.push(format!("{theme}: --{fg} {f} on --{bg} {b} is {r:.2}:1"));
                }
            }
        }
        assert!(
            failures.is_empty(),
            "below WCAG AA 4.5:1:\n{}",
            failures.join("\n")
        );
    }
}
