//! LZ77 over one message: a hash table of the last 4 positions seen for each
//! 4-byte prefix, the longest of their matches, one step lazy. Matches reach back only into the message's
//! own bytes (never into what came before it on any connection), at most the
//! window, and never past the end of the block being coded.

use super::sequences::Sequence;

/// At most 2^14 slots (64 KiB); fewer for a short message, whose table is cleared per message.
const HASH_LOG_MAX: u32 = 14;
const HASH_LOG_MIN: u32 = 8;
const MIN_MATCH: usize = 4;
/// Positions kept per hash slot: the longest of 4 candidates makes fewer, longer
/// matches in arrays of similar objects (a GUILD_CREATE's members) than the last one alone.
const WAYS: usize = 4;

/// Positions by hash, kept across the blocks of one message (reset for the next).
pub struct Matcher {
  table: Vec<u32>,
  hash_log: u32,
  window: usize,
}

/// One block's LZ77 parse: its literal bytes and its sequences (the bytes after
/// the last sequence are trailing literals).
#[derive(Default)]
pub struct Parse {
  pub literals: Vec<u8>,
  pub sequences: Vec<Sequence>,
}

fn read4(input: &[u8], at: usize) -> u32 {
  u32::from_le_bytes([input[at], input[at + 1], input[at + 2], input[at + 3]])
}

fn hash(word: u32, hash_log: u32) -> usize {
  (word.wrapping_mul(2_654_435_761) >> (32 - hash_log)) as usize
}

fn read8(input: &[u8], at: usize) -> u64 {
  let mut word = [0u8; 8];
  word.copy_from_slice(&input[at..at + 8]);
  u64::from_le_bytes(word)
}

/// How many bytes from `b` (up to `end`) repeat those from `a` (a < b), 8 at a time.
fn common_length(input: &[u8], a: usize, b: usize, end: usize) -> usize {
  let mut n = 0;
  while b + n + 8 <= end {
    let diff = read8(input, a + n) ^ read8(input, b + n);
    if diff != 0 {
      return n + (diff.trailing_zeros() / 8) as usize;
    }
    n += 8;
  }
  while b + n < end && input[a + n] == input[b + n] {
    n += 1;
  }
  n
}

impl Matcher {
  /// A matcher for a message of `len` bytes.
  pub fn new(window: usize, len: usize) -> Matcher {
    let hash_log = (usize::BITS - len.leading_zeros()).clamp(HASH_LOG_MIN, HASH_LOG_MAX);
    Matcher {
      table: vec![0; WAYS << hash_log],
      hash_log,
      window,
    }
  }

  /// Makes `at` the newest of its slot's positions, forgetting the oldest.
  fn insert(&mut self, slot: usize, at: usize) {
    self.table.copy_within(slot..slot + WAYS - 1, slot + 1);
    self.table[slot] = (at + 1) as u32;
  }

  /// The longest match for `at` among its slot's positions, and remembers `at`.
  fn find(&mut self, input: &[u8], at: usize, end: usize) -> Option<(usize, usize)> {
    let word = read4(input, at);
    let slot = hash(word, self.hash_log) * WAYS;
    let mut best: Option<(usize, usize)> = None;
    // Slots hold position + 1, so 0 is empty.
    for &candidate in &self.table[slot..slot + WAYS] {
      let candidate = candidate as usize;
      if candidate == 0 || at - (candidate - 1) > self.window || read4(input, candidate - 1) != word {
        continue;
      }
      let length = MIN_MATCH + common_length(input, candidate - 1 + MIN_MATCH, at + MIN_MATCH, end);
      if best.is_none_or(|(_, longest)| length > longest) {
        best = Some((candidate - 1, length));
      }
    }
    self.insert(slot, at);
    best
  }

  /// Parses `input[start..end]`; earlier bytes of `input` may be matched against.
  pub fn parse(&mut self, input: &[u8], start: usize, end: usize) -> Parse {
    let mut parse = Parse::default();
    let mut anchor = start;
    let mut at = start;
    while at + MIN_MATCH <= end {
      let Some((mut from, mut length)) = self.find(input, at, end) else {
        // Skip faster through bytes that do not compress (LZ4's acceleration).
        at += 1 + ((at - anchor) >> 6);
        continue;
      };
      // One step lazy: a longer match one byte on is worth a literal.
      while at + 1 + MIN_MATCH <= end {
        match self.find(input, at + 1, end) {
          Some((next_from, next_length)) if next_length > length + 1 => {
            at += 1;
            (from, length) = (next_from, next_length);
          }
          _ => break,
        }
      }
      while at > anchor && from > 0 && input[from - 1] == input[at - 1] {
        at -= 1;
        from -= 1;
        length += 1;
      }
      parse.literals.extend_from_slice(&input[anchor..at]);
      parse.sequences.push(Sequence {
        literals: (at - anchor) as u32,
        offset: (at - from) as u32,
        length: length as u32,
      });
      at += length;
      anchor = at;
      // Remember a position near the end of the match, cheap help for the next search.
      if at >= 2 && at + 2 <= end {
        self.insert(hash(read4(input, at - 2), self.hash_log) * WAYS, at - 2);
      }
    }
    parse.literals.extend_from_slice(&input[anchor..end]);
    parse
  }
}
