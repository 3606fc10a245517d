"""Reads a connection's WebSocket messages as discord.py does with zstandard installed.

discord.py (discord/utils.py, _ZstdDecompressionContext) keeps one
``zstandard.ZstdDecompressor().decompressobj()`` per connection and expects each message it
feeds it to decompress to one whole gateway payload.

stdin: JSON {"connections": [[hex of each binary message, in order], ...]}.
stdout: JSON {"decoded": [[hex of what each message decompressed to], ...]}.
"""
import json
import sys

from zstandard import ZstdDecompressor


def read_connection(messages):
    decompressor = ZstdDecompressor().decompressobj()
    return [decompressor.decompress(bytes.fromhex(m)).hex() for m in messages]


def main():
    request = json.load(sys.stdin)
    json.dump({"decoded": [read_connection(c) for c in request["connections"]]}, sys.stdout)


main()
