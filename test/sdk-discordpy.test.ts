/**
 * discord.py from PyPI (pinned in test/sdk/discordpy/requirements*.txt) against the binary:
 * see sdk/scenario.ts. Twice: as installed, it asks for zlib-stream; with zstandard also
 * installed, it asks for zstd-stream and reads every frame with one zstandard decompressobj.
 */
import { discordPyCommand } from "./sdk/prepare.ts";
import { sdkConformance } from "./sdk/scenario.ts";

sdkConformance({ name: "discord.py 2.7.1", command: () => discordPyCommand(), compress: "zlib-stream" });
sdkConformance({ name: "discord.py 2.7.1 with zstandard 0.25.0", command: () => discordPyCommand(true), compress: "zstd-stream" });
