//! A bit writer, least significant bit first. For zstd's backward-read
//! bitstreams (RFC 8878 §4.1) the stream ends in a single 1 bit that marks
//! where the reader starts, so the last field written is the first one read
//! (`finish`); FSE table descriptions are read forward (`pad`).

pub struct BitWriter<'a> {
  out: &'a mut Vec<u8>,
  bits: u64,
  count: u32,
}

impl<'a> BitWriter<'a> {
  pub fn new(out: &'a mut Vec<u8>) -> Self {
    BitWriter {
      out,
      bits: 0,
      count: 0,
    }
  }

  /// Appends the low `n` bits of `value` (n ≤ 32).
  pub fn add(&mut self, value: u32, n: u32) {
    debug_assert!(n <= 32 && (n == 32 || value >> n == 0));
    self.bits |= u64::from(value) << self.count;
    self.count += n;
    while self.count >= 8 {
      self.out.push(self.bits as u8);
      self.bits >>= 8;
      self.count -= 8;
    }
  }

  /// Writes the end marker and pads the last byte with zeros.
  pub fn finish(mut self) {
    self.add(1, 1);
    self.pad();
  }

  /// Pads the last byte with zeros (a forward-read stream, no end marker).
  pub fn pad(self) {
    if self.count > 0 {
      self.out.push(self.bits as u8);
    }
  }
}
