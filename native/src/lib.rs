//! The N-API binding: converts JS values, calls the pure cores, maps results.
//!
//! The cores (`sorted_set`, `fenwick`, `hash_ring`, `semaphore`,
//! `shared_cells`, `zstd_shared`) know nothing of N-API. The binding (`binding` below, and
//! `sorted_set_binding`, which passes arguments through a per-thread call
//! frame) is compiled out of `cargo test`, whose test binaries have no JS
//! runtime to resolve N-API symbols against.
//!
//! Everything here is a plain function, not a napi-rs class: a class method
//! call pays for receiver unwrapping, type-tag and borrow checks (measured
//! ~310 ns per call from Bun 1.4.5 on this machine, against ~75 ns for a free
//! function), which is more than the work of most calls. `src/native.ts`
//! wraps these functions into the classes of DESIGN.md.

pub mod fenwick;
pub mod hash_ring;
pub mod semaphore;
pub mod shared_cells;
pub mod sorted_set;
#[cfg(not(test))]
mod sorted_set_binding;
pub mod zstd_shared;

/// An ArrayBuffer over native memory that JS and Rust both use, with a
/// finaliser that frees nothing. Refused where the runtime would copy the memory
/// instead (writes to a copy would reach nobody).
///
/// # Safety
/// `data` must stay valid for `len` bytes as long as any JS thread may run.
#[cfg(not(test))]
unsafe fn external_buffer(
  env: &napi::Env,
  data: *mut u8,
  len: usize,
) -> napi::Result<napi::bindgen_prelude::ArrayBuffer<'_>> {
  use napi::bindgen_prelude::{ArrayBuffer, Error, Status};
  // SAFETY: the caller keeps the memory alive; the finaliser frees nothing.
  let buffer = unsafe { ArrayBuffer::from_external(env, data, len, (), |_, _| {}) }?;
  if !std::ptr::eq(buffer.as_ptr(), data) {
    return Err(Error::new(
      Status::GenericFailure,
      "this runtime does not allow external ArrayBuffers",
    ));
  }
  Ok(buffer)
}

#[cfg(not(test))]
mod binding {
  use crate::hash_ring::{self, RingCell};
  use crate::semaphore;
  use crate::shared_cells::{CellsExhausted, CELLS, CELL_COUNT};
  use napi::bindgen_prelude::*;
  use napi_derive::napi;

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
    let len = CELL_COUNT * std::mem::size_of::<u32>();
    // SAFETY: `CELLS` is a static, so the memory outlives every ArrayBuffer made
    // over it. `AtomicU32` has the size and layout of `u32`, and JS reaches these
    // bytes only through `Atomics` operations, which are atomic read-modify-writes
    // and loads/stores just like the Rust side's, so no access is a data race.
    unsafe { crate::external_buffer(env, CELLS.as_ptr() as *mut u8, len) }
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

  /// The first bytes of a zstd-stream connection: the frame header, then `message` as
  /// blocks (zstd_shared.rs).
  #[napi]
  pub fn zstd_stream_first(message: Either<String, Uint8Array>) -> Buffer {
    crate::zstd_shared::first_message(bytes(&message)).into()
  }

  /// `message` as zstd blocks that decode the same on any zstd-stream connection past its
  /// first message.
  #[napi]
  pub fn zstd_stream_blocks(message: Either<String, Uint8Array>) -> Buffer {
    crate::zstd_shared::message_blocks(bytes(&message)).into()
  }

  fn bytes(message: &Either<String, Uint8Array>) -> &[u8] {
    match message {
      Either::A(text) => text.as_bytes(),
      Either::B(array) => array,
    }
  }

  /// A copy of the current generation, for lookups in JS.
  #[napi(object)]
  pub struct RingSnapshot {
    pub generation: u32,
    pub nodes: Vec<String>,
    pub points: Uint32Array,
    pub owners: Uint32Array,
  }

  #[napi]
  pub fn ring_snapshot(name: String) -> Result<RingSnapshot> {
    let ring = RingCell::open(&name).map_err(exhausted)?.load();
    Ok(RingSnapshot {
      generation: ring.generation(),
      nodes: ring.nodes().to_vec(),
      points: Uint32Array::with_data_copied(ring.points()),
      owners: Uint32Array::with_data_copied(ring.owners()),
    })
  }

  /// Writes the owners of `keys`, all from one generation, into `out` (as many as both
  /// hold). Throws on an empty ring.
  #[napi]
  pub fn ring_find_many(name: String, keys: &[u64], mut out: Uint32Array) -> Result<()> {
    let cell = RingCell::open(&name).map_err(exhausted)?;
    // SAFETY: JS does not run while this call does, so nothing else touches `out`.
    let out = unsafe { out.as_mut() };
    cell
      .with(|ring| ring.find_many(keys, out))
      .ok_or_else(|| Error::new(Status::GenericFailure, "hash ring has no nodes"))
  }
}
