/** discord.py from PyPI (pinned in test/sdk/discordpy/requirements.txt) against the binary: see sdk/scenario.ts. */
import { discordPyCommand } from "./sdk/prepare.ts";
import { sdkConformance } from "./sdk/scenario.ts";

sdkConformance({ name: "discord.py 2.7.1", command: discordPyCommand });
