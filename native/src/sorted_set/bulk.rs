//! Loads and bulk changes of the sorted set: many entries added or removed in
//! one pass (the buckets laid out afresh) and ranks renumbered in place.

use super::{prefix_of, Entry, Slot, SortedSet, SortedSetError, MAX_ID};
use std::cmp::Ordering;

impl SortedSet {
  /// Every entry in order.
  fn entries(&self) -> impl Iterator<Item = Entry> + '_ {
    self
      .order
      .iter()
      .flat_map(|&handle| self.buckets[handle as usize].iter().copied())
  }

  /// Adds `(rank, name, id)` entries, skipping ids already present (in the set or
  /// earlier in the batch), and returns how many were added. An id out of range
  /// refuses the whole batch.
  pub fn add_many<'a>(
    &mut self,
    entries: impl IntoIterator<Item = (u32, &'a str, u32)>,
  ) -> Result<usize, SortedSetError> {
    let batch: Vec<(u32, &str, u32)> = entries.into_iter().collect();
    if let Some(&(_, _, id)) = batch.iter().find(|entry| entry.2 >= MAX_ID) {
      return Err(SortedSetError::IdOutOfRange(id));
    }
    if batch.len() * 4 < self.len {
      // Few next to the set: inserting each is cheaper than laying out them all.
      let mut added = 0;
      for (rank, name, id) in batch {
        added += usize::from(self.add(rank, name, id)?.is_some());
      }
      return Ok(added);
    }
    let mut fresh = Vec::with_capacity(batch.len());
    for (rank, name, id) in batch {
      if self.contains(id) {
        continue;
      }
      let folded = self.fold(name);
      let entry = Entry {
        rank,
        id,
        prefix: prefix_of(&folded),
      };
      self.put_slot(Slot {
        entry,
        folded,
        bucket: 0,
        hint: 0,
      });
      fresh.push(entry);
    }
    let added = fresh.len();
    if added > 0 {
      fresh.sort_unstable_by(|a, b| self.compare_stored(a, b));
      let merged = self.merged_with(fresh);
      self.lay_out(merged);
    }
    Ok(added)
  }

  /// Removes every id of `ids` that is present; returns how many were.
  pub fn remove_many(&mut self, ids: &[u32]) -> usize {
    if ids.len() * 4 < self.len {
      return ids.iter().filter(|&&id| self.remove(id).is_some()).count();
    }
    let mut removed = 0;
    for &id in ids {
      if let Some(slot) = self.slots.get_mut(id as usize) {
        removed += usize::from(slot.take().is_some());
      }
    }
    if removed > 0 {
      let kept: Vec<Entry> = self.entries().filter(|e| self.contains(e.id)).collect();
      self.lay_out(kept);
    }
    removed
  }

  /// Gives every entry of rank `from[i]` the rank `to[i]` (other ranks stay).
  /// Refused if it would reorder the ranks present: their new ranks must
  /// increase as the old ones do. Costs O(log n) per rank present plus the
  /// entries whose rank changes.
  pub fn remap_ranks(&mut self, from: &[u32], to: &[u32]) -> Result<(), SortedSetError> {
    let mapped = |rank: u32| from.iter().position(|&r| r == rank).map_or(rank, |i| to[i]);
    let runs = self.rank_runs();
    if runs.windows(2).any(|pair| mapped(pair[0].0) >= mapped(pair[1].0)) {
      return Err(SortedSetError::RanksReordered);
    }
    for (rank, start, end) in runs {
      let new = mapped(rank);
      if new != rank {
        self.set_ranks(start, end, new);
      }
    }
    Ok(())
  }

  /// Orders two entries whose slots are both in the table; reads the slot table only on a prefix tie.
  fn compare_stored(&self, a: &Entry, b: &Entry) -> Ordering {
    let folded = |id: u32| {
      &self.slots[id as usize]
        .as_ref()
        .expect("entry without a slot")
        .folded
    };
    a.rank
      .cmp(&b.rank)
      .then(a.prefix.cmp(&b.prefix))
      .then_with(|| {
        if a.id == b.id {
          Ordering::Equal
        } else {
          folded(a.id).as_bytes().cmp(folded(b.id).as_bytes())
        }
      })
      .then(a.id.cmp(&b.id))
  }

  /// The set's entries merged with `fresh` (sorted, not in any bucket yet).
  fn merged_with(&self, fresh: Vec<Entry>) -> Vec<Entry> {
    let mut merged = Vec::with_capacity(self.len + fresh.len());
    let mut fresh = fresh.into_iter().peekable();
    for entry in self.entries() {
      while let Some(next) = fresh.next_if(|f| self.compare_stored(f, &entry) == Ordering::Less) {
        merged.push(next);
      }
      merged.push(entry);
    }
    merged.extend(fresh);
    merged
  }

  /// Replaces the buckets with `entries` (sorted, every slot in the table),
  /// filled to three quarters so the next adds rarely split.
  fn lay_out(&mut self, entries: Vec<Entry>) {
    let fill = (self.bucket_size * 3 / 4).max(1);
    self.buckets.clear();
    self.order.clear();
    self.position.clear();
    self.lasts.clear();
    self.free_buckets.clear();
    for chunk in entries.chunks(fill) {
      let handle = self.buckets.len() as u32;
      let mut bucket = Vec::with_capacity(self.bucket_size + 1);
      bucket.extend_from_slice(chunk);
      for (offset, entry) in chunk.iter().enumerate() {
        if let Some(slot) = self.slots[entry.id as usize].as_mut() {
          slot.bucket = handle;
          slot.hint = offset as u32;
        }
      }
      self.lasts.push(*chunk.last().expect("chunks are not empty"));
      self.buckets.push(bucket);
      self.order.push(handle);
      self.position.push(handle);
    }
    if self.buckets.is_empty() {
      self.buckets.push(Vec::new());
      self.order.push(0);
      self.position.push(0);
    }
    self.len = entries.len();
    self
      .sizes
      .rebuild(self.order.iter().map(|&h| self.buckets[h as usize].len()));
  }

  /// The ranks present, in order, each with its index range `[start, end)`.
  fn rank_runs(&self) -> Vec<(u32, usize, usize)> {
    let mut runs = Vec::new();
    let mut start = 0;
    while start < self.len {
      let rank = self.entry_at(start).rank;
      let end = rank
        .checked_add(1)
        .map_or(self.len, |next| self.count_below_rank(next));
      runs.push((rank, start, end));
      start = end;
    }
    runs
  }

  /// Sets the rank of the entries in `[start, end)`; the caller keeps the order.
  fn set_ranks(&mut self, start: usize, end: usize, rank: u32) {
    let (mut pos, mut offset) = self.sizes.find(start);
    let mut left = end - start;
    while left > 0 {
      let bucket = &mut self.buckets[self.order[pos] as usize];
      let take = (bucket.len() - offset).min(left);
      for entry in &mut bucket[offset..offset + take] {
        entry.rank = rank;
        if let Some(slot) = self.slots[entry.id as usize].as_mut() {
          slot.entry.rank = rank;
        }
      }
      self.lasts[pos] = *bucket.last().expect("buckets in order are not empty");
      left -= take;
      pos += 1;
      offset = 0;
    }
  }
}
