//! A lock-free counting semaphore over two atomic cells: `[count, max]`.
//!
//! `try_acquire` is a compare-exchange loop that increments the count only
//! while it is below `max`, re-reading `max` on every attempt, so lowering
//! `max` below the current count refuses new acquires at once (Discord's ETS
//! semaphore let them through). `release` never takes the count below zero.
//!
//! Named semaphores live in [`crate::shared_cells`], shared by the whole
//! process. `src/native.ts` runs this same algorithm on the same cells with JS
//! `Atomics`, so that an acquire costs no N-API call.

use crate::shared_cells::{self, CellsExhausted, CELLS};
use std::sync::atomic::{AtomicU32, Ordering};

pub struct Semaphore<'a> {
  count: &'a AtomicU32,
  max: &'a AtomicU32,
}

impl<'a> Semaphore<'a> {
  pub fn new(count: &'a AtomicU32, max: &'a AtomicU32) -> Self {
    Self { count, max }
  }

  pub fn try_acquire(&self) -> bool {
    let mut current = self.count.load(Ordering::Relaxed);
    loop {
      if current >= self.max.load(Ordering::Acquire) {
        return false;
      }
      match self
        .count
        .compare_exchange_weak(current, current + 1, Ordering::AcqRel, Ordering::Relaxed)
      {
        Ok(_) => return true,
        Err(actual) => current = actual,
      }
    }
  }

  /// Returns false (and changes nothing) when the count is already zero.
  pub fn release(&self) -> bool {
    self
      .count
      .fetch_update(Ordering::AcqRel, Ordering::Relaxed, |c| c.checked_sub(1))
      .is_ok()
  }

  pub fn count(&self) -> u32 {
    self.count.load(Ordering::Acquire)
  }

  pub fn max(&self) -> u32 {
    self.max.load(Ordering::Acquire)
  }

  pub fn set_max(&self, max: u32) {
    self.max.store(max, Ordering::Release);
  }
}

/// The semaphore shared under `name` in this process, as the index of its
/// `[count, max]` cells. The first open sets `max`; later opens leave it.
pub fn open(name: &str, max: u32) -> Result<usize, CellsExhausted> {
  let (index, created) = shared_cells::allocate(&format!("sem:{name}"), 2)?;
  if created {
    CELLS[index + 1].store(max, Ordering::Release);
  }
  Ok(index)
}

/// The shared semaphore whose cells start at `index`.
pub fn at(index: usize) -> Semaphore<'static> {
  Semaphore::new(&CELLS[index], &CELLS[index + 1])
}

#[cfg(test)]
mod tests {
  use super::*;
  use std::sync::atomic::AtomicBool;

  fn cells(max: u32) -> (AtomicU32, AtomicU32) {
    (AtomicU32::new(0), AtomicU32::new(max))
  }

  #[test]
  fn acquires_up_to_max_then_refuses() {
    let (count, max) = cells(2);
    let sem = Semaphore::new(&count, &max);
    assert!(sem.try_acquire());
    assert!(sem.try_acquire());
    assert!(!sem.try_acquire());
    assert_eq!(sem.count(), 2);
  }

  #[test]
  fn lowering_max_below_count_refuses_new_acquires() {
    let (count, max) = cells(5);
    let sem = Semaphore::new(&count, &max);
    for _ in 0..4 {
      assert!(sem.try_acquire());
    }
    sem.set_max(2);
    assert!(!sem.try_acquire());
    sem.release();
    sem.release();
    assert!(!sem.try_acquire(), "count 2 is still not below max 2");
    sem.release();
    assert!(sem.try_acquire());
  }

  #[test]
  fn release_never_goes_below_zero() {
    let (count, max) = cells(1);
    let sem = Semaphore::new(&count, &max);
    assert!(!sem.release());
    assert_eq!(sem.count(), 0);
    assert!(sem.try_acquire());
    assert!(sem.release());
    assert!(!sem.release());
    assert_eq!(sem.count(), 0);
  }

  #[test]
  fn open_shares_one_counter_per_name_and_keeps_the_first_max() {
    let a = at(open("test-shared", 3).unwrap());
    let b = at(open("test-shared", 99).unwrap());
    assert!(a.try_acquire());
    assert_eq!(b.count(), 1);
    assert_eq!(b.max(), 3);
    b.release();
    assert_ne!(open("test-other", 1), open("test-shared", 1));
  }

  #[test]
  fn many_threads_never_exceed_max() {
    let (count, max) = cells(3);
    let sem = Semaphore::new(&count, &max);
    let holders = AtomicU32::new(0);
    let overflow = AtomicBool::new(false);
    std::thread::scope(|scope| {
      for _ in 0..8 {
        scope.spawn(|| {
          for _ in 0..20_000 {
            if sem.try_acquire() {
              let now = holders.fetch_add(1, Ordering::SeqCst) + 1;
              if now > 3 || sem.count() > 3 {
                overflow.store(true, Ordering::SeqCst);
              }
              holders.fetch_sub(1, Ordering::SeqCst);
              sem.release();
            }
          }
        });
      }
    });
    assert!(!overflow.load(Ordering::SeqCst));
    assert_eq!(sem.count(), 0);
  }
}
