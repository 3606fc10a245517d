//! zstd-stream with shared frames: each gateway message is coded as zstd blocks
//! that depend on nothing sent before them, so the same bytes can be appended
//! to every connection's stream, whatever each connection received earlier.
//!
//! A connection's stream is one zstd frame (RFC 8878) that never ends: a frame
//! header (`HEADER`), then each message as whole blocks. A decoder that is fed
//! one message at a time (discord.py's `zstandard` decompressobj) outputs each
//! message whole, since a block is output as soon as it is complete.
//!
//! What could tie a block to earlier ones, and how it is avoided:
//! - matches: offsets reach back only into the message itself (`matcher`);
//! - repeat offsets: never used, every offset is explicit (`sequences`);
//! - entropy tables: FSE tables for sequences predefined or described in the
//!   block (`fse`: never Repeat_Mode); literals raw, RLE or Huffman with the
//!   tree described in the block (`literals`: never Treeless);
//! - block size: at most 128 KiB of content each, the format's maximum.

mod bits;
mod fse;
mod literals;
mod matcher;
mod sequences;

use matcher::Matcher;

/// The window: 1 MiB (log 20). It bounds match distance, not message size: a
/// larger message still decodes, its matches just never reach further back.
/// Kept at 1 MiB because every client decoder allocates about this much.
pub const WINDOW_LOG: u32 = 20;

/// Largest content of one block (RFC 8878: Block_Maximum_Size, 128 KiB).
pub const BLOCK_MAX: usize = 128 * 1024;

/// The bytes that open a connection's stream: the magic number, a frame header
/// descriptor with no content size, dictionary or checksum, and the window.
pub const HEADER: [u8; 6] = [0x28, 0xB5, 0x2F, 0xFD, 0x00, ((WINDOW_LOG - 10) << 3) as u8];

const RAW_BLOCK: u32 = 0;
const COMPRESSED_BLOCK: u32 = 2;

fn block_header(kind: u32, size: usize, out: &mut Vec<u8>) {
  // Last_Block is never set: the stream goes on for the connection's life.
  let word = (kind << 1) | ((size as u32) << 3);
  out.extend_from_slice(&word.to_le_bytes()[..3]);
}

/// Appends `message` as blocks that decode the same after any earlier blocks.
pub fn encode_message(message: &[u8], out: &mut Vec<u8>) {
  if message.is_empty() {
    block_header(RAW_BLOCK, 0, out);
    return;
  }
  let mut matcher = Matcher::new(1 << WINDOW_LOG, message.len());
  let mut body = Vec::new();
  for start in (0..message.len()).step_by(BLOCK_MAX) {
    let end = (start + BLOCK_MAX).min(message.len());
    let parse = matcher.parse(message, start, end);
    body.clear();
    literals::write_literals(&parse.literals, &mut body);
    sequences::write_sequences(&parse.sequences, &mut body);
    if body.len() < end - start {
      block_header(COMPRESSED_BLOCK, body.len(), out);
      out.extend_from_slice(&body);
    } else {
      block_header(RAW_BLOCK, end - start, out);
      out.extend_from_slice(&message[start..end]);
    }
  }
}

/// `message` as blocks, in a new vector.
pub fn message_blocks(message: &[u8]) -> Vec<u8> {
  let mut out = Vec::with_capacity(message.len() / 2 + 16);
  encode_message(message, &mut out);
  out
}

/// The first bytes of a connection: `HEADER`, then `message` as blocks.
pub fn first_message(message: &[u8]) -> Vec<u8> {
  let mut out = Vec::with_capacity(message.len() / 2 + 16 + HEADER.len());
  out.extend_from_slice(&HEADER);
  encode_message(message, &mut out);
  out
}

#[cfg(test)]
mod tests;
