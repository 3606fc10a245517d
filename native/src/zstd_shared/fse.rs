//! FSE tables (RFC 8878 §4.1): zstd's predefined distributions
//! (Predefined_Mode), and distributions made from a block's own symbol counts,
//! written into the block (FSE_Compressed_Mode). Either way the decoder builds
//! its table from the block or from constants, so a block depends on no earlier
//! one (never Repeat_Mode). The encoder is derived from the decoding table
//! itself: for each symbol, which state leads to a given next state, and with
//! which bits.

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

/// One table, ready to encode with.
pub struct FseTable {
  pub accuracy_log: u32,
  /// The distribution it was built from (-1: "less than 1", one state).
  norm: Vec<i16>,
  /// Per state: the bits the decoder reads to leave it, and the base it adds them to.
  nb_bits: Vec<u8>,
  baseline: Vec<u16>,
  /// `state_for[symbol * size + next]`: the state that decodes `symbol` and then moves to `next`.
  state_for: Vec<u16>,
  /// A state that decodes each symbol (the last symbol's state is read without a transition).
  first_state: Vec<u16>,
}

impl FseTable {
  pub fn build(norm: &[i16], accuracy_log: u32) -> FseTable {
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
    let mut state_for = vec![0u16; norm.len() * size];
    let mut first_state = vec![0u16; norm.len()];
    for state in (0..size).rev() {
      first_state[symbols[state] as usize] = state as u16;
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
        state_for[s * size + t] = state as u16;
      }
    }
    FseTable {
      accuracy_log,
      norm: norm.to_vec(),
      nb_bits,
      baseline,
      state_for,
      first_state,
    }
  }

  /// About how many bits `counts` cost coded with this table.
  pub fn cost_bits(&self, counts: &[u32]) -> f64 {
    cost_bits(&self.norm, self.accuracy_log, counts)
  }

  /// The state that decodes the last symbol of a stream.
  pub fn first(&self, symbol: u8) -> u32 {
    u32::from(self.first_state[symbol as usize])
  }

  /// A state that decodes `symbol` and reads at least one bit to leave it, if any.
  pub fn first_with_bits(&self, symbol: u8) -> Option<u32> {
    let size = 1usize << self.accuracy_log;
    let states = &self.state_for[symbol as usize * size..(symbol as usize + 1) * size];
    states
      .iter()
      .map(|&s| u32::from(s))
      .find(|&s| self.nb_bits[s as usize] > 0)
  }

  /// The state that decodes `symbol` and then moves to `next`, with the bits that move it.
  pub fn step(&self, symbol: u8, next: u32) -> (u32, u32, u32) {
    let size = 1usize << self.accuracy_log;
    let state = u32::from(self.state_for[symbol as usize * size + next as usize]);
    let bits = u32::from(self.nb_bits[state as usize]);
    (state, next - u32::from(self.baseline[state as usize]), bits)
  }
}

/// The smallest accuracy log a description may give.
const MIN_LOG: u32 = 5;

/// A distribution for symbols with these counts (at least two present), as
/// probabilities out of `1 << log` (log at most `max_log`), and its description
/// as the block carries it.
pub fn distribution(counts: &[u32], max_log: u32) -> (Vec<i16>, u32, Vec<u8>) {
  let total: u32 = counts.iter().sum();
  let present = counts.iter().filter(|&&c| c > 0).count() as u32;
  // At least twice as many states as symbols, at most one per symbol coded.
  let log = (32 - total.leading_zeros())
    .clamp(MIN_LOG, max_log)
    .max(33 - present.leading_zeros());
  let norm = normalize(counts, total, log);
  let description = describe(&norm, log);
  (norm, log, description)
}

/// About how many bits `counts` cost coded with distribution `norm`: a symbol of
/// probability p costs -log2(p) bits; one it cannot code, infinity.
pub fn cost_bits(norm: &[i16], log: u32, counts: &[u32]) -> f64 {
  let size = f64::from(1u32 << log);
  counts
    .iter()
    .enumerate()
    .filter(|(_, &c)| c > 0)
    .map(|(s, &c)| match norm.get(s).copied().unwrap_or(0) {
      0 => f64::INFINITY,
      p => f64::from(c) * (size / f64::from(p.max(1))).log2(),
    })
    .sum()
}

/// Probabilities out of `1 << log` for `counts`: each present symbol at least 1,
/// the remainder given to (or taken from) the most probable.
fn normalize(counts: &[u32], total: u32, log: u32) -> Vec<i16> {
  let size = 1i64 << log;
  let mut norm: Vec<i64> = counts
    .iter()
    .map(|&c| {
      if c == 0 {
        0
      } else {
        (i64::from(c) * size / i64::from(total)).max(1)
      }
    })
    .collect();
  let mut surplus = norm.iter().sum::<i64>() - size;
  while surplus != 0 {
    let (largest, _) = norm.iter().enumerate().max_by_key(|(_, &p)| p).unwrap_or((0, &0));
    let change = if surplus > 0 {
      surplus.min(norm[largest] - 1)
    } else {
      surplus
    };
    norm[largest] -= change;
    surplus -= change;
  }
  norm.into_iter().map(|p| p as i16).collect()
}

/// A distribution as the block describes it (RFC 8878 §4.1.1): the accuracy log
/// less 5 in 4 bits, then each probability + 1 in a variable number of bits, a
/// zero probability followed by 2-bit counts of further zeros.
fn describe(norm: &[i16], log: u32) -> Vec<u8> {
  let mut out = Vec::new();
  let mut bits = super::bits::BitWriter::new(&mut out);
  bits.add(log - MIN_LOG, 4);
  let mut remaining: i32 = (1 << log) + 1;
  let mut threshold: i32 = 1 << log;
  let mut nb_bits = log + 1;
  let mut symbol = 0;
  let mut previous_zero = false;
  while symbol < norm.len() && remaining > 1 {
    if previous_zero {
      let mut start = symbol;
      while symbol < norm.len() && norm[symbol] == 0 {
        symbol += 1;
      }
      while symbol >= start + 3 {
        start += 3;
        bits.add(3, 2);
      }
      bits.add((symbol - start) as u32, 2);
    }
    let probability = i32::from(norm[symbol]);
    symbol += 1;
    let max = (2 * threshold - 1) - remaining;
    remaining -= probability.abs();
    let mut value = probability + 1;
    if value >= threshold {
      value += max;
    }
    bits.add(value as u32, if value < max { nb_bits - 1 } else { nb_bits });
    previous_zero = value == 1;
    while remaining < threshold {
      nb_bits -= 1;
      threshold >>= 1;
    }
  }
  bits.pad();
  out
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
