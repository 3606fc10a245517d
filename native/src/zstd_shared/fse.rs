//! FSE with zstd's predefined distributions (RFC 8878 §3.1.1.3.2.2,
//! Predefined_Mode): the decoder builds its tables from these constants, so a
//! block coded with them depends on no earlier block. The encoder is derived
//! from the decoding table itself: for each symbol, which state leads to a given
//! next state, and with which bits.

use std::sync::OnceLock;

/// Literal-length distribution, accuracy log 6.
const LL_NORM: [i16; 36] = [
  4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1, -1, -1, -1,
  -1,
];
/// Match-length distribution, accuracy log 6.
const ML_NORM: [i16; 53] = [
  1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1,
];
/// Offset-code distribution, accuracy log 5.
const OF_NORM: [i16; 29] = [
  1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1,
];

/// One predefined table, ready to encode with.
pub struct FseTable {
  pub accuracy_log: u32,
  /// Per state: the bits the decoder reads to leave it, and the base it adds them to.
  nb_bits: Vec<u8>,
  baseline: Vec<u16>,
  /// `state_for[symbol * size + next]`: the state that decodes `symbol` and then moves to `next`.
  state_for: Vec<u8>,
  /// A state that decodes each symbol (the last symbol's state is read without a transition).
  first_state: Vec<u8>,
}

impl FseTable {
  fn build(norm: &[i16], accuracy_log: u32) -> FseTable {
    let size = 1usize << accuracy_log;
    let mut symbols = vec![0u8; size];
    let mut high = size - 1;
    for (s, &c) in norm.iter().enumerate() {
      if c == -1 {
        symbols[high] = s as u8;
        high -= 1;
      }
    }
    let step = (size >> 1) + (size >> 3) + 3;
    let mut pos = 0usize;
    for (s, &c) in norm.iter().enumerate() {
      for _ in 0..c.max(0) {
        symbols[pos] = s as u8;
        pos = (pos + step) & (size - 1);
        while pos > high {
          pos = (pos + step) & (size - 1);
        }
      }
    }
    let mut next: Vec<u32> = norm.iter().map(|&c| if c == -1 { 1 } else { c as u32 }).collect();
    let mut nb_bits = vec![0u8; size];
    let mut baseline = vec![0u16; size];
    let mut state_for = vec![0u8; norm.len() * size];
    let mut first_state = vec![0u8; norm.len()];
    for state in (0..size).rev() {
      first_state[symbols[state] as usize] = state as u8;
    }
    for state in 0..size {
      let s = symbols[state] as usize;
      let n = next[s];
      next[s] += 1;
      let bits = accuracy_log - (31 - n.leading_zeros());
      let base = (n << bits) as usize - size;
      nb_bits[state] = bits as u8;
      baseline[state] = base as u16;
      for t in base..base + (1 << bits) {
        state_for[s * size + t] = state as u8;
      }
    }
    FseTable {
      accuracy_log,
      nb_bits,
      baseline,
      state_for,
      first_state,
    }
  }

  /// The state that decodes the last symbol of a stream.
  pub fn first(&self, symbol: u8) -> u32 {
    u32::from(self.first_state[symbol as usize])
  }

  /// The state that decodes `symbol` and then moves to `next`, with the bits that move it.
  pub fn step(&self, symbol: u8, next: u32) -> (u32, u32, u32) {
    let size = 1usize << self.accuracy_log;
    let state = u32::from(self.state_for[symbol as usize * size + next as usize]);
    let bits = u32::from(self.nb_bits[state as usize]);
    (state, next - u32::from(self.baseline[state as usize]), bits)
  }
}

/// The three predefined tables: literal lengths, match lengths, offsets.
pub struct Predefined {
  pub ll: FseTable,
  pub ml: FseTable,
  pub of: FseTable,
}

/// Built once per process.
pub fn predefined() -> &'static Predefined {
  static TABLES: OnceLock<Predefined> = OnceLock::new();
  TABLES.get_or_init(|| Predefined {
    ll: FseTable::build(&LL_NORM, 6),
    ml: FseTable::build(&ML_NORM, 6),
    of: FseTable::build(&OF_NORM, 5),
  })
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn every_next_state_is_reachable_from_exactly_one_state_per_symbol() {
    for table in [&predefined().ll, &predefined().ml, &predefined().of] {
      let size = 1u32 << table.accuracy_log;
      for symbol in 0..table.first_state.len() as u8 {
        for next in 0..size {
          let (state, bits, n) = table.step(symbol, next);
          assert_eq!(u32::from(table.baseline[state as usize]) + bits, next);
          assert!(bits < 1 << n);
        }
      }
    }
  }
}
