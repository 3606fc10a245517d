/** discordgo from the Go module proxy (pinned in test/sdk/discordgo/go.mod) against the binary: see sdk/scenario.ts. */
import { discordgoCommand } from "./sdk/prepare.ts";
import { sdkConformance } from "./sdk/scenario.ts";

sdkConformance({ name: "discordgo v0.29.0", command: discordgoCommand });
