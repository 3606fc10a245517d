//! The Literals section of a compressed block (RFC 8878 §3.1.1.3.1): raw, one
//! byte repeated (RLE), or Huffman-coded with its tree described in the block
//! itself. Never Treeless, which would decode with whatever tree an earlier
//! block on the connection left.
//!
//! The tree's weights go in the direct representation (4 bits each) when they
//! describe symbols up to 128 (ASCII text), else FSE-compressed with a table
//! described beside them (UTF-8 text, binary ETF).

use super::bits::BitWriter;
use super::fse::{distribution, FseTable};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Longest Huffman code the format allows.
const MAX_BITS: u32 = 11;
/// Below this many literals a tree costs more than it saves.
const MIN_HUFFMAN: usize = 64;
/// The most weights the direct representation holds (symbols 0–128, the last implied).
const MAX_DIRECT_WEIGHTS: usize = 128;
/// Largest accuracy log of the weights' FSE table.
const WEIGHTS_MAX_LOG: u32 = 6;

const RAW: usize = 0;
const RLE: usize = 1;
const COMPRESSED: usize = 2;

/// Writes the section for `literals` (at most 128 KiB of them).
pub fn write_literals(literals: &[u8], out: &mut Vec<u8>) {
  let mut counts = [0u32; 256];
  for &byte in literals {
    counts[byte as usize] += 1;
  }
  let distinct = counts.iter().filter(|&&c| c > 0).count();
  if distinct == 1 && literals.len() > 1 {
    plain_header(RLE, literals.len(), out);
    out.push(literals[0]);
    return;
  }
  let max_symbol = counts.iter().rposition(|&c| c > 0).unwrap_or(0);
  if literals.len() >= MIN_HUFFMAN && distinct > 1 {
    let start = out.len();
    if write_huffman(literals, &counts[..=max_symbol], out) {
      return;
    }
    out.truncate(start);
  }
  plain_header(RAW, literals.len(), out);
  out.extend_from_slice(literals);
}

/// The header of raw or RLE literals: 1, 2 or 3 bytes by size.
fn plain_header(kind: usize, size: usize, out: &mut Vec<u8>) {
  match size {
    0..=31 => out.push((kind | size << 3) as u8),
    32..=4095 => out.extend_from_slice(&[(kind | 0b0100 | (size & 0xF) << 4) as u8, (size >> 4) as u8]),
    _ => out.extend_from_slice(&[
      (kind | 0b1100 | (size & 0xF) << 4) as u8,
      (size >> 4) as u8,
      (size >> 12) as u8,
    ]),
  }
}

/// Code lengths of a Huffman code for `counts`, none over `MAX_BITS` (0 for an absent symbol).
fn code_lengths(counts: &[u32]) -> Vec<u32> {
  let mut scaled: Vec<u32> = counts.to_vec();
  loop {
    let lengths = huffman_lengths(&scaled);
    if lengths.iter().all(|&l| l <= MAX_BITS) {
      return lengths;
    }
    // Flatter counts make a shallower tree; a present symbol keeps a count of at least 1.
    for c in scaled.iter_mut().filter(|c| **c > 0) {
      *c = (*c >> 1).max(1);
    }
  }
}

fn huffman_lengths(counts: &[u32]) -> Vec<u32> {
  let mut parent: Vec<usize> = Vec::with_capacity(counts.len() * 2);
  let mut heap = BinaryHeap::new();
  for (symbol, &count) in counts.iter().enumerate() {
    parent.push(usize::MAX);
    if count > 0 {
      heap.push(Reverse((u64::from(count), symbol)));
    }
  }
  while heap.len() > 1 {
    let (Some(Reverse((a, x))), Some(Reverse((b, y)))) = (heap.pop(), heap.pop()) else {
      break;
    };
    let node = parent.len();
    parent.push(usize::MAX);
    parent[x] = node;
    parent[y] = node;
    heap.push(Reverse((a + b, node)));
  }
  (0..counts.len())
    .map(|symbol| {
      if counts[symbol] == 0 {
        return 0;
      }
      let mut depth = 0;
      let mut node = symbol;
      while parent[node] != usize::MAX {
        node = parent[node];
        depth += 1;
      }
      depth
    })
    .collect()
}

/// Appends Huffman-coded literals; false if they would not be smaller than raw.
fn write_huffman(literals: &[u8], counts: &[u32], out: &mut Vec<u8>) -> bool {
  let lengths = code_lengths(counts);
  let max_bits = lengths.iter().copied().max().unwrap_or(0);
  let weights: Vec<u32> = lengths
    .iter()
    .map(|&l| if l == 0 { 0 } else { max_bits + 1 - l })
    .collect();
  // Canonical codes as the decoder lays its table out: weight 1 (longest codes)
  // first, each weight's symbols in order, a symbol of weight w taking 2^(w-1) slots.
  let mut next_slot = vec![0u32; max_bits as usize + 1];
  let mut slot = 0;
  for (w, start) in next_slot.iter_mut().enumerate().skip(1) {
    *start = slot;
    slot += weights.iter().filter(|&&x| x as usize == w).count() as u32 * (1 << (w - 1));
  }
  let mut codes = vec![(0u32, 0u32); counts.len()];
  for (symbol, &w) in weights.iter().enumerate() {
    if w > 0 {
      codes[symbol] = (next_slot[w as usize] >> (w - 1), max_bits + 1 - w);
      next_slot[w as usize] += 1 << (w - 1);
    }
  }

  let mut body = Vec::with_capacity(literals.len());
  // The tree: weights of symbols 0..last; the last symbol's is implied.
  if !describe_weights(&weights[..counts.len() - 1], &mut body) {
    return false;
  }
  let single = literals.len() <= 1023;
  if single {
    write_stream(literals, &codes, &mut body);
  } else {
    let jump = body.len();
    body.extend_from_slice(&[0; 6]);
    let segment = literals.len().div_ceil(4);
    for (i, part) in literals.chunks(segment).enumerate() {
      let before = body.len();
      write_stream(part, &codes, &mut body);
      if i < 3 {
        let size = (body.len() - before) as u16;
        body[jump + 2 * i..jump + 2 * i + 2].copy_from_slice(&size.to_le_bytes());
      }
    }
  }
  let (format, bits, header_bytes) = match (single, literals.len().max(body.len())) {
    (true, n) if n <= 1023 => (0, 10, 3),
    (true, _) => return false,
    (false, n) if n < 1 << 14 => (2, 14, 4),
    (false, _) => (3, 18, 5),
  };
  if header_bytes + body.len() >= literals.len() + 3 {
    return false;
  }
  let header =
    COMPRESSED as u64 | format << 2 | (literals.len() as u64) << 4 | (body.len() as u64) << (4 + bits);
  out.extend_from_slice(&header.to_le_bytes()[..header_bytes]);
  out.extend_from_slice(&body);
  true
}

/// The Huffman tree description: a header byte, then the weights, 4 bits each,
/// or FSE-compressed; false if they fit neither way.
fn describe_weights(weights: &[u32], out: &mut Vec<u8>) -> bool {
  if weights.len() <= MAX_DIRECT_WEIGHTS {
    out.push((127 + weights.len()) as u8);
    for pair in weights.chunks(2) {
      out.push((pair[0] << 4 | pair.get(1).copied().unwrap_or(0)) as u8);
    }
    return true;
  }
  let mut counts = vec![0u32; MAX_BITS as usize + 1];
  for &w in weights {
    counts[w as usize] += 1;
  }
  if counts.iter().filter(|&&c| c > 0).count() < 2 {
    return false;
  }
  let (norm, log, description) = distribution(&counts, WEIGHTS_MAX_LOG);
  let table = FseTable::build(&norm, log);
  let mut stream = Vec::new();
  let mut bits = BitWriter::new(&mut stream);
  // Two interleaved states: weights at even indices on the first, odd on the
  // second. The decoder stops when the state update after the last-but-one
  // weight reads past the start of the stream, then takes the last weight from
  // the other state; so that update's bits are never written and must number at
  // least one.
  let n = weights.len();
  let mut states = vec![0u32; n];
  states[n - 1] = table.first(weights[n - 1] as u8);
  let Some(state) = table.first_with_bits(weights[n - 2] as u8) else {
    return false;
  };
  states[n - 2] = state;
  for i in (0..n - 2).rev() {
    let (state, value, count) = table.step(weights[i] as u8, states[i + 2]);
    bits.add(value, count);
    states[i] = state;
  }
  bits.add(states[1], log);
  bits.add(states[0], log);
  bits.finish();
  let size = description.len() + stream.len();
  if size >= 128 {
    return false;
  }
  out.push(size as u8);
  out.extend_from_slice(&description);
  out.extend_from_slice(&stream);
  true
}

/// One Huffman stream: read backwards, so the last symbol goes in first.
fn write_stream(symbols: &[u8], codes: &[(u32, u32)], out: &mut Vec<u8>) {
  let mut bits = BitWriter::new(out);
  for &symbol in symbols.iter().rev() {
    let (code, length) = codes[symbol as usize];
    bits.add(code, length);
  }
  bits.finish();
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn code_lengths_stay_within_the_limit_and_make_a_complete_code() {
    // Fibonacci counts make the deepest Huffman tree: 40 symbols would need 39 bits.
    let mut counts = vec![1u32, 1];
    while counts.len() < 40 {
      counts.push(counts[counts.len() - 1] + counts[counts.len() - 2]);
    }
    counts.push(0);
    let lengths = code_lengths(&counts);
    assert!(lengths.iter().all(|&l| l <= MAX_BITS));
    assert_eq!(lengths[40], 0);
    let kraft: u64 = lengths
      .iter()
      .filter(|&&l| l > 0)
      .map(|&l| 1u64 << (MAX_BITS - l))
      .sum();
    assert_eq!(kraft, 1 << MAX_BITS);
  }

  #[test]
  fn literals_are_huffman_coded_with_direct_weights_up_to_byte_128_and_fse_weights_above() {
    let ascii: Vec<u8> = (0..2000u32)
      .map(|i| b"{\"id\":\"0123456789\"}"[(i * 7 % 19) as usize])
      .collect();
    let mut out = Vec::new();
    write_literals(&ascii, &mut out);
    // 4 streams, 14-bit sizes: a 4-byte header, then the tree's header byte.
    assert_eq!(out[0] & 0b1111, COMPRESSED as u8 | 0b1000);
    assert!(out[4] >= 128, "direct weights");
    assert!(out.len() < ascii.len() * 3 / 4);
    let mut utf8 = ascii.clone();
    for i in (0..utf8.len()).step_by(50) {
      utf8[i] = 0xC3;
    }
    out.clear();
    write_literals(&utf8, &mut out);
    assert_eq!(out[0] & 0b1111, COMPRESSED as u8 | 0b1000);
    assert!(out[4] < 128, "FSE-compressed weights");
  }
}
