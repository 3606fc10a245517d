//! Round trips through libzstd's streaming decoder (the `zstd` crate), and the
//! property the gateway relies on: the same blocks appended to streams with any
//! earlier contents (ours, or libzstd's own blocks with repeat offsets and
//! repeated entropy tables) decode to the same message on every stream.

use super::*;
use proptest::prelude::*;
use zstd::stream::raw::{Decoder, InBuffer, Operation, OutBuffer};

/// Feeds one WebSocket message to a connection's decoder and returns what it
/// outputs, as discord.py's `decompressobj().decompress(message)` does.
fn feed(decoder: &mut Decoder<'static>, message: &[u8]) -> Vec<u8> {
  let mut input = InBuffer::around(message);
  let mut decoded = Vec::new();
  let mut chunk = vec![0u8; 64 * 1024];
  loop {
    let mut output = OutBuffer::around(&mut chunk[..]);
    let hint = decoder.run(&mut input, &mut output).expect("a valid stream");
    assert_ne!(hint, 0, "the frame must never end");
    let written = output.pos();
    decoded.extend_from_slice(&chunk[..written]);
    if input.pos() == message.len() && written < chunk.len() {
      return decoded;
    }
  }
}

/// A deterministic stream of pseudo-random numbers (xorshift).
struct Rng(u64);

impl Rng {
  fn next(&mut self) -> u64 {
    self.0 ^= self.0 << 13;
    self.0 ^= self.0 >> 7;
    self.0 ^= self.0 << 17;
    self.0
  }
}

/// Gateway-like JSON: a dispatch with `members` member objects of random ids and names.
fn json_like(seed: u64, members: usize) -> Vec<u8> {
  let mut rng = Rng(seed | 1);
  let mut s = format!(
    "{{\"t\":\"GUILD_CREATE\",\"s\":{},\"op\":0,\"d\":{{\"members\":[",
    rng.next() % 1000
  );
  for i in 0..members {
    let id = rng.next() % 10_000_000_000_000_000;
    let name: String = (0..(rng.next() % 12 + 3))
      .map(|_| (b'a' + (rng.next() % 26) as u8) as char)
      .collect();
    if i > 0 {
      s.push(',');
    }
    s.push_str(&format!(
      "{{\"user\":{{\"id\":\"{id}\",\"username\":\"{name}\",\"avatar\":null,\"bot\":false}},\"roles\":[\"{}\"],\"joined_at\":\"2026-11-{:02}T08:00:00.000000+00:00\",\"deaf\":false,\"mute\":false,\"nick\":\"{name}{}\"}}",
      rng.next() % 1000,
      rng.next() % 28 + 1,
      // Most gateway JSON is ASCII (Huffman literals); an odd seed adds UTF-8 (raw literals).
      if seed % 2 == 1 { " ü" } else { "" }
    ));
  }
  s.push_str("]}}");
  s.into_bytes()
}

fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
  let mut rng = Rng(seed | 1);
  (0..len).map(|_| rng.next() as u8).collect()
}

fn decoder() -> Decoder<'static> {
  Decoder::new().expect("a decoder")
}

#[test]
fn messages_round_trip_one_by_one_on_one_stream() {
  let messages = [
    json_like(1, 3),
    random_bytes(2, 700),
    b"{\"op\":11}".to_vec(),
    Vec::new(),
    json_like(3, 40),
    b"x".to_vec(),
  ];
  let mut d = decoder();
  assert_eq!(feed(&mut d, &first_message(&messages[0])), messages[0]);
  for m in &messages[1..] {
    assert_eq!(&feed(&mut d, &message_blocks(m)), m);
  }
}

#[test]
fn json_compresses() {
  let m = json_like(4, 200);
  let blocks = message_blocks(&m);
  assert!(blocks.len() * 2 < m.len(), "{} of {}", blocks.len(), m.len());
}

#[test]
fn a_message_of_many_blocks_decodes_whole() {
  let m = json_like(5, 3000);
  assert!(m.len() > 3 * BLOCK_MAX);
  let mut d = decoder();
  assert_eq!(feed(&mut d, &first_message(b"{}")), b"{}");
  assert_eq!(feed(&mut d, &message_blocks(&m)), m);
}

#[test]
fn a_message_larger_than_the_window_decodes_with_no_match_beyond_it() {
  // A random part, then the same part again just over a window later: a
  // matcher that ignored the window would reach back too far.
  let part = random_bytes(6, 1 << WINDOW_LOG);
  let mut m = part.clone();
  m.extend_from_slice(b"0123456789");
  m.extend_from_slice(&part);
  m.extend_from_slice(&json_like(7, 300));
  let mut d = decoder();
  assert_eq!(feed(&mut d, &first_message(b"[]")), b"[]");
  assert_eq!(feed(&mut d, &message_blocks(&m)), m);
  let mut matcher = matcher::Matcher::new(1 << WINDOW_LOG, m.len());
  let mut at = 0;
  while at < m.len() {
    let end = (at + BLOCK_MAX).min(m.len());
    assert!(matcher
      .parse(&m, at, end)
      .sequences
      .iter()
      .all(|s| s.offset <= 1 << WINDOW_LOG));
    at = end;
  }
}

/// libzstd's own blocks on a stream, flushed but not ended: they leave the
/// decoder with repeat offsets and entropy tables of their own.
fn libzstd_prefix(content: &[u8], level: i32) -> Vec<u8> {
  use zstd::stream::raw::Encoder;
  let mut encoder = Encoder::new(level).expect("an encoder");
  let mut out = vec![0u8; content.len() + 1024];
  let mut output = OutBuffer::around(&mut out[..]);
  let mut input = InBuffer::around(content);
  while input.pos() < content.len() {
    encoder.run(&mut input, &mut output).expect("compress");
  }
  while encoder.flush(&mut output).expect("flush") > 0 {}
  let written = output.pos();
  out.truncate(written);
  out
}

#[test]
fn shared_blocks_decode_after_libzstd_blocks_of_the_same_frame() {
  let earlier = json_like(8, 50);
  let prefix = libzstd_prefix(&earlier, 19);
  let shared = json_like(9, 30);
  let mut d = decoder();
  assert_eq!(feed(&mut d, &prefix), earlier);
  assert_eq!(feed(&mut d, &message_blocks(&shared)), shared);
}

#[derive(Clone, Debug)]
enum Step {
  Shared(usize),
  Own(u64, usize),
}

/// A few random bytes, then a short pattern repeated: its first match is at a
/// small offset, such as 1, 4 or 8, a decoder's repeat offsets at frame start.
fn periodic(seed: u64, size: usize) -> Vec<u8> {
  let mut rng = Rng(seed | 1);
  let period = (rng.next() % 9 + 1) as usize;
  let mut m = random_bytes(rng.next(), (rng.next() % 4 + 1) as usize);
  let pattern = random_bytes(rng.next(), period);
  m.extend(pattern.iter().cycle().take(size * 10));
  m
}

fn message(seed: u64, size: usize) -> Vec<u8> {
  match seed % 3 {
    0 => random_bytes(seed, size * 40),
    1 => periodic(seed, size),
    _ => json_like(seed, size),
  }
}

proptest! {
  #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

  #[test]
  fn shared_blocks_decode_the_same_on_every_stream_whatever_came_before(
    shared_seeds in prop::collection::vec((any::<u64>(), 0usize..60), 1..5),
    streams in prop::collection::vec(
      (
        prop::option::of((any::<u64>(), 1usize..40, 1i32..20)),
        prop::collection::vec(prop_oneof![
          (0usize..5).prop_map(Step::Shared),
          (any::<u64>(), 0usize..40).prop_map(|(s, n)| Step::Own(s, n)),
        ], 1..8),
      ),
      2..5,
    ),
  ) {
    let shared: Vec<Vec<u8>> = shared_seeds.iter().map(|&(s, n)| message(s, n)).collect();
    // Encoded once, appended to every stream.
    let shared_blocks: Vec<Vec<u8>> = shared.iter().map(|m| message_blocks(m)).collect();
    for (prefix, steps) in streams {
      let mut d = decoder();
      match prefix {
        Some((seed, size, level)) => {
          let earlier = json_like(seed, size);
          prop_assert_eq!(feed(&mut d, &libzstd_prefix(&earlier, level)), earlier);
        }
        None => prop_assert_eq!(feed(&mut d, &HEADER), Vec::<u8>::new()),
      }
      for step in steps {
        let (expected, blocks) = match step {
          Step::Shared(i) => (shared[i % shared.len()].clone(), shared_blocks[i % shared.len()].clone()),
          Step::Own(seed, size) => {
            let m = message(seed, size);
            let b = message_blocks(&m);
            (m, b)
          }
        };
        prop_assert_eq!(feed(&mut d, &blocks), expected);
      }
    }
  }
}
