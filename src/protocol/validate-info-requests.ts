/**
 * Validators for the documented requests for guild data guildgate has little of: op 31
 * REQUEST_SOUNDBOARD_SOUNDS and op 43 REQUEST_CHANNEL_INFO (Discord docs, events/
 * gateway-events). Shape errors close with 4002 naming the field, as for every op; ids sent
 * as JSON numbers become strings.
 */
import { readArray, readObject, readSnowflake, readString } from "./fields.ts";
import type { RequestChannelInfoData, RequestSoundboardSoundsData } from "./payloads.ts";

/** Op 31: `{guild_ids: [snowflake]}`. */
export function validateRequestSoundboardSounds(d: unknown): RequestSoundboardSoundsData {
  const o = readObject(d, "d");
  const ids = readArray(o.guild_ids, "d.guild_ids");
  return { guild_ids: ids.map((id, i) => readSnowflake(id, `d.guild_ids[${i}]`)) };
}

/** Op 43: `{guild_id: snowflake, fields: [string]}`. */
export function validateRequestChannelInfo(d: unknown): RequestChannelInfoData {
  const o = readObject(d, "d");
  const guildId = readSnowflake(o.guild_id, "d.guild_id");
  const fields = readArray(o.fields, "d.fields").map((field, i) => readString(field, `d.fields[${i}]`));
  return { guild_id: guildId, fields };
}
