//! The set against a sorted-Vec model, and the cases one by one.

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

#[test]
fn add_many_into_an_empty_set_sorts_and_skips_repeated_ids() {
  let mut set = SortedSet::new(4);
  let batch = [(1, "b", 1), (0, "z", 2), (1, "A", 3), (1, "c", 1), (0, "y", 4)];
  assert_eq!(set.add_many(batch), Ok(4));
  assert_eq!(ids(&set), vec![4, 2, 3, 1]);
  assert_eq!(set.index_of(1), Some(3));
}

#[test]
fn add_many_refuses_a_batch_with_an_id_out_of_range_and_changes_nothing() {
  let mut set = SortedSet::default();
  set.add(0, "a", 1).unwrap();
  assert_eq!(
    set.add_many([(0, "b", 2), (0, "c", MAX_ID)]),
    Err(SortedSetError::IdOutOfRange(MAX_ID))
  );
  assert_eq!(ids(&set), vec![1]);
}

#[test]
fn remap_ranks_moves_whole_ranks_and_refuses_a_reordering() {
  let mut set = SortedSet::new(4);
  for id in 0..30 {
    set.add(id % 3, &format!("n{id:02}"), id).unwrap();
  }
  let before = ids(&set);
  assert_eq!(
    set.remap_ranks(&[0, 2], &[2, 0]),
    Err(SortedSetError::RanksReordered)
  );
  assert_eq!(set.remap_ranks(&[1], &[0]), Err(SortedSetError::RanksReordered));
  assert_eq!(ids(&set), before);
  assert_eq!(set.remap_ranks(&[1, 2, 7], &[5, 6, 0]), Ok(()));
  assert_eq!(ids(&set), before);
  assert_eq!(set.count_below_rank(5), 10);
  assert_eq!(set.count_below_rank(6), 20);
  assert_eq!(set.count_below_rank(2), 10);
  set.add(4, "zzz", 99).unwrap();
  assert_eq!(set.index_of(99), Some(10));
}

#[derive(Debug, Clone)]
enum Op {
  Add(u32, u8, u32),
  Remove(u32),
  Update(u32, u32, u8),
  AddMany(Vec<(u32, u8, u32)>),
  RemoveMany(Vec<u32>),
  RemapRanks(Vec<(u32, u32)>),
}

fn op() -> impl Strategy<Value = Op> {
  let entry = (0u32..4, 0u8..20, 0u32..300);
  prop_oneof![
    6 => entry.clone().prop_map(|(r, n, id)| Op::Add(r, n, id)),
    4 => (0u32..300).prop_map(Op::Remove),
    2 => (0u32..300, 0u32..4, 0u8..20).prop_map(|(id, r, n)| Op::Update(id, r, n)),
    1 => prop::collection::vec(entry, 0..80).prop_map(Op::AddMany),
    1 => prop::collection::vec(0u32..300, 0..80).prop_map(Op::RemoveMany),
    1 => prop::collection::vec((0u32..5, 0u32..5), 0..4).prop_map(Op::RemapRanks),
    // Shifts every rank from `at` up by `by`: always keeps the order.
    1 => (0u32..4, 1u32..3).prop_map(|(at, by)| Op::RemapRanks((at..4).rev().map(|r| (r, r + by)).collect())),
  ]
}

/// Names from a small alphabet with mixed case, so ties and folding matter.
fn name_of(n: u8) -> String {
  let base = [
    "ann", "Ann", "bob", "BOB", "Émile", "émile", "zoe", "Zoe", "a", "b",
  ];
  format!("{}{}", base[n as usize % base.len()], n / 10)
}

/// The model: a plain Vec of (rank, folded name, id) kept sorted.
#[derive(Default)]
struct Model(Vec<(u32, String, u32)>);

impl Model {
  fn position(&self, id: u32) -> Option<usize> {
    self.0.iter().position(|e| e.2 == id)
  }

  fn insert(&mut self, rank: u32, folded: String, id: u32) -> usize {
    let key = (rank, folded, id);
    let at = self.0.partition_point(|e| *e < key);
    self.0.insert(at, key);
    at
  }

  fn add(&mut self, rank: u32, name: &str, id: u32) -> Option<usize> {
    if self.position(id).is_some() {
      return None;
    }
    Some(self.insert(rank, name.to_lowercase(), id))
  }

  fn remove(&mut self, id: u32) -> Option<(usize, String)> {
    let at = self.position(id)?;
    Some((at, self.0.remove(at).1))
  }

  /// Applies a remapping if it keeps the order; false (and nothing changes) if not.
  fn remap(&mut self, pairs: &[(u32, u32)]) -> bool {
    let mapped = |rank: u32| pairs.iter().find(|p| p.0 == rank).map_or(rank, |p| p.1);
    let mut present: Vec<u32> = self.0.iter().map(|e| e.0).collect();
    present.dedup();
    if present.windows(2).any(|w| mapped(w[0]) >= mapped(w[1])) {
      return false;
    }
    for entry in &mut self.0 {
      entry.0 = mapped(entry.0);
    }
    true
  }
}

proptest! {
  #![proptest_config(ProptestConfig::with_cases(300))]
  #[test]
  fn matches_a_sorted_vec_model(ops in prop::collection::vec(op(), 1..400), bucket in 4usize..12) {
    let mut set = SortedSet::new(bucket);
    let mut model = Model::default();
    for op in ops {
      match op {
        Op::Add(rank, n, id) => {
          let name = name_of(n);
          prop_assert_eq!(set.add(rank, &name, id).unwrap(), model.add(rank, &name, id));
        }
        Op::Remove(id) => {
          prop_assert_eq!(set.remove(id), model.remove(id).map(|(at, _)| at));
        }
        Op::Update(id, rank, n) => {
          let name = name_of(n);
          let expected = model.remove(id).map(|(old, _)| (old, model.insert(rank, name.to_lowercase(), id)));
          prop_assert_eq!(set.update(id, rank, &name), expected);
        }
        Op::AddMany(batch) => {
          let names: Vec<(u32, String, u32)> = batch.iter().map(|&(r, n, id)| (r, name_of(n), id)).collect();
          let expected = names.iter().filter(|(r, name, id)| model.add(*r, name, *id).is_some()).count();
          prop_assert_eq!(set.add_many(names.iter().map(|(r, name, id)| (*r, name.as_str(), *id))), Ok(expected));
        }
        Op::RemoveMany(ids) => {
          let expected = ids.iter().filter(|&&id| model.remove(id).is_some()).count();
          prop_assert_eq!(set.remove_many(&ids), expected);
        }
        Op::RemapRanks(pairs) => {
          let (from, to): (Vec<u32>, Vec<u32>) = pairs.iter().copied().unzip();
          let expected = if model.remap(&pairs) { Ok(()) } else { Err(SortedSetError::RanksReordered) };
          prop_assert_eq!(set.remap_ranks(&from, &to), expected);
        }
      }
      prop_assert_eq!(set.len(), model.0.len());
    }
    let model_ids: Vec<u32> = model.0.iter().map(|e| e.2).collect();
    prop_assert_eq!(ids(&set), model_ids.clone());
    for (i, &id) in model_ids.iter().enumerate() {
      prop_assert_eq!(set.index_of(id), Some(i));
      prop_assert_eq!(set.at(i), Some(id));
    }
    for rank in 0..8 {
      prop_assert_eq!(set.count_below_rank(rank), model.0.partition_point(|e| e.0 < rank));
    }
  }
}
