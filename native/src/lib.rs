//! The N-API binding: converts JS values, calls the pure cores, maps results.
//!
//! The cores (`sorted_set`, `hash_ring`, `semaphore`, `shared_cells`) know
//! nothing of N-API. The binding is compiled out of `cargo test`, whose test
//! binaries have no JS runtime to resolve N-API symbols against.
//!
//! Everything here is a plain function, not a napi-rs class: a class method
//! call pays for receiver unwrapping, type-tag and borrow checks (measured
//! ~310 ns per call from Bun 1.4.5 on this machine, against ~75 ns for a free
//! function), which is more than the work of most calls. `src/native.ts`
//! wraps these functions into the classes of DESIGN.md.

pub mod hash_ring;
pub mod semaphore;
pub mod shared_cells;
pub mod sorted_set;

#[cfg(not(test))]
mod binding {
  use crate::hash_ring::{self, RingCell};
  use crate::shared_cells::{CellsExhausted, CELLS, CELL_COUNT};
  use crate::{semaphore, sorted_set};
  use napi::bindgen_prelude::*;
  use napi_derive::napi;
  use std::cell::RefCell;

  fn exhausted(_: CellsExhausted) -> Error {
    Error::new(
      Status::GenericFailure,
      format!("all {CELL_COUNT} shared cells are in use"),
    )
  }

  /// The process-wide cell table as an ArrayBuffer (view it as a Uint32Array
  /// and touch it only with `Atomics`). Each JS thread calls this once.
  #[napi]
  pub fn shared_cells(env: &Env) -> Result<ArrayBuffer<'_>> {
    let data = CELLS.as_ptr() as *mut u8;
    let len = CELL_COUNT * std::mem::size_of::<u32>();
    // SAFETY: `CELLS` is a static, so the memory outlives every ArrayBuffer made
    // over it, and the finaliser frees nothing. `AtomicU32` has the size and
    // layout of `u32`, and JS reaches these bytes only through `Atomics`
    // operations, which are atomic read-modify-writes and loads/stores just
    // like the Rust side's, so no access is a data race.
    let buffer = unsafe { ArrayBuffer::from_external(env, data, len, (), |_, _| {}) }?;
    if !std::ptr::eq(buffer.as_ptr(), data) {
      // The runtime copied the memory instead (it forbids external buffers):
      // the copy would not be shared, so refuse rather than hand out a fake.
      return Err(Error::new(
        Status::GenericFailure,
        "this runtime does not allow external ArrayBuffers",
      ));
    }
    Ok(buffer)
  }

  /// The first cell index of the semaphore named `name` (cells `[count, max]`).
  #[napi]
  pub fn semaphore_open(name: String, max: u32) -> Result<u32> {
    semaphore::open(&name, max).map(|i| i as u32).map_err(exhausted)
  }

  /// The cell index that publishes the generation of the ring named `name`.
  #[napi]
  pub fn ring_open(name: String) -> Result<u32> {
    RingCell::open(&name)
      .map(|cell| cell.generation_cell() as u32)
      .map_err(exhausted)
  }

  /// Builds a new generation (default 512 replicas per node) and swaps it in.
  #[napi]
  pub fn ring_set_nodes(name: String, nodes: Vec<String>, replicas: Option<u32>) -> Result<()> {
    let cell = RingCell::open(&name).map_err(exhausted)?;
    cell.set_nodes(nodes, replicas.unwrap_or(hash_ring::DEFAULT_REPLICAS));
    Ok(())
  }

  /// Builds generation `generation` (a cluster's membership generation) if it is above the
  /// current one; false if it is not.
  #[napi]
  pub fn ring_set_nodes_at(
    name: String,
    nodes: Vec<String>,
    generation: u32,
    replicas: Option<u32>,
  ) -> Result<bool> {
    let cell = RingCell::open(&name).map_err(exhausted)?;
    Ok(cell.set_nodes_at(nodes, replicas.unwrap_or(hash_ring::DEFAULT_REPLICAS), generation))
  }

  /// A copy of the current generation, for lookups in JS.
  #[napi(object)]
  pub struct RingSnapshot {
    pub generation: u32,
    pub nodes: Vec<String>,
    pub points: Uint32Array,
    pub owners: Uint32Array,
    pub prefix_start: Uint32Array,
  }

  #[napi]
  pub fn ring_snapshot(name: String) -> Result<RingSnapshot> {
    let ring = RingCell::open(&name).map_err(exhausted)?.load();
    Ok(RingSnapshot {
      generation: ring.generation(),
      nodes: ring.nodes().to_vec(),
      points: Uint32Array::with_data_copied(ring.points()),
      owners: Uint32Array::with_data_copied(ring.owners()),
      prefix_start: Uint32Array::with_data_copied(ring.prefix_start()),
    })
  }

  /// Owners of many u64 keys, all from one generation. Throws on an empty ring.
  #[napi]
  pub fn ring_find_many(name: String, keys: &[u64]) -> Result<Uint32Array> {
    let cell = RingCell::open(&name).map_err(exhausted)?;
    cell.with(|ring| {
      if ring.nodes().is_empty() {
        return Err(Error::new(Status::GenericFailure, "hash ring has no nodes"));
      }
      let owners = keys
        .iter()
        .map(|&key| ring.find_hash(hash_ring::key_hash(key)).unwrap_or(0))
        .collect();
      Ok(Uint32Array::new(owners))
    })
  }

  thread_local! {
    /// This thread's member lists by handle. A SortedSet belongs to the guild
    /// (and so the thread) that made it; handles mean nothing on other threads.
    static SETS: RefCell<Vec<Option<sorted_set::SortedSet>>> = const { RefCell::new(Vec::new()) };
  }

  fn with_set<R>(handle: u32, f: impl FnOnce(&mut sorted_set::SortedSet) -> R) -> Result<R> {
    SETS.with_borrow_mut(|sets| match sets.get_mut(handle as usize) {
      Some(Some(set)) => Ok(f(set)),
      _ => Err(Error::new(
        Status::InvalidArg,
        format!("no SortedSet with handle {handle} on this thread"),
      )),
    })
  }

  fn to_i64(index: Option<usize>) -> i64 {
    index.map_or(-1, |i| i as i64)
  }

  #[napi]
  pub fn sorted_set_create(bucket_size: Option<u32>) -> u32 {
    let set = sorted_set::SortedSet::new(bucket_size.map_or(sorted_set::DEFAULT_BUCKET_SIZE, |s| s as usize));
    SETS.with_borrow_mut(|sets| match sets.iter().position(Option::is_none) {
      Some(free) => {
        sets[free] = Some(set);
        free as u32
      }
      None => {
        sets.push(Some(set));
        (sets.len() - 1) as u32
      }
    })
  }

  #[napi]
  pub fn sorted_set_free(handle: u32) {
    SETS.with_borrow_mut(|sets| {
      if let Some(slot) = sets.get_mut(handle as usize) {
        *slot = None;
      }
    });
  }

  #[napi]
  pub fn sorted_set_add(handle: u32, rank: u32, name: String, id: u32) -> Result<i64> {
    match with_set(handle, |set| set.add(rank, &name, id))? {
      Ok(index) => Ok(to_i64(index)),
      Err(sorted_set::SortedSetError::IdOutOfRange(id)) => Err(Error::new(
        Status::InvalidArg,
        format!(
          "id {id} is out of range (ids are dense slots below {})",
          sorted_set::MAX_ID
        ),
      )),
    }
  }

  #[napi]
  pub fn sorted_set_remove(handle: u32, id: u32) -> Result<i64> {
    with_set(handle, |set| to_i64(set.remove(id)))
  }

  #[napi]
  pub fn sorted_set_update(handle: u32, id: u32, rank: u32, name: String) -> Result<i64> {
    with_set(handle, |set| {
      to_i64(set.update(id, rank, &name).map(|(_, new)| new))
    })
  }

  #[napi]
  pub fn sorted_set_index_of(handle: u32, id: u32) -> Result<i64> {
    with_set(handle, |set| to_i64(set.index_of(id)))
  }

  #[napi]
  pub fn sorted_set_at(handle: u32, index: u32) -> Result<i64> {
    with_set(handle, |set| set.at(index as usize).map_or(-1, i64::from))
  }

  #[napi]
  pub fn sorted_set_slice(handle: u32, start: u32, end: u32) -> Result<Uint32Array> {
    with_set(handle, |set| {
      Uint32Array::new(set.slice(start as usize, end as usize))
    })
  }

  #[napi]
  pub fn sorted_set_count_below_rank(handle: u32, rank: u32) -> Result<u32> {
    with_set(handle, |set| set.count_below_rank(rank) as u32)
  }

  #[napi]
  pub fn sorted_set_size(handle: u32) -> Result<u32> {
    with_set(handle, |set| set.len() as u32)
  }

  #[napi]
  pub fn sorted_set_heap_bytes(handle: u32) -> Result<f64> {
    with_set(handle, |set| set.heap_bytes_excluding_names() as f64)
  }
}
