//! String building without `core::fmt`: `to_string()`/`format!` on the wasm
//! paths pull in the formatting machinery (`Formatter`, padding, the
//! integer tables), several KB of the bundle. Errors build their messages
//! here too ([`crate::core::CoreError::message`]); their `Display` (native
//! code and tests) writes the same text.

/// Concatenates `parts`.
pub fn concat(parts: &[&str]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        s.push_str(p);
    }
    s
}

/// `n` in decimal.
pub fn dec(n: u64) -> String {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        if let Some(d) = digits.get_mut(i) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    digits.get(i..).map(|d| d.iter().map(|&b| char::from(b)).collect()).unwrap_or_default()
}

/// `n` as 8 lowercase hex digits (zero-padded).
pub fn hex8(n: u32) -> String {
    (0..8)
        .rev()
        .map(|i| {
            char::from(
                b"0123456789abcdef".get(((n >> (i * 4)) & 0xf) as usize).copied().unwrap_or(b'0'),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dec_matches_to_string() {
        for n in [0, 1, 9, 10, 99, 100, 12345, u64::from(u32::MAX), u64::MAX] {
            assert_eq!(dec(n), n.to_string());
        }
    }

    #[test]
    fn hex8_matches_zero_padded_lower_hex() {
        for n in [0, 1, 0xabc, 0xdead_beef, u32::MAX] {
            assert_eq!(hex8(n), format!("{n:08x}"));
        }
    }

    #[test]
    fn concat_joins_in_order() {
        assert_eq!(concat(&["a", "", "bc", "d"]), "abcd");
    }
}
