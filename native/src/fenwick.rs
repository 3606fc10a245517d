//! A Fenwick (binary indexed) tree of counts: prefix sums and "which position
//! holds the n-th item" in O(log n). The sorted set keeps its bucket sizes here.

pub struct Fenwick {
  tree: Vec<usize>,
}

impl Fenwick {
  /// A tree over `counts`, built in O(n).
  pub fn from_counts(counts: impl IntoIterator<Item = usize>) -> Self {
    let mut fenwick = Self { tree: vec![0] };
    fenwick.rebuild(counts);
    fenwick
  }

  /// Replaces every count, reusing the allocation.
  pub fn rebuild(&mut self, counts: impl IntoIterator<Item = usize>) {
    self.tree.truncate(1);
    self.tree.extend(counts);
    for i in 1..self.tree.len() {
      let parent = i + (i & i.wrapping_neg());
      if parent < self.tree.len() {
        self.tree[parent] += self.tree[i];
      }
    }
  }

  pub fn add(&mut self, pos: usize, delta: isize) {
    let mut i = pos + 1;
    while i < self.tree.len() {
      self.tree[i] = self.tree[i].wrapping_add_signed(delta);
      i += i & i.wrapping_neg();
    }
  }

  /// Sum of the counts at positions `< pos`.
  pub fn prefix(&self, pos: usize) -> usize {
    let mut sum = 0;
    let mut i = pos;
    while i > 0 {
      sum += self.tree[i];
      i -= i & i.wrapping_neg();
    }
    sum
  }

  /// The position holding item `index` (counting from 0), and the offset
  /// inside it. The caller ensures `index` is below the total.
  pub fn find(&self, index: usize) -> (usize, usize) {
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

  pub fn heap_bytes(&self) -> usize {
    self.tree.capacity() * std::mem::size_of::<usize>()
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use proptest::prelude::*;

  proptest! {
    #[test]
    fn prefix_and_find_match_a_plain_vec(counts in prop::collection::vec(0usize..5, 1..60), adds in prop::collection::vec((0usize..60, 0usize..3), 0..40)) {
      let mut model = counts.clone();
      let mut fenwick = Fenwick::from_counts(counts.iter().copied());
      for (pos, delta) in adds {
        let pos = pos % model.len();
        model[pos] += delta;
        fenwick.add(pos, delta as isize);
      }
      for pos in 0..=model.len() {
        prop_assert_eq!(fenwick.prefix(pos), model[..pos].iter().sum::<usize>());
      }
      let mut index = 0;
      for (pos, &count) in model.iter().enumerate() {
        for offset in 0..count {
          prop_assert_eq!(fenwick.find(index), (pos, offset));
          index += 1;
        }
      }
    }
  }
}
