//! The N-API binding of `sorted_set`, through a per-thread call frame.
//!
//! Each N-API argument or return value costs more than the work of a member
//! list call (measured from Bun 1.4.5 on this machine: a call with no
//! arguments ~60 ns, with one u32 argument and a u32 result ~180 ns, with one
//! 10-character string ~245 ns). So the per-item calls take no arguments:
//! JS writes them into this thread's frame (an external ArrayBuffer over
//! native memory), the call reads them there and writes its results back,
//! and a name crosses as UTF-8 bytes JS encoded into the frame (~66 ns for a
//! call with two numbers and a result, ~120 ns with a name). `src/native.ts`
//! holds the views and the word indices below.
//!
//! Batches (`add_many`, `remove_many`, `remap_ranks`) take typed arrays as
//! ordinary arguments: one call per batch.

use crate::sorted_set::{self, SortedSet, SortedSetError};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use std::cell::RefCell;

/// Word indices of the frame (mirrored in `src/native.ts`).
const HANDLE: usize = 0;
const RANK: usize = 1;
const ID: usize = 2;
/// UTF-8 byte length of the name in `name`, or [`LONG_NAME`].
const NAME_LENGTH: usize = 3;
const START: usize = 4;
const END: usize = 5;
/// The call's answer as an i32 (-1: none), and a second one where there is one.
const RESULT: usize = 6;
const RESULT2: usize = 7;
const WORDS: usize = 8;
/// The name did not fit: it was handed over by `sorted_set_long_name`.
const LONG_NAME: u32 = u32::MAX;
const NAME_CAPACITY: usize = 1024;
/// Ids a `slice` call writes at most; JS asks again for longer ranges.
const IDS_CAPACITY: usize = 4096;

#[repr(C)]
struct Frame {
  words: [u32; WORDS],
  name: [u8; NAME_CAPACITY],
  ids: [u32; IDS_CAPACITY],
}

thread_local! {
  /// This thread's frame, never freed: views of it live as long as the thread's JS
  /// heap, and it is a few KB per thread. Only this thread touches it: JS between
  /// native calls, these functions during one (they never call back into JS).
  static FRAME: *mut Frame = Box::into_raw(Box::new(Frame {
    words: [0; WORDS],
    name: [0; NAME_CAPACITY],
    ids: [0; IDS_CAPACITY],
  }));
  /// A name longer than the frame holds, handed over as a string.
  static LONG: RefCell<String> = const { RefCell::new(String::new()) };
  /// This thread's member lists by handle. A SortedSet belongs to the guild
  /// (and so the thread) that made it; handles mean nothing on other threads.
  static SETS: RefCell<Vec<Option<SortedSet>>> = const { RefCell::new(Vec::new()) };
}

fn with_frame<R>(f: impl FnOnce(&mut Frame) -> R) -> R {
  // SAFETY: the frame is this thread's and outlives it (see FRAME); no other
  // reference to it exists while a native call runs, and JS does not run then.
  FRAME.with(|&frame| f(unsafe { &mut *frame }))
}

fn no_set(handle: u32) -> Error {
  Error::new(
    Status::InvalidArg,
    format!("no SortedSet with handle {handle} on this thread"),
  )
}

fn refused(error: SortedSetError) -> Error {
  let message = match error {
    SortedSetError::IdOutOfRange(id) => format!(
      "id {id} is out of range (ids are dense slots below {})",
      sorted_set::MAX_ID
    ),
    SortedSetError::RanksReordered => "the new ranks would reorder the ranks present".to_owned(),
  };
  Error::new(Status::InvalidArg, message)
}

fn with_set<R>(handle: u32, f: impl FnOnce(&mut SortedSet) -> R) -> Result<R> {
  SETS.with_borrow_mut(|sets| match sets.get_mut(handle as usize) {
    Some(Some(set)) => Ok(f(set)),
    _ => Err(no_set(handle)),
  })
}

/// Runs `f` on the frame's set with the frame's name (`&str`).
fn with_named<R>(f: impl FnOnce(&mut SortedSet, &[u32; WORDS], &str) -> R) -> Result<R> {
  with_frame(|frame| {
    let length = frame.words[NAME_LENGTH];
    LONG.with_borrow(|long| {
      let name = if length == LONG_NAME {
        long.as_str()
      } else {
        let bytes = frame.name.get(..length as usize).unwrap_or_default();
        std::str::from_utf8(bytes).map_err(|_| Error::new(Status::InvalidArg, "name is not UTF-8"))?
      };
      with_set(frame.words[HANDLE], |set| f(set, &frame.words, name))
    })
  })
}

/// Runs `f` on the frame's set and writes its answers to RESULT and RESULT2.
fn answer(f: impl FnOnce(&mut SortedSet, &[u32; WORDS]) -> (i32, i32)) -> Result<()> {
  with_frame(|frame| {
    let (result, result2) = with_set(frame.words[HANDLE], |set| f(set, &frame.words))?;
    frame.words[RESULT] = result as u32;
    frame.words[RESULT2] = result2 as u32;
    Ok(())
  })
}

fn index(at: Option<usize>) -> i32 {
  at.map_or(-1, |i| i as i32)
}

/// Where the parts of the frame start (byte offsets) and how much they hold.
#[napi(object)]
pub struct SortedSetFrameLayout {
  pub words: u32,
  pub name_at: u32,
  pub name_capacity: u32,
  pub ids_at: u32,
  pub ids_capacity: u32,
}

#[napi]
pub fn sorted_set_frame_layout() -> SortedSetFrameLayout {
  SortedSetFrameLayout {
    words: WORDS as u32,
    name_at: std::mem::offset_of!(Frame, name) as u32,
    name_capacity: NAME_CAPACITY as u32,
    ids_at: std::mem::offset_of!(Frame, ids) as u32,
    ids_capacity: IDS_CAPACITY as u32,
  }
}

/// This thread's frame as an ArrayBuffer (see the module doc). Each JS thread calls this once.
#[napi]
pub fn sorted_set_frame(env: &Env) -> Result<ArrayBuffer<'_>> {
  let data = FRAME.with(|&frame| frame as *mut u8);
  // SAFETY: the frame is never freed (see FRAME).
  unsafe { crate::external_buffer(env, data, std::mem::size_of::<Frame>()) }
}

/// Hands over a name too long for the frame; the next call with NAME_LENGTH = LONG_NAME uses it.
#[napi]
pub fn sorted_set_long_name(name: String) {
  LONG.set(name);
}

#[napi]
pub fn sorted_set_create(bucket_size: Option<u32>) -> u32 {
  let set = SortedSet::new(bucket_size.map_or(sorted_set::DEFAULT_BUCKET_SIZE, |s| s as usize));
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

/// Frame: HANDLE, RANK, ID, name -> RESULT: the new index, or -1 if the id is present.
#[napi]
pub fn sorted_set_add() -> Result<()> {
  let added = with_named(|set, words, name| set.add(words[RANK], name, words[ID]))?;
  let at = added.map_err(refused)?;
  with_frame(|frame| frame.words[RESULT] = index(at) as u32);
  Ok(())
}

/// Frame: HANDLE, ID, RANK, name -> RESULT: the new index, RESULT2: the old one (-1, -1 if absent).
#[napi]
pub fn sorted_set_update() -> Result<()> {
  let moved = with_named(|set, words, name| set.update(words[ID], words[RANK], name))?;
  let (old, new) = moved.map_or((-1, -1), |(old, new)| (old as i32, new as i32));
  with_frame(|frame| {
    frame.words[RESULT] = new as u32;
    frame.words[RESULT2] = old as u32;
  });
  Ok(())
}

/// Frame: HANDLE, ID -> RESULT: the index it had, or -1.
#[napi]
pub fn sorted_set_remove() -> Result<()> {
  answer(|set, words| (index(set.remove(words[ID])), -1))
}

/// Frame: HANDLE, ID -> RESULT: its index, or -1.
#[napi]
pub fn sorted_set_index_of() -> Result<()> {
  answer(|set, words| (index(set.index_of(words[ID])), -1))
}

/// Frame: HANDLE, START -> RESULT: the id at index START, or -1.
#[napi]
pub fn sorted_set_at() -> Result<()> {
  answer(|set, words| (set.at(words[START] as usize).map_or(-1, |id| id as i32), -1))
}

/// Frame: HANDLE, RANK -> RESULT: how many entries rank below RANK.
#[napi]
pub fn sorted_set_count_below_rank() -> Result<()> {
  answer(|set, words| (set.count_below_rank(words[RANK]) as i32, -1))
}

/// Frame: HANDLE -> RESULT: the size.
#[napi]
pub fn sorted_set_size() -> Result<()> {
  answer(|set, _| (set.len() as i32, -1))
}

/// Frame: HANDLE, START, END -> the ids in [START, min(END, START + ids capacity)),
/// clamped to the set, in `ids`; RESULT: how many.
#[napi]
pub fn sorted_set_slice() -> Result<()> {
  with_frame(|frame| {
    let words = frame.words;
    let start = words[START] as usize;
    let count = (words[END] as usize).saturating_sub(start).min(IDS_CAPACITY);
    let written = with_set(words[HANDLE], |set| {
      set.slice_into(start, &mut frame.ids[..count])
    })?;
    frame.words[RESULT] = written as u32;
    Ok(())
  })
}

/// Adds entries `(ranks[i], name i, ids[i])`, where name i is the next
/// `lengths[i]` UTF-16 code units of `names`; returns how many were added.
#[napi]
pub fn sorted_set_add_many(
  handle: u32,
  ranks: &[u32],
  names: String,
  lengths: &[u32],
  ids: &[u32],
) -> Result<u32> {
  if ranks.len() != ids.len() || lengths.len() != ids.len() {
    return Err(Error::new(
      Status::InvalidArg,
      "ranks, lengths and ids differ in length",
    ));
  }
  let split = split_utf16_lengths(&names, lengths)?;
  let entries = ranks
    .iter()
    .zip(split)
    .zip(ids)
    .map(|((&rank, name), &id)| (rank, name, id));
  with_set(handle, |set| set.add_many(entries))?
    .map(|added| added as u32)
    .map_err(refused)
}

/// Cuts `joined` into pieces of the given UTF-16 lengths (JS string lengths).
fn split_utf16_lengths<'a>(joined: &'a str, lengths: &[u32]) -> Result<Vec<&'a str>> {
  let bad = || Error::new(Status::InvalidArg, "name lengths do not add up to the names");
  let mut pieces = Vec::with_capacity(lengths.len());
  if joined.is_ascii() {
    let mut at = 0usize;
    for &length in lengths {
      let end = at + length as usize;
      pieces.push(joined.get(at..end).ok_or_else(bad)?);
      at = end;
    }
    return if at == joined.len() {
      Ok(pieces)
    } else {
      Err(bad())
    };
  }
  let mut chars = joined.char_indices();
  let mut at = 0usize;
  for &length in lengths {
    let mut units = 0u32;
    let mut end = at;
    while units < length {
      let (i, c) = chars.next().ok_or_else(bad)?;
      units += c.len_utf16() as u32;
      end = i + c.len_utf8();
    }
    if units != length {
      return Err(bad());
    }
    pieces.push(&joined[at..end]);
    at = end;
  }
  if at == joined.len() {
    Ok(pieces)
  } else {
    Err(bad())
  }
}

/// Removes every present id of `ids`; returns how many were.
#[napi]
pub fn sorted_set_remove_many(handle: u32, ids: &[u32]) -> Result<u32> {
  with_set(handle, |set| set.remove_many(ids) as u32)
}

/// Gives the entries of rank `from[i]` rank `to[i]`; throws if that would reorder ranks.
#[napi]
pub fn sorted_set_remap_ranks(handle: u32, from: &[u32], to: &[u32]) -> Result<()> {
  if from.len() != to.len() {
    return Err(Error::new(Status::InvalidArg, "from and to differ in length"));
  }
  with_set(handle, |set| set.remap_ranks(from, to))?.map_err(refused)
}

#[napi]
pub fn sorted_set_heap_bytes(handle: u32) -> Result<f64> {
  with_set(handle, |set| set.heap_bytes_excluding_names() as f64)
}
