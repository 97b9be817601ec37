//! Dismissed judges (head ablation), with HF `head_mask` semantics: a dismissed head's
//! attention probabilities are multiplied by 0, so its context vector is 0 before the output
//! projection, and every later layer is computed from what is left.

/// Which heads are off, (L, H) row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct HeadMask {
    pub layers: usize,
    pub heads: usize,
    off: Vec<bool>,
}

impl HeadMask {
    /// Every head on.
    pub fn none(layers: usize, heads: usize) -> HeadMask {
        HeadMask {
            layers,
            heads,
            off: vec![false; layers * heads],
        }
    }

    /// "3.7,6.9": layer.head pairs, 1-based, as in share links (`x=`) and `--ablate`.
    /// Entries that do not name a head of this model are dropped and returned, as given;
    /// duplicates count once.
    pub fn parse(spec: &str, layers: usize, heads: usize) -> (HeadMask, Vec<String>) {
        let mut mask = HeadMask::none(layers, heads);
        let mut dropped = Vec::new();
        for entry in spec.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let parsed = entry.split_once('.').and_then(|(l, h)| {
                let (l, h) = (l.parse::<usize>().ok()?, h.parse::<usize>().ok()?);
                (1..=layers).contains(&l).then_some(())?;
                (1..=heads).contains(&h).then_some((l - 1, h - 1))
            });
            match parsed {
                Some((l, h)) => mask.off[l * heads + h] = true,
                None => dropped.push(entry.to_string()),
            }
        }
        (mask, dropped)
    }

    /// From a flat (L·H) list of flags, true = off (the page's form).
    pub fn from_flags(layers: usize, heads: usize, off: &[bool]) -> Option<HeadMask> {
        (off.len() == layers * heads).then(|| HeadMask {
            layers,
            heads,
            off: off.to_vec(),
        })
    }

    /// From the page's form: one byte per head, (L, H) row-major, non-zero = dismissed.
    pub fn from_bytes(layers: usize, heads: usize, off: &[u8]) -> crate::error::Result<HeadMask> {
        let flags: Vec<bool> = off.iter().map(|&b| b != 0).collect();
        HeadMask::from_flags(layers, heads, &flags).ok_or_else(|| {
            crate::Error::Model(format!(
                "the head mask has {} entries; this model has {} heads",
                off.len(),
                layers * heads
            ))
        })
    }

    pub fn is_off(&self, l: usize, h: usize) -> bool {
        self.off[l * self.heads + h]
    }

    pub fn is_empty(&self) -> bool {
        !self.off.contains(&true)
    }

    /// The canonical spelling: sorted by layer then head, "3.7,6.9".
    pub fn spec(&self) -> String {
        (0..self.layers * self.heads)
            .filter(|&i| self.off[i])
            .map(|i| format!("{}.{}", i / self.heads + 1, i % self.heads + 1))
            .collect::<Vec<_>>()
            .join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sorts_and_drops_what_names_no_head() {
        let (m, dropped) = HeadMask::parse("6.9, 3.7,3.7,7.1,0.2,x,3.13,,2.", 6, 12);
        assert_eq!(m.spec(), "3.7,6.9");
        assert_eq!(dropped, ["7.1", "0.2", "x", "3.13", "2."]);
        assert!(m.is_off(2, 6) && m.is_off(5, 8) && !m.is_off(0, 0));
        assert!(HeadMask::parse("", 6, 12).0.is_empty());
    }

    #[test]
    fn the_pages_bytes_name_heads_and_a_wrong_length_is_an_error() {
        let m = HeadMask::from_bytes(2, 3, &[0, 0, 7, 0, 1, 0]).unwrap();
        assert_eq!(m.spec(), "1.3,2.2");
        let e = HeadMask::from_bytes(2, 3, &[0; 5]).unwrap_err().to_string();
        assert!(e.contains("5 entries") && e.contains("6 heads"), "{e}");
    }
}
