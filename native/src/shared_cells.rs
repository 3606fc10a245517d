//! A process-global table of atomic u32 cells, allocated by name.
//!
//! Semaphore counters and ring generation numbers live here. The binding
//! exposes the whole table to each JS thread as one external ArrayBuffer, so
//! JS reads and updates the cells with `Atomics` and never crosses N-API on a
//! hot path, while every Worker sees the same memory.

use std::collections::HashMap;
use std::sync::atomic::AtomicU32;
use std::sync::{Mutex, OnceLock};

/// How many cells the process has: 2 per semaphore, 1 per ring.
pub const CELL_COUNT: usize = 4096;

pub static CELLS: [AtomicU32; CELL_COUNT] = [const { AtomicU32::new(0) }; CELL_COUNT];

#[derive(Debug, PartialEq, Eq)]
pub struct CellsExhausted;

struct Allocator {
  by_name: HashMap<String, usize>,
  next: usize,
}

/// The first index of `width` consecutive cells reserved for `name`, and whether
/// this call created them. The same name always gets the same cells; callers
/// prefix names by kind ("sem:", "ring:") so kinds never collide.
pub fn allocate(name: &str, width: usize) -> Result<(usize, bool), CellsExhausted> {
  static ALLOCATOR: OnceLock<Mutex<Allocator>> = OnceLock::new();
  let mut allocator = ALLOCATOR
    .get_or_init(|| {
      Mutex::new(Allocator {
        by_name: HashMap::new(),
        next: 0,
      })
    })
    .lock()
    .unwrap_or_else(|e| e.into_inner());
  if let Some(&index) = allocator.by_name.get(name) {
    return Ok((index, false));
  }
  if allocator.next + width > CELL_COUNT {
    return Err(CellsExhausted);
  }
  let index = allocator.next;
  allocator.next += width;
  allocator.by_name.insert(name.to_owned(), index);
  Ok((index, true))
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn a_name_keeps_its_cells_and_names_do_not_overlap() {
    let (a, created_a) = allocate("test:a", 2).unwrap();
    let (b, created_b) = allocate("test:b", 1).unwrap();
    assert!(created_a && created_b);
    assert_eq!(allocate("test:a", 2), Ok((a, false)));
    assert!(b >= a + 2 || b < a);
  }

  #[test]
  fn allocation_fails_cleanly_when_the_table_is_full() {
    assert_eq!(allocate("test:huge", CELL_COUNT + 1), Err(CellsExhausted));
  }
}
