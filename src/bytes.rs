//! Bytes that may lie inside a larger buffer: a bundle's quantized weights are used where
//! they are in the bundle (loading copies the file into memory once, and nothing more).
use std::ops::{Deref, Range};
use std::sync::Arc;

#[derive(Clone)]
pub struct Bytes {
    buf: Arc<Vec<u8>>,
    range: Range<usize>,
}

impl Bytes {
    /// Bytes of their own.
    pub fn owned(v: Vec<u8>) -> Bytes {
        let range = 0..v.len();
        Bytes {
            buf: Arc::new(v),
            range,
        }
    }

    /// `range` of `buf`, shared with it. Panics when the range lies outside.
    pub fn shared(buf: &Arc<Vec<u8>>, range: Range<usize>) -> Bytes {
        assert!(range.start <= range.end && range.end <= buf.len());
        Bytes {
            buf: buf.clone(),
            range,
        }
    }

    /// The same bytes read as signed (int8 weights).
    pub fn as_i8(&self) -> &[i8] {
        let b: &[u8] = self;
        // SAFETY: i8 and u8 have the same size and alignment, and every bit pattern is valid.
        unsafe { std::slice::from_raw_parts(b.as_ptr() as *const i8, b.len()) }
    }
}

impl Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.buf[self.range.clone()]
    }
}

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Bytes({} of a {}-byte buffer)",
            self.range.len(),
            self.buf.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_slice_reads_its_range_and_signed() {
        let buf = Arc::new(vec![1u8, 255, 3, 4]);
        let b = Bytes::shared(&buf, 1..3);
        assert_eq!(&*b, &[255, 3]);
        assert_eq!(b.as_i8(), &[-1, 3]);
        assert_eq!(&*Bytes::owned(vec![7]), &[7]);
    }
}
