"""Reads a connection's WebSocket messages as discord.py does with zstandard installed.

discord.py (discord/utils.py, _ZstdDecompressionContext) keeps one
``zstandard.ZstdDecompressor().decompressobj()`` per connection and expects each message it
feeds it to decompress to one whole gateway payload.

stdin: JSON {"connections": [[hex of each binary message, in order], ...]}.
stdout: JSON {"decoded": [[hex of what each message decompressed to], ...],
"second_frame_refused": whether a decompressobj refuses a second zstd frame}. That refusal
is why a connection's stream must be one zstd frame that never ends.
"""
import json
import sys

from zstandard import ZstdCompressor, ZstdDecompressor, ZstdError


def read_connection(messages):
    decompressor = ZstdDecompressor().decompressobj()
    return [decompressor.decompress(bytes.fromhex(m)).hex() for m in messages]


def second_frame_refused():
    compressor = ZstdCompressor()
    decompressor = ZstdDecompressor().decompressobj()
    decompressor.decompress(compressor.compress(b'{"op":10}'))
    try:
        decompressor.decompress(compressor.compress(b'{"op":11}'))
    except ZstdError:
        return True
    return False


def main():
    request = json.load(sys.stdin)
    decoded = [read_connection(c) for c in request["connections"]]
    json.dump({"decoded": decoded, "second_frame_refused": second_frame_refused()}, sys.stdout)


main()
