//! Consistent hashing with virtual nodes, in the manner of `ex_hash_ring`.
//!
//! Each node is placed on a 32-bit circle at `replicas` points (default 512):
//! point `r` of node `n` sits at the low 32 bits of `xxh3_64("{n}#{r}")`. A key
//! belongs to the node of the first point clockwise from the key's hash.
//!
//! Keys are snowflakes (u64). [`key_hash`] folds the key's decimal digit
//! groups through MurmurHash3's 32-bit finaliser, which JS computes from a
//! snowflake string without parsing it into a 64-bit number.
//! JavaScript computes the same from the string it already holds (snowflakes
//! are strings at the edge) without parsing it, so lookups run in JS over a
//! copy of the points while batch lookups run here, with one answer.
//!
//! Lookups go through a table of where each top-bits prefix starts in the
//! sorted points, so a lookup probes a point or two, not log2(n). The table has
//! about one entry per point (2^8 to 2^16 entries): 32 KB for 16 nodes of 512
//! replicas, which stays in L1/L2 during a batch (against a fixed 2^16-entry
//! table of 256 KB, measured 32 -> 25-29 µs per 4096-key `find_many` from JS).
//! JS, which looks up one key at a time, builds its own 2^16-entry table from
//! the points it copies.
//!
//! A [`Ring`] is one immutable generation. [`RingCell`] shares rings process-wide
//! by name and swaps generations atomically (readers load the current `Arc`
//! without blocking and never see a half-built ring). Each ring's generation
//! number is also published in a shared cell, where JS notices a swap cheaply.

use crate::shared_cells::{self, CellsExhausted, CELLS};
use arc_swap::ArcSwap;
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, OnceLock};
use xxhash_rust::xxh3::xxh3_64;

pub const DEFAULT_REPLICAS: u32 = 512;
const MIN_PREFIX_BITS: u32 = 8;
const MAX_PREFIX_BITS: u32 = 16;

/// MurmurHash3's 32-bit finaliser: a bijection with full avalanche.
fn fmix32(mut h: u32) -> u32 {
  h ^= h >> 16;
  h = h.wrapping_mul(0x85eb_ca6b);
  h ^= h >> 13;
  h = h.wrapping_mul(0xc2b2_ae35);
  h ^ (h >> 16)
}

/// Where a u64 key sits on the circle. The key is cut into its decimal digit
/// groups (the top ≤4 digits, the middle 8, the low 8), and the groups are
/// folded through [`fmix32`]. JS computes the same groups straight from a
/// snowflake's digits with 32-bit integer maths (`src/native.ts`), so neither
/// side formats or parses a 64-bit number.
pub fn key_hash(key: u64) -> u32 {
  const GROUP: u64 = 100_000_000;
  let low = (key % GROUP) as u32;
  let mid = ((key / GROUP) % GROUP) as u32;
  let top = (key / GROUP / GROUP) as u32;
  fmix32(fmix32(fmix32(top ^ 0x9e37_79b9) ^ mid) ^ low)
}

/// One generation of a ring.
#[derive(Default)]
pub struct Ring {
  nodes: Vec<String>,
  /// Point hashes, sorted; `owners[i]` is the node index of `points[i]`.
  points: Vec<u32>,
  owners: Vec<u32>,
  /// `prefix_start[p]`: the first point whose top `prefix_bits` bits are >= p (2^bits + 1 entries).
  prefix_start: Vec<u32>,
  prefix_bits: u32,
  generation: u32,
}

impl Ring {
  pub fn build(nodes: Vec<String>, replicas: u32, generation: u32) -> Self {
    let mut pairs: Vec<(u32, u32)> = Vec::with_capacity(nodes.len() * replicas as usize);
    let mut label = String::new();
    for (index, node) in nodes.iter().enumerate() {
      for replica in 0..replicas {
        label.clear();
        label.push_str(node);
        label.push('#');
        label.push_str(&replica.to_string());
        pairs.push((xxh3_64(label.as_bytes()) as u32, index as u32));
      }
    }
    pairs.sort_unstable();
    let points: Vec<u32> = pairs.iter().map(|p| p.0).collect();
    let owners = pairs.iter().map(|p| p.1).collect();
    // ceil(log2(points)): about one point per prefix.
    let prefix_bits =
      (usize::BITS - points.len().saturating_sub(1).leading_zeros()).clamp(MIN_PREFIX_BITS, MAX_PREFIX_BITS);
    let mut prefix_start = Vec::with_capacity((1 << prefix_bits) + 1);
    let mut at = 0usize;
    for prefix in 0..=(1u32 << prefix_bits) {
      while at < points.len() && (points[at] >> (32 - prefix_bits)) < prefix {
        at += 1;
      }
      prefix_start.push(at as u32);
    }
    Self {
      nodes,
      points,
      owners,
      prefix_start,
      prefix_bits,
      generation,
    }
  }

  pub fn nodes(&self) -> &[String] {
    &self.nodes
  }

  pub fn generation(&self) -> u32 {
    self.generation
  }

  pub fn points(&self) -> &[u32] {
    &self.points
  }

  pub fn owners(&self) -> &[u32] {
    &self.owners
  }

  /// The node index owning a hash, or `None` on an empty ring.
  pub fn find_hash(&self, hash: u32) -> Option<u32> {
    if self.points.is_empty() {
      return None;
    }
    Some(self.owners[self.first_point_at(hash)])
  }

  /// The owners of `keys` into `out` (as many as both hold), or `None` on an empty ring.
  pub fn find_many(&self, keys: &[u64], out: &mut [u32]) -> Option<()> {
    if self.points.is_empty() {
      return None;
    }
    for (owner, &key) in out.iter_mut().zip(keys) {
      *owner = self.owners[self.first_point_at(key_hash(key))];
    }
    Some(())
  }

  /// Up to `n` distinct node indexes, walking clockwise from the hash.
  pub fn find_n_hash(&self, hash: u32, n: usize) -> Vec<u32> {
    let want = n.min(self.nodes.len());
    let mut found: Vec<u32> = Vec::with_capacity(want);
    if want == 0 || self.points.is_empty() {
      return found;
    }
    let start = self.first_point_at(hash);
    for step in 0..self.points.len() {
      let node = self.owners[(start + step) % self.points.len()];
      if !found.contains(&node) {
        found.push(node);
        if found.len() == want {
          break;
        }
      }
    }
    found
  }

  /// The first point at or after `hash`, wrapping to 0 past the last point.
  fn first_point_at(&self, hash: u32) -> usize {
    let prefix = (hash >> (32 - self.prefix_bits)) as usize;
    let (mut at, end) = (
      self.prefix_start[prefix] as usize,
      self.prefix_start[prefix + 1] as usize,
    );
    while at < end && self.points[at] < hash {
      at += 1;
    }
    if at == self.points.len() {
      0
    } else {
      at
    }
  }
}

/// A named, shared, atomically swappable ring.
pub struct RingCell {
  current: ArcSwap<Ring>,
  /// Index of the shared cell that publishes the current generation number.
  generation_cell: usize,
  /// Serialises writers so generation numbers stay strictly increasing.
  write: Mutex<()>,
}

impl RingCell {
  /// The ring shared under `name` in this process, created empty on first use.
  pub fn open(name: &str) -> Result<Arc<RingCell>, CellsExhausted> {
    static RINGS: OnceLock<Mutex<HashMap<String, Arc<RingCell>>>> = OnceLock::new();
    let mut rings = RINGS
      .get_or_init(Default::default)
      .lock()
      .unwrap_or_else(|e| e.into_inner());
    if let Some(cell) = rings.get(name) {
      return Ok(cell.clone());
    }
    let (generation_cell, _) = shared_cells::allocate(&format!("ring:{name}"), 1)?;
    let cell = Arc::new(RingCell {
      current: ArcSwap::from_pointee(Ring::default()),
      generation_cell,
      write: Mutex::new(()),
    });
    rings.insert(name.to_owned(), cell.clone());
    Ok(cell)
  }

  pub fn generation_cell(&self) -> usize {
    self.generation_cell
  }

  pub fn load(&self) -> Arc<Ring> {
    self.current.load_full()
  }

  /// Borrow the current generation without touching the reference count.
  pub fn with<R>(&self, f: impl FnOnce(&Ring) -> R) -> R {
    f(&self.current.load())
  }

  /// Builds a new generation off to the side, swaps it in, then publishes its number.
  pub fn set_nodes(&self, nodes: Vec<String>, replicas: u32) {
    let _writer = self.write.lock().unwrap_or_else(|e| e.into_inner());
    let next = self.current.load().generation + 1;
    self.swap_in(Ring::build(nodes, replicas, next));
  }

  /// As `set_nodes`, numbered `generation` (a cluster's membership generation, the same on
  /// every node), if it is above the current one; false, and nothing changes, if not.
  pub fn set_nodes_at(&self, nodes: Vec<String>, replicas: u32, generation: u32) -> bool {
    let _writer = self.write.lock().unwrap_or_else(|e| e.into_inner());
    if generation <= self.current.load().generation {
      return false;
    }
    self.swap_in(Ring::build(nodes, replicas, generation));
    true
  }

  /// Swaps a ring in, then publishes its number (under the writer lock).
  fn swap_in(&self, ring: Ring) {
    let generation = ring.generation;
    self.current.store(Arc::new(ring));
    CELLS[self.generation_cell].store(generation, Ordering::Release);
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  fn names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("node-{i}")).collect()
  }

  /// The plain answer: a full scan for the smallest point >= hash.
  fn owner_by_scan(ring: &Ring, hash: u32) -> u32 {
    let at = ring.points.iter().position(|&p| p >= hash).unwrap_or(0);
    ring.owners[at]
  }

  #[test]
  fn set_nodes_at_takes_only_a_higher_generation() {
    let cell = RingCell::open("test:set_nodes_at").expect("a cell");
    assert!(cell.set_nodes_at(names(3), 16, 7));
    assert_eq!(cell.load().generation(), 7);
    assert!(!cell.set_nodes_at(names(1), 16, 7));
    assert!(!cell.set_nodes_at(names(1), 16, 3));
    assert_eq!(cell.load().nodes().len(), 3);
    cell.set_nodes(names(2), 16);
    assert_eq!(cell.load().generation(), 8);
  }

  #[test]
  fn an_empty_ring_finds_nothing() {
    let ring = Ring::default();
    assert_eq!(ring.find_hash(42), None);
    assert!(ring.find_n_hash(42, 3).is_empty());
  }

  #[test]
  fn key_hash_matches_known_values() {
    const KEY_0: u32 = 0x642f_30e0;
    const KEY_SNOWFLAKE: u32 = 0xae70_c23d;
    const KEY_MAX: u32 = 0xe3cf_23d5;
    // Vectors computed independently (a few lines of Python over the same
    // definition) and asserted against the JS mirror in src/native.test.ts.
    assert_eq!(key_hash(0), KEY_0);
    assert_eq!(key_hash(175928847299117063), KEY_SNOWFLAKE);
    assert_eq!(key_hash(u64::MAX), KEY_MAX);
  }

  #[test]
  fn prefix_table_lookup_agrees_with_a_full_scan() {
    // From the smallest table (1 point) through one sized to the points to the largest.
    for (nodes, replicas, bits) in [(1, 1, 8), (7, 64, 9), (16, 512, 13), (200, 512, 16)] {
      let ring = Ring::build(names(nodes), replicas, 1);
      assert_eq!(ring.prefix_bits, bits);
      for key in 0..20_000u64 {
        let hash = key_hash(key.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        assert_eq!(ring.find_hash(hash), Some(owner_by_scan(&ring, hash)));
      }
      assert_eq!(ring.find_hash(u32::MAX), Some(owner_by_scan(&ring, u32::MAX)));
      assert_eq!(ring.find_hash(0), Some(owner_by_scan(&ring, 0)));
    }
  }

  #[test]
  fn find_many_agrees_with_find_and_refuses_an_empty_ring() {
    let ring = Ring::build(names(5), 64, 1);
    let keys: Vec<u64> = (0..500u64)
      .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15))
      .collect();
    let mut out = vec![u32::MAX; keys.len()];
    assert_eq!(ring.find_many(&keys, &mut out), Some(()));
    for (key, owner) in keys.iter().zip(&out) {
      assert_eq!(Some(*owner), ring.find_hash(key_hash(*key)));
    }
    assert_eq!(Ring::default().find_many(&keys, &mut out), None);
  }

  #[test]
  fn keys_spread_evenly_over_nodes() {
    let ring = Ring::build(names(8), DEFAULT_REPLICAS, 1);
    let mut counts = [0u32; 8];
    for id in 0..80_000u64 {
      let snowflake = ((1_420_070_400_000 + id * 977) << 22) | (id & 0xfff);
      counts[ring.find_hash(key_hash(snowflake)).unwrap() as usize] += 1;
    }
    for count in counts {
      assert!((8_000..12_000).contains(&count), "uneven spread: {counts:?}");
    }
  }

  #[test]
  fn adding_a_node_moves_about_one_share_of_keys() {
    for n in [2usize, 5, 10, 20] {
      let before = Ring::build(names(n), DEFAULT_REPLICAS, 1);
      let after = Ring::build(names(n + 1), DEFAULT_REPLICAS, 2);
      let keys = 100_000u64;
      let mut moved = 0;
      for id in 0..keys {
        let hash = key_hash(id);
        let (a, b) = (before.find_hash(hash).unwrap(), after.find_hash(hash).unwrap());
        if a != b {
          assert_eq!(b as usize, n, "a key moved between old nodes");
          moved += 1;
        }
      }
      let share = moved as f64 / keys as f64;
      let ideal = 1.0 / (n as f64 + 1.0);
      assert!(
        (share - ideal).abs() < ideal * 0.25,
        "n={n}: moved {share}, ideal {ideal}"
      );
    }
  }

  #[test]
  fn find_n_lists_distinct_nodes_starting_with_the_owner() {
    let ring = Ring::build(names(5), 64, 1);
    for id in 0..1000u64 {
      let hash = key_hash(id);
      let list = ring.find_n_hash(hash, 3);
      assert_eq!(list.len(), 3);
      assert_eq!(list[0], ring.find_hash(hash).unwrap());
      assert!(list[0] != list[1] && list[1] != list[2] && list[0] != list[2]);
    }
    assert_eq!(ring.find_n_hash(key_hash(1), 9).len(), 5);
  }

  #[test]
  fn generations_increase_are_shared_by_name_and_published() {
    let a = RingCell::open("test-generations").unwrap();
    let b = RingCell::open("test-generations").unwrap();
    a.set_nodes(names(2), 8);
    a.set_nodes(names(3), 8);
    assert_eq!(b.load().generation(), 2);
    assert_eq!(b.load().nodes().len(), 3);
    assert_eq!(CELLS[b.generation_cell()].load(Ordering::Acquire), 2);
  }

  #[test]
  fn readers_see_whole_generations_while_writers_swap() {
    let cell = RingCell::open("test-concurrent").unwrap();
    cell.set_nodes(names(1), 16);
    std::thread::scope(|scope| {
      for _ in 0..4 {
        scope.spawn(|| {
          for id in 0..50_000u64 {
            cell.with(|ring| {
              let node = ring.find_hash(key_hash(id)).unwrap() as usize;
              assert!(node < ring.nodes().len());
              assert_eq!(ring.points().len(), ring.nodes().len() * 16);
            });
          }
        });
      }
      for n in 2..40 {
        cell.set_nodes(names(n), 16);
      }
    });
  }
}
