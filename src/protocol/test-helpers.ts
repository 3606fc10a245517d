/** Test helper: runs `fn` and returns the `ProtocolError` it throws (fails otherwise). */
import { ProtocolError } from "./close-codes.ts";

export function protocolErrorOf(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProtocolError) return err;
    throw err;
  }
  throw new Error("expected a ProtocolError, but nothing was thrown");
}
