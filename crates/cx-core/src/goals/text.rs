//! Numbers in the words of SMART reasons and progress notes: short, with thousands separators and units.

/// `7.59`, `1`, `-0.25`: at most two decimals, trailing zeros dropped.
pub(crate) fn num(x: f64) -> String {
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// `94,187`.
pub(crate) fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `+1`, `-0.66`, `0`.
pub(crate) fn signed(x: f64) -> String {
    if x > 0.0 { format!("+{}", num(x)) } else { num(x) }
}

/// A number with its unit: `1 point`, `4.8 points`, `3.1%`, `8 hours`; `text` formats the number.
pub(crate) fn amount(text: String, x: f64, unit: &str) -> String {
    match unit {
        "" => text,
        "%" => format!("{text}%"),
        _ if x.abs() == 1.0 && unit.len() > 1 && unit.ends_with('s') => format!("{text} {}", &unit[..unit.len() - 1]),
        _ => format!("{text} {unit}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(num(7.5895), "7.59");
        assert_eq!(num(1.0), "1");
        assert_eq!(num(-0.001), "0");
        assert_eq!(count(94_187), "94,187");
        assert_eq!(count(400), "400");
        assert_eq!(signed(1.0), "+1");
        assert_eq!(amount(signed(1.0), 1.0, "points"), "+1 point");
        assert_eq!(amount(num(4.8), 4.8, "points"), "4.8 points");
        assert_eq!(amount(num(3.1), 3.1, "%"), "3.1%");
        assert_eq!(amount(num(8.0), 8.0, ""), "8");
    }
}
