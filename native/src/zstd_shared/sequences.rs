//! The Sequences section of a compressed block (RFC 8878 §3.1.1.3.2), coded
//! with FSE tables that are predefined or described in the section (whichever
//! costs less for each of literal lengths, offsets and match lengths), and with
//! explicit offsets only: every offset is written as its Offset_Value (offset +
//! 3, so never 1–3, the repeat codes), and a decoder's repeat offsets, whatever
//! earlier blocks left them at, are never read. Nothing here refers to anything
//! before the block.

use super::bits::BitWriter;
use super::fse::{cost_bits, distribution, predefined, FseTable};

/// One LZ77 step: copy `literals` literal bytes, then `length` bytes from `offset` back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sequence {
  pub literals: u32,
  pub offset: u32,
  pub length: u32,
}

/// Symbol_Compression_Modes: the table is described in the section.
const FSE_COMPRESSED_MODE: u8 = 2;
/// Fewest sequences for which a described table is considered.
const MIN_DESCRIBED: usize = 32;

/// The smallest match a sequence can carry.
pub const MIN_MATCH: u32 = 3;

const LL_BASE: [u32; 36] = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 22, 24, 28, 32, 40, 48, 64, 128, 256,
  512, 1024, 2048, 4096, 8192, 16384, 32768, 65536,
];
const LL_BITS: [u32; 36] = [
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14,
  15, 16,
];
const ML_BASE_HIGH: [u32; 21] = [
  35, 37, 39, 41, 43, 47, 51, 59, 67, 83, 99, 131, 259, 515, 1027, 2051, 4099, 8195, 16387, 32771, 65539,
];
const ML_BITS_HIGH: [u32; 21] = [
  1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
];

/// Code, extra bits value and extra bit count of a literal length.
fn literal_length_code(value: u32) -> (u8, u32, u32) {
  let code = if value < 16 {
    value as usize
  } else {
    LL_BASE.partition_point(|&b| b <= value) - 1
  };
  (code as u8, value - LL_BASE[code], LL_BITS[code])
}

/// Code, extra bits value and extra bit count of a match length (≥ 3).
fn match_length_code(value: u32) -> (u8, u32, u32) {
  if value < 35 {
    return ((value - MIN_MATCH) as u8, 0, 0);
  }
  let i = ML_BASE_HIGH.partition_point(|&b| b <= value) - 1;
  ((32 + i) as u8, value - ML_BASE_HIGH[i], ML_BITS_HIGH[i])
}

/// Code, extra bits value and extra bit count of an explicit offset.
fn offset_code(offset: u32) -> (u8, u32, u32) {
  let value = offset + 3;
  let code = 31 - value.leading_zeros();
  (code as u8, value - (1 << code), code)
}

/// Writes the section for `sequences` (at most 0x7F00 + 0xFFFF of them).
pub fn write_sequences(sequences: &[Sequence], out: &mut Vec<u8>) {
  let n = sequences.len();
  match n {
    0 => {
      out.push(0);
      return;
    }
    1..=127 => out.push(n as u8),
    128..=0x7EFF => out.extend_from_slice(&[((n >> 8) + 128) as u8, n as u8]),
    _ => out.extend_from_slice(&[255, (n - 0x7F00) as u8, ((n - 0x7F00) >> 8) as u8]),
  }
  let codes: Vec<[(u8, u32, u32); 3]> = sequences
    .iter()
    .map(|s| {
      [
        literal_length_code(s.literals),
        offset_code(s.offset),
        match_length_code(s.length),
      ]
    })
    .collect();
  let predefined = predefined();
  let mut counts = [vec![0u32; 36], vec![0u32; 32], vec![0u32; 53]];
  for code in &codes {
    for (kind, &(symbol, _, _)) in code.iter().enumerate() {
      counts[kind][symbol as usize] += 1;
    }
  }
  let modes_at = out.len();
  out.push(0);
  let mut modes = 0u8;
  let mut custom: [Option<FseTable>; 3] = [None, None, None];
  // Descriptions go in the order literal lengths, offsets, match lengths.
  for (kind, (table, max_log, shift)) in [
    (&predefined.ll, 9, 6),
    (&predefined.of, 8, 4),
    (&predefined.ml, 9, 2),
  ]
  .into_iter()
  .enumerate()
  {
    // Few sequences rarely pay for a description (and its table takes time to build).
    if n < MIN_DESCRIBED || counts[kind].iter().filter(|&&c| c > 0).count() < 2 {
      continue;
    }
    let (norm, log, description) = distribution(&counts[kind], max_log);
    if cost_bits(&norm, log, &counts[kind]) + 8.0 * (description.len() as f64)
      < table.cost_bits(&counts[kind])
    {
      out.extend_from_slice(&description);
      modes |= FSE_COMPRESSED_MODE << shift;
      custom[kind] = Some(FseTable::build(&norm, log));
    }
  }
  out[modes_at] = modes;
  let [ll_custom, of_custom, ml_custom] = &custom;
  let tables = [
    ll_custom.as_ref().unwrap_or(&predefined.ll),
    of_custom.as_ref().unwrap_or(&predefined.of),
    ml_custom.as_ref().unwrap_or(&predefined.ml),
  ];
  let mut bits = BitWriter::new(out);
  // The decoder reads backwards: initial states, then per sequence the extra bits
  // (offset, match, literal) and the state updates (literal, match, offset). So
  // the last sequence is written first, and the states are chained back from it.
  let [last_ll, last_of, last_ml] = codes[n - 1];
  let (mut ll, mut of, mut ml) = (
    tables[0].first(last_ll.0),
    tables[1].first(last_of.0),
    tables[2].first(last_ml.0),
  );
  bits.add(last_ll.1, last_ll.2);
  bits.add(last_ml.1, last_ml.2);
  bits.add(last_of.1, last_of.2);
  for &[c_ll, c_of, c_ml] in codes[..n - 1].iter().rev() {
    let (state, value, count) = tables[1].step(c_of.0, of);
    bits.add(value, count);
    of = state;
    let (state, value, count) = tables[2].step(c_ml.0, ml);
    bits.add(value, count);
    ml = state;
    let (state, value, count) = tables[0].step(c_ll.0, ll);
    bits.add(value, count);
    ll = state;
    bits.add(c_ll.1, c_ll.2);
    bits.add(c_ml.1, c_ml.2);
    bits.add(c_of.1, c_of.2);
  }
  bits.add(ml, tables[2].accuracy_log);
  bits.add(of, tables[1].accuracy_log);
  bits.add(ll, tables[0].accuracy_log);
  bits.finish();
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn length_codes_match_the_rfc_tables() {
    assert_eq!(literal_length_code(15), (15, 0, 0));
    assert_eq!(literal_length_code(17), (16, 1, 1));
    assert_eq!(literal_length_code(131071), (35, 65535, 16));
    assert_eq!(match_length_code(3), (0, 0, 0));
    assert_eq!(match_length_code(34), (31, 0, 0));
    assert_eq!(match_length_code(36), (32, 1, 1));
    assert_eq!(match_length_code(131074), (52, 65535, 16));
    assert_eq!(offset_code(1), (2, 0, 2));
    assert_eq!(offset_code(5), (3, 0, 3));
  }
}
