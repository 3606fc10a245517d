//! The member-list order: a bucketed sorted vector with O(log n) index maths.
//!
//! Entries are `(rank, name, id)` ordered by rank, then name compared
//! case-insensitively, then id. Case folding is Rust's Unicode-aware
//! `str::to_lowercase`, and folded names compare by their UTF-8 bytes (which is
//! code-point order). Two names that fold alike ("Bob", "bob") tie and fall
//! back to the id.
//!
//! Layout, in the spirit of Discord's `sorted_set_nif`: the ids live in buckets
//! (small sorted `Vec<u32>`s, split when full). Unlike that NIF, bucket sizes
//! sit in a Fenwick tree, so an entry's global index is a prefix sum in
//! O(log buckets) rather than a walk over every bucket, and an id -> bucket
//! table lets `remove`/`index_of` find an entry from its id alone.
//!
//! Ids are dense slots (a guild numbers its members 0, 1, 2, ...), so the
//! per-id table is a plain vector; ids must be below [`MAX_ID`].

use std::cmp::Ordering;

/// Largest id + 1 accepted; the per-id table grows to the largest id seen.
pub const MAX_ID: u32 = 1 << 26;
/// Default bucket capacity; a full bucket splits in two.
pub const DEFAULT_BUCKET_SIZE: usize = 256;

/// Why an operation was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum SortedSetError {
  IdOutOfRange(u32),
}

/// A bucket entry: the id with the leading part of its key inline, so most
/// comparisons read only the bucket's own memory. Only entries whose rank and
/// first 8 folded-name bytes tie look up the full name in the slot table.
#[derive(Clone, Copy)]
struct Entry {
  rank: u32,
  id: u32,
  /// The first 8 bytes of the folded name, big-endian, zero-padded.
  prefix: u64,
}

/// What is stored per id: the full folded name and the bucket (by handle) holding it.
struct Slot {
  entry: Entry,
  folded: Box<str>,
  bucket: u32,
}

pub struct SortedSet {
  bucket_size: usize,
  /// Buckets by stable handle; a handle never changes while the bucket lives.
  buckets: Vec<Vec<Entry>>,
  /// Handles in sort order.
  order: Vec<u32>,
  /// The last entry of each bucket, by position in `order` (for the bucket search).
  lasts: Vec<Entry>,
  /// handle -> position in `order`.
  position: Vec<u32>,
  /// Free bucket handles, for reuse after a bucket empties.
  free_buckets: Vec<u32>,
  /// Bucket sizes by position in `order`.
  sizes: Fenwick,
  slots: Vec<Option<Slot>>,
  len: usize,
}

impl Default for SortedSet {
  fn default() -> Self {
    Self::new(DEFAULT_BUCKET_SIZE)
  }
}

fn fold(name: &str) -> Box<str> {
  if name.is_ascii() {
    name.to_ascii_lowercase().into_boxed_str()
  } else {
    name.to_lowercase().into_boxed_str()
  }
}

fn prefix_of(folded: &str) -> u64 {
  let mut bytes = [0u8; 8];
  let n = folded.len().min(8);
  bytes[..n].copy_from_slice(&folded.as_bytes()[..n]);
  u64::from_be_bytes(bytes)
}

impl SortedSet {
  /// `bucket_size` is clamped to at least 4 so a split leaves two non-empty halves.
  pub fn new(bucket_size: usize) -> Self {
    Self {
      bucket_size: bucket_size.max(4),
      buckets: vec![Vec::new()],
      order: vec![0],
      lasts: Vec::new(),
      position: vec![0],
      free_buckets: Vec::new(),
      sizes: Fenwick::new(1),
      slots: Vec::new(),
      len: 0,
    }
  }

  pub fn len(&self) -> usize {
    self.len
  }

  pub fn is_empty(&self) -> bool {
    self.len == 0
  }

  /// Inserts an entry and returns its index, or `Ok(None)` if the id is present.
  pub fn add(&mut self, rank: u32, name: &str, id: u32) -> Result<Option<usize>, SortedSetError> {
    if id >= MAX_ID {
      return Err(SortedSetError::IdOutOfRange(id));
    }
    if self.contains(id) {
      return Ok(None);
    }
    let folded = fold(name);
    let entry = Entry {
      rank,
      id,
      prefix: prefix_of(&folded),
    };
    let pos = self.bucket_position_for(&entry, &folded);
    let handle = self.order[pos];
    let offset = self.buckets[handle as usize]
      .partition_point(|other| self.compare(other, &entry, &folded) == Ordering::Less);
    if self.slots.len() <= id as usize {
      self.slots.resize_with(id as usize + 1, || None);
    }
    self.slots[id as usize] = Some(Slot {
      entry,
      folded,
      bucket: handle,
    });
    let bucket = &mut self.buckets[handle as usize];
    bucket.insert(offset, entry);
    let last = *bucket.last().expect("bucket just grew");
    let full = bucket.len() > self.bucket_size;
    self.set_last(pos, last);
    self.sizes.add(pos, 1);
    self.len += 1;
    let index = self.sizes.prefix(pos) + offset;
    if full {
      self.split(pos);
    }
    Ok(Some(index))
  }

  /// Removes an id and returns the index it had.
  pub fn remove(&mut self, id: u32) -> Option<usize> {
    let (pos, offset) = self.locate(id)?;
    let index = self.sizes.prefix(pos) + offset;
    self.slots[id as usize] = None;
    let bucket = &mut self.buckets[self.order[pos] as usize];
    bucket.remove(offset);
    let last = bucket.last().copied();
    self.sizes.add(pos, -1);
    self.len -= 1;
    match last {
      Some(last) => self.lasts[pos] = last,
      None if self.order.len() > 1 => self.drop_bucket(pos),
      None => self.lasts.clear(),
    }
    Some(index)
  }

  /// Moves an id to a new key. Returns `(old index, new index)`, or `None` if absent.
  pub fn update(&mut self, id: u32, rank: u32, name: &str) -> Option<(usize, usize)> {
    let old = self.remove(id)?;
    let new = self.add(rank, name, id).ok().flatten()?;
    Some((old, new))
  }

  pub fn contains(&self, id: u32) -> bool {
    matches!(self.slots.get(id as usize), Some(Some(_)))
  }

  pub fn index_of(&self, id: u32) -> Option<usize> {
    let (pos, offset) = self.locate(id)?;
    Some(self.sizes.prefix(pos) + offset)
  }

  /// The id at `index`.
  pub fn at(&self, index: usize) -> Option<u32> {
    if index >= self.len {
      return None;
    }
    let (pos, offset) = self.sizes.find(index);
    self.buckets[self.order[pos] as usize].get(offset).map(|e| e.id)
  }

  /// Ids in `[start, end)`, clamped to the set.
  pub fn slice(&self, start: usize, end: usize) -> Vec<u32> {
    let end = end.min(self.len);
    if start >= end {
      return Vec::new();
    }
    let mut out = Vec::with_capacity(end - start);
    let (mut pos, mut offset) = self.sizes.find(start);
    while out.len() < end - start {
      let bucket = &self.buckets[self.order[pos] as usize];
      let take = (bucket.len() - offset).min(end - start - out.len());
      out.extend(bucket[offset..offset + take].iter().map(|e| e.id));
      pos += 1;
      offset = 0;
    }
    out
  }

  /// How many entries have a rank below `rank` (the index where that rank starts).
  pub fn count_below_rank(&self, rank: u32) -> usize {
    let pos = self.lasts.partition_point(|last| last.rank < rank);
    if pos == self.lasts.len() {
      return self.len;
    }
    let offset = self.buckets[self.order[pos] as usize].partition_point(|e| e.rank < rank);
    self.sizes.prefix(pos) + offset
  }

  /// Approximate heap bytes used, excluding the folded name bytes.
  pub fn heap_bytes_excluding_names(&self) -> usize {
    let bucket_bytes: usize = self
      .buckets
      .iter()
      .map(|b| b.capacity() * std::mem::size_of::<Entry>())
      .sum();
    bucket_bytes
      + self.buckets.capacity() * std::mem::size_of::<Vec<Entry>>()
      + self.order.capacity() * 4
      + self.lasts.capacity() * std::mem::size_of::<Entry>()
      + self.position.capacity() * 4
      + self.sizes.tree.capacity() * std::mem::size_of::<usize>()
      + self.slots.capacity() * std::mem::size_of::<Option<Slot>>()
  }

  /// (position of the id's bucket, offset inside it).
  fn locate(&self, id: u32) -> Option<(usize, usize)> {
    let slot = self.slots.get(id as usize)?.as_ref()?;
    let offset = self.buckets[slot.bucket as usize]
      .binary_search_by(|other| self.compare(other, &slot.entry, &slot.folded))
      .ok()?;
    Some((self.position[slot.bucket as usize] as usize, offset))
  }

  /// Orders a stored entry against a key; full names are read only on a prefix tie.
  fn compare(&self, stored: &Entry, key: &Entry, key_folded: &str) -> Ordering {
    stored
      .rank
      .cmp(&key.rank)
      .then(stored.prefix.cmp(&key.prefix))
      .then_with(|| {
        if stored.id == key.id {
          return Ordering::Equal;
        }
        let slot = self.slots[stored.id as usize]
          .as_ref()
          .expect("bucket entry without a slot");
        slot.folded.as_bytes().cmp(key_folded.as_bytes())
      })
      .then(stored.id.cmp(&key.id))
  }

  /// The position of the first bucket whose last entry is not below the key
  /// (or the last bucket, where a key above everything goes).
  fn bucket_position_for(&self, key: &Entry, folded: &str) -> usize {
    let pos = self
      .lasts
      .partition_point(|last| self.compare(last, key, folded) == Ordering::Less);
    pos.min(self.order.len() - 1)
  }

  fn set_last(&mut self, pos: usize, last: Entry) {
    if pos == self.lasts.len() {
      self.lasts.push(last);
    } else {
      self.lasts[pos] = last;
    }
  }

  fn split(&mut self, pos: usize) {
    let handle = self.order[pos];
    let upper = {
      let bucket = &mut self.buckets[handle as usize];
      let half = bucket.len() / 2;
      let mut upper = Vec::with_capacity(self.bucket_size + 1);
      upper.extend_from_slice(&bucket[half..]);
      bucket.truncate(half);
      upper
    };
    let new_handle = match self.free_buckets.pop() {
      Some(h) => {
        self.buckets[h as usize] = upper;
        h
      }
      None => {
        self.buckets.push(upper);
        self.position.push(0);
        (self.buckets.len() - 1) as u32
      }
    };
    for entry in &self.buckets[new_handle as usize] {
      if let Some(slot) = self.slots[entry.id as usize].as_mut() {
        slot.bucket = new_handle;
      }
    }
    self.order.insert(pos + 1, new_handle);
    self.reindex_from(pos);
  }

  fn drop_bucket(&mut self, pos: usize) {
    let handle = self.order.remove(pos);
    self.buckets[handle as usize] = Vec::new();
    self.free_buckets.push(handle);
    self.reindex_from(pos.min(self.order.len() - 1));
  }

  /// Rebuilds positions from `pos` on, the bucket lasts and the whole Fenwick
  /// tree. Splits and drops happen once per ~bucket_size/2 changes, so this
  /// O(buckets) step amortises to a few operations per change.
  fn reindex_from(&mut self, pos: usize) {
    for (p, &h) in self.order.iter().enumerate().skip(pos) {
      self.position[h as usize] = p as u32;
    }
    self.lasts.clear();
    self.lasts.extend(
      self
        .order
        .iter()
        .filter_map(|&h| self.buckets[h as usize].last().copied()),
    );
    let sizes: Vec<usize> = self
      .order
      .iter()
      .map(|&h| self.buckets[h as usize].len())
      .collect();
    self.sizes = Fenwick::from_sizes(&sizes);
  }
}

/// A Fenwick (binary indexed) tree of bucket sizes.
struct Fenwick {
  tree: Vec<usize>,
}

impl Fenwick {
  fn new(n: usize) -> Self {
    Self { tree: vec![0; n + 1] }
  }

  fn from_sizes(sizes: &[usize]) -> Self {
    let mut tree = vec![0; sizes.len() + 1];
    tree[1..].copy_from_slice(sizes);
    for i in 1..tree.len() {
      let parent = i + (i & i.wrapping_neg());
      if parent < tree.len() {
        tree[parent] += tree[i];
      }
    }
    Self { tree }
  }

  fn add(&mut self, pos: usize, delta: isize) {
    let mut i = pos + 1;
    while i < self.tree.len() {
      self.tree[i] = self.tree[i].wrapping_add_signed(delta);
      i += i & i.wrapping_neg();
    }
  }

  /// Sum of sizes at positions `< pos`.
  fn prefix(&self, pos: usize) -> usize {
    let mut sum = 0;
    let mut i = pos;
    while i > 0 {
      sum += self.tree[i];
      i -= i & i.wrapping_neg();
    }
    sum
  }

  /// The position holding global index `index`, and the offset inside it.
  /// The caller ensures `index` < total.
  fn find(&self, index: usize) -> (usize, usize) {
    let mut pos = 0;
    let mut remaining = index;
    let mut step = (self.tree.len() - 1).next_power_of_two();
    while step > 0 {
      let next = pos + step;
      if next < self.tree.len() && self.tree[next] <= remaining {
        pos = next;
        remaining -= self.tree[next];
      }
      step >>= 1;
    }
    (pos, remaining)
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use proptest::prelude::*;

  fn ids(set: &SortedSet) -> Vec<u32> {
    set.slice(0, set.len())
  }

  #[test]
  fn orders_by_rank_then_case_insensitive_name_then_id() {
    let mut set = SortedSet::new(4);
    set.add(1, "bob", 1).unwrap();
    set.add(0, "zed", 2).unwrap();
    set.add(1, "Alice", 3).unwrap();
    set.add(1, "BOB", 0).unwrap();
    assert_eq!(ids(&set), vec![2, 3, 0, 1]);
  }

  #[test]
  fn add_returns_none_for_a_present_id() {
    let mut set = SortedSet::default();
    assert_eq!(set.add(0, "a", 7), Ok(Some(0)));
    assert_eq!(set.add(0, "b", 7), Ok(None));
    assert_eq!(set.len(), 1);
  }

  #[test]
  fn add_refuses_ids_beyond_the_dense_range() {
    let mut set = SortedSet::default();
    assert_eq!(set.add(0, "a", MAX_ID), Err(SortedSetError::IdOutOfRange(MAX_ID)));
  }

  #[test]
  fn unicode_names_fold_case() {
    let mut set = SortedSet::default();
    set.add(0, "ÉCLAIR", 1).unwrap();
    set.add(0, "éclair", 0).unwrap();
    set.add(0, "Zoë", 2).unwrap();
    assert_eq!(ids(&set), vec![2, 0, 1]);
  }

  #[test]
  fn remove_of_an_absent_id_is_none() {
    let mut set = SortedSet::default();
    assert_eq!(set.remove(3), None);
    set.add(0, "a", 3).unwrap();
    assert_eq!(set.remove(3), Some(0));
    assert_eq!(set.remove(3), None);
    assert!(set.is_empty());
  }

  #[test]
  fn update_reports_old_and_new_index() {
    let mut set = SortedSet::new(4);
    for id in 0..10 {
      set.add(0, &format!("m{id}"), id).unwrap();
    }
    assert_eq!(set.update(0, 1, "m0"), Some((0, 9)));
    assert_eq!(set.update(42, 1, "x"), None);
  }

  #[test]
  fn count_below_rank_is_the_start_of_each_rank() {
    let mut set = SortedSet::new(4);
    for id in 0..30 {
      set.add(id % 3, &format!("n{id}"), id).unwrap();
    }
    assert_eq!(set.count_below_rank(0), 0);
    assert_eq!(set.count_below_rank(1), 10);
    assert_eq!(set.count_below_rank(2), 20);
    assert_eq!(set.count_below_rank(3), 30);
  }

  #[test]
  fn slice_and_at_span_buckets_and_clamp() {
    let mut set = SortedSet::new(4);
    for id in 0..50 {
      set.add(0, &format!("{id:03}"), id).unwrap();
    }
    assert_eq!(set.slice(3, 9), (3..9).collect::<Vec<u32>>());
    assert_eq!(set.slice(45, 100), (45..50).collect::<Vec<u32>>());
    assert_eq!(set.slice(60, 70), Vec::<u32>::new());
    assert_eq!(set.at(49), Some(49));
    assert_eq!(set.at(50), None);
  }

  #[derive(Debug, Clone)]
  enum Op {
    Add(u32, u8, u32),
    Remove(u32),
    Update(u32, u32, u8),
  }

  fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
      3 => (0u32..4, 0u8..20, 0u32..300).prop_map(|(r, n, id)| Op::Add(r, n, id)),
      2 => (0u32..300).prop_map(Op::Remove),
      1 => (0u32..300, 0u32..4, 0u8..20).prop_map(|(id, r, n)| Op::Update(id, r, n)),
    ]
  }

  /// Names from a small alphabet with mixed case, so ties and folding matter.
  fn name_of(n: u8) -> String {
    let base = [
      "ann", "Ann", "bob", "BOB", "Émile", "émile", "zoe", "Zoe", "a", "b",
    ];
    format!("{}{}", base[n as usize % base.len()], n / 10)
  }

  /// The model: a plain Vec kept sorted by the same key.
  fn model_key(rank: u32, name: &str, id: u32) -> (u32, String, u32) {
    (rank, name.to_lowercase(), id)
  }

  proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn matches_a_sorted_vec_model(ops in prop::collection::vec(op(), 1..400), bucket in 4usize..12) {
      let mut set = SortedSet::new(bucket);
      let mut model: Vec<(u32, String, u32)> = Vec::new();
      for op in ops {
        match op {
          Op::Add(rank, n, id) => {
            let name = name_of(n);
            let expected = if model.iter().any(|e| e.2 == id) {
              None
            } else {
              let key = model_key(rank, &name, id);
              let at = model.partition_point(|e| *e < key);
              model.insert(at, key);
              Some(at)
            };
            prop_assert_eq!(set.add(rank, &name, id).unwrap(), expected);
          }
          Op::Remove(id) => {
            let expected = model.iter().position(|e| e.2 == id);
            if let Some(at) = expected { model.remove(at); }
            prop_assert_eq!(set.remove(id), expected);
          }
          Op::Update(id, rank, n) => {
            let name = name_of(n);
            let expected = model.iter().position(|e| e.2 == id).map(|old| {
              model.remove(old);
              let key = model_key(rank, &name, id);
              let at = model.partition_point(|e| *e < key);
              model.insert(at, key);
              (old, at)
            });
            prop_assert_eq!(set.update(id, rank, &name), expected);
          }
        }
        prop_assert_eq!(set.len(), model.len());
      }
      let model_ids: Vec<u32> = model.iter().map(|e| e.2).collect();
      prop_assert_eq!(ids(&set), model_ids.clone());
      for (i, &id) in model_ids.iter().enumerate() {
        prop_assert_eq!(set.index_of(id), Some(i));
        prop_assert_eq!(set.at(i), Some(id));
      }
      for rank in 0..5 {
        prop_assert_eq!(set.count_below_rank(rank), model.partition_point(|e| e.0 < rank));
      }
    }
  }
}
