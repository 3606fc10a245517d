"""Discord's erlpack reads what guildgate writes, and writes what guildgate reads.

stdin: JSON {"unpack": [hex of an ETF term, ...], "pack": [a JSON value, ...]}.
stdout: JSON {"unpacked": [each term as JSON], "packed": [hex of each value packed]}.
Atoms become strings (nil/true/false as erlpack gives them: None/True/False), binaries UTF-8
strings, and integers past 2^53 decimal strings, so JavaScript reads them exactly.
"""
import json
import sys

import erlpack

SAFE = 2**53 - 1


def as_json(term):
    if isinstance(term, dict):
        return {str(as_json(k)): as_json(v) for k, v in term.items()}
    if isinstance(term, (list, tuple)):
        return [as_json(v) for v in term]
    if isinstance(term, bytes):
        return term.decode("utf-8")
    if isinstance(term, bool) or term is None:
        return term
    if isinstance(term, int):
        return term if -SAFE <= term <= SAFE else str(term)
    if isinstance(term, erlpack.Atom):
        return str(term)
    return term


def main():
    request = json.load(sys.stdin)
    unpacked = [as_json(erlpack.unpack(bytes.fromhex(h))) for h in request["unpack"]]
    packed = [erlpack.pack(value).hex() for value in request["pack"]]
    json.dump({"unpacked": unpacked, "packed": packed}, sys.stdout)


main()
