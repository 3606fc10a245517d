//! The member-list order: a bucketed sorted vector with O(log n) index maths.
//!
//! Entries are `(rank, name, id)` ordered by rank, then name compared
//! case-insensitively, then id. Case folding is Rust's Unicode-aware
//! `str::to_lowercase`, and folded names compare by their UTF-8 bytes (which is
//! code-point order). Two names that fold alike ("Bob", "bob") tie and fall
//! back to the id.
//!
//! Layout, in the spirit of Discord's `sorted_set_nif`: the ids live in buckets
//! (small sorted `Vec`s, split when full). Unlike that NIF, bucket sizes sit in
//! a Fenwick tree, so an entry's global index is a prefix sum in O(log buckets)
//! rather than a walk over every bucket, and an id -> bucket table lets
//! `remove`/`index_of` find an entry from its id alone.
//!
//! Ids are dense slots (a guild numbers its members 0, 1, 2, ...), so the
//! per-id table is a plain vector; ids must be below [`MAX_ID`].
//!
//! Allocation: a name is folded into a reused scratch string, so an `add`
//! allocates only the folded copy it keeps, and a move (`update` with the same
//! folded name) allocates nothing. Loads of many entries
//! (`add_many`, `remove_many`) lay the buckets out afresh in one pass when the
//! batch is large next to the set, instead of one search and shift per entry.

use crate::fenwick::Fenwick;
use std::cmp::Ordering;

mod bulk;
#[cfg(test)]
mod tests;

/// Largest id + 1 accepted; the per-id table grows to the largest id seen.
pub const MAX_ID: u32 = 1 << 26;
/// Default bucket capacity; a full bucket splits in two.
pub const DEFAULT_BUCKET_SIZE: usize = 256;

/// Why an operation was refused (the set is left as it was).
#[derive(Debug, PartialEq, Eq)]
pub enum SortedSetError {
  IdOutOfRange(u32),
  /// A rank remapping would change the order of the ranks present.
  RanksReordered,
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

/// What is stored per id: the full folded name, the bucket (by handle) holding
/// it, and where in the bucket it was when last placed. Changes before it in
/// the bucket move it a little from there, so a lookup from the id starts at
/// the hint and widens, touching a cache line or two instead of a binary
/// search's half dozen (measured in a Rust loop over random ids of a 1M-entry set:
/// `index_of` 390–490 ns with a binary search, 125–150 ns from the hint).
struct Slot {
  entry: Entry,
  folded: Box<str>,
  bucket: u32,
  hint: u32,
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
  /// Where names are folded before they are compared or kept.
  scratch: String,
}

impl Default for SortedSet {
  fn default() -> Self {
    Self::new(DEFAULT_BUCKET_SIZE)
  }
}

fn fold_into(name: &str, out: &mut String) {
  out.clear();
  if name.is_ascii() {
    out.push_str(name);
    out.make_ascii_lowercase();
  } else {
    // Whole-string lowercasing, not per char: a final sigma folds differently.
    out.push_str(&name.to_lowercase());
  }
}

fn prefix_of(folded: &str) -> u64 {
  let mut bytes = [0u8; 8];
  let n = folded.len().min(8);
  bytes[..n].copy_from_slice(&folded.as_bytes()[..n]);
  u64::from_be_bytes(bytes)
}

fn check_id(id: u32) -> Result<(), SortedSetError> {
  if id >= MAX_ID {
    return Err(SortedSetError::IdOutOfRange(id));
  }
  Ok(())
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
      sizes: Fenwick::from_counts([0]),
      slots: Vec::new(),
      len: 0,
      scratch: String::new(),
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
    check_id(id)?;
    if self.contains(id) {
      return Ok(None);
    }
    let folded = self.fold(name);
    let entry = Entry {
      rank,
      id,
      prefix: prefix_of(&folded),
    };
    Ok(Some(self.attach(entry, folded)))
  }

  /// Removes an id and returns the index it had.
  pub fn remove(&mut self, id: u32) -> Option<usize> {
    self.detach(id).map(|(index, _)| index)
  }

  /// Moves an id to a new key. Returns `(old index, new index)`, or `None` if absent.
  /// A name that folds as before is kept as it is (nothing is allocated).
  pub fn update(&mut self, id: u32, rank: u32, name: &str) -> Option<(usize, usize)> {
    let (old, slot) = self.detach(id)?;
    fold_into(name, &mut self.scratch);
    let folded = if *slot.folded == *self.scratch {
      slot.folded
    } else {
      Box::from(self.scratch.as_str())
    };
    let entry = Entry {
      rank,
      id,
      prefix: prefix_of(&folded),
    };
    Some((old, self.attach(entry, folded)))
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
    (index < self.len).then(|| self.entry_at(index).id)
  }

  /// Ids in `[start, end)`, clamped to the set.
  pub fn slice(&self, start: usize, end: usize) -> Vec<u32> {
    let mut out = vec![0; end.min(self.len).saturating_sub(start)];
    self.slice_into(start, &mut out);
    out
  }

  /// Writes the ids from index `start` on into `out`, as many as fit or are
  /// left; returns how many it wrote.
  pub fn slice_into(&self, start: usize, out: &mut [u32]) -> usize {
    let count = out.len().min(self.len.saturating_sub(start));
    if count == 0 {
      return 0;
    }
    let (mut pos, mut offset) = self.sizes.find(start);
    let mut written = 0;
    while written < count {
      let bucket = &self.buckets[self.order[pos] as usize];
      let take = (bucket.len() - offset).min(count - written);
      for (slot, entry) in out[written..written + take]
        .iter_mut()
        .zip(&bucket[offset..offset + take])
      {
        *slot = entry.id;
      }
      written += take;
      pos += 1;
      offset = 0;
    }
    count
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
      + self.sizes.heap_bytes()
      + self.slots.capacity() * std::mem::size_of::<Option<Slot>>()
  }

  /// Folds a name through the scratch string: one allocation, the kept copy.
  fn fold(&mut self, name: &str) -> Box<str> {
    fold_into(name, &mut self.scratch);
    Box::from(self.scratch.as_str())
  }

  fn put_slot(&mut self, slot: Slot) {
    let id = slot.entry.id as usize;
    if self.slots.len() <= id {
      self.slots.resize_with(id + 1, || None);
    }
    self.slots[id] = Some(slot);
  }

  /// Inserts an entry whose slot is not in the table; returns its index.
  fn attach(&mut self, entry: Entry, folded: Box<str>) -> usize {
    let pos = self.bucket_position_for(&entry, &folded);
    let handle = self.order[pos];
    let offset = self.buckets[handle as usize]
      .partition_point(|other| self.compare(other, &entry, &folded) == Ordering::Less);
    self.put_slot(Slot {
      entry,
      folded,
      bucket: handle,
      hint: offset as u32,
    });
    let bucket = &mut self.buckets[handle as usize];
    bucket.insert(offset, entry);
    let last = *bucket.last().expect("bucket just grew");
    let full = bucket.len() > self.bucket_size;
    if pos == self.lasts.len() {
      self.lasts.push(last);
    } else {
      self.lasts[pos] = last;
    }
    self.sizes.add(pos, 1);
    self.len += 1;
    let index = self.sizes.prefix(pos) + offset;
    if full {
      self.split(pos);
    }
    index
  }

  /// Takes an id out; returns the index it had and its slot.
  fn detach(&mut self, id: u32) -> Option<(usize, Slot)> {
    let (pos, offset) = self.locate(id)?;
    let index = self.sizes.prefix(pos) + offset;
    let slot = self.slots[id as usize].take().expect("located ids have a slot");
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
    Some((index, slot))
  }

  /// (position of the id's bucket, offset inside it).
  fn locate(&self, id: u32) -> Option<(usize, usize)> {
    let slot = self.slots.get(id as usize)?.as_ref()?;
    let bucket = &self.buckets[slot.bucket as usize];
    let offset = self.search_from(bucket, slot.hint as usize, &slot.entry, &slot.folded)?;
    Some((self.position[slot.bucket as usize] as usize, offset))
  }

  /// Finds a key in a bucket starting at `guess`: steps of 1, 2, 4, ... away
  /// from it bracket the key, then a binary search inside the bracket.
  fn search_from(&self, bucket: &[Entry], guess: usize, key: &Entry, folded: &str) -> Option<usize> {
    let guess = guess.min(bucket.len().checked_sub(1)?);
    let probe = |at: usize| self.compare(&bucket[at], key, folded);
    let (lo, hi) = match probe(guess) {
      Ordering::Equal => return Some(guess),
      Ordering::Less => {
        let (mut lo, mut step) = (guess + 1, 1);
        loop {
          let at = guess + step;
          if at >= bucket.len() {
            break (lo, bucket.len());
          }
          if probe(at) != Ordering::Less {
            break (lo, at + 1);
          }
          lo = at + 1;
          step *= 2;
        }
      }
      Ordering::Greater => {
        let (mut hi, mut step) = (guess, 1);
        loop {
          let Some(at) = guess.checked_sub(step) else {
            break (0, hi);
          };
          if probe(at) != Ordering::Greater {
            break (at, hi);
          }
          hi = at;
          step *= 2;
        }
      }
    };
    bucket[lo..hi]
      .binary_search_by(|other| self.compare(other, key, folded))
      .ok()
      .map(|i| lo + i)
  }

  fn entry_at(&self, index: usize) -> Entry {
    let (pos, offset) = self.sizes.find(index);
    self.buckets[self.order[pos] as usize][offset]
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
    for (offset, entry) in self.buckets[new_handle as usize].iter().enumerate() {
      if let Some(slot) = self.slots[entry.id as usize].as_mut() {
        slot.bucket = new_handle;
        slot.hint = offset as u32;
      }
    }
    self.order.insert(pos + 1, new_handle);
    let lower_last = *self.buckets[handle as usize]
      .last()
      .expect("half of a full bucket");
    self.lasts[pos] = lower_last;
    let upper_last = *self.buckets[new_handle as usize]
      .last()
      .expect("half of a full bucket");
    self.lasts.insert(pos + 1, upper_last);
    self.reindex_from(pos);
  }

  fn drop_bucket(&mut self, pos: usize) {
    let handle = self.order.remove(pos);
    self.lasts.remove(pos);
    self.buckets[handle as usize] = Vec::new();
    self.free_buckets.push(handle);
    self.reindex_from(pos.min(self.order.len() - 1));
  }

  /// Renumbers positions from `pos` on and rebuilds the Fenwick tree in place.
  /// Splits and drops happen once per ~bucket_size/2 changes, so this O(buckets)
  /// step amortises to a few operations per change.
  fn reindex_from(&mut self, pos: usize) {
    for (p, &h) in self.order.iter().enumerate().skip(pos) {
      self.position[h as usize] = p as u32;
    }
    let (buckets, order) = (&self.buckets, &self.order);
    self
      .sizes
      .rebuild(order.iter().map(|&h| buckets[h as usize].len()));
  }
}
