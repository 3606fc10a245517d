"""discord.py, unpatched, against guildgate: the SDK side of test/sdk-discordpy.test.ts.

Only discord.py's own base-URL settings point it at guildgate (see the README):
``discord.http.Route.BASE`` for REST and ``DiscordWebSocket.DEFAULT_GATEWAY`` for the
gateway, which a plain ``discord.Client`` dials (it never asks ``/gateway/bot``).

Environment: GUILDGATE_API (``http://host:port/api``), GUILDGATE_GATEWAY (``ws://host:port``),
GUILDGATE_TOKEN. Writes one JSON object per line on stdout for what it sees, and reads one
command per line on stdin (see test/sdk/scenario.ts for both).
"""

import asyncio
import io
import json
import os
import sys
import threading

import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket

discord.http.Route.BASE = os.environ["GUILDGATE_API"] + "/v10"
DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["GUILDGATE_GATEWAY"] + "/")


def emit(event, **fields):
    print(json.dumps({"event": event, **fields}), flush=True)


def snapshot(guild):
    """The guild as discord.py's cache holds it."""
    return {
        "id": str(guild.id),
        "name": guild.name,
        "channels": sorted(str(c.id) for c in guild.channels),
        "roles": sorted(str(r.id) for r in guild.roles),
        "members": sorted(str(m.id) for m in guild.members),
    }


class Bot(discord.Client):
    async def setup_hook(self):
        threading.Thread(target=read_commands, args=(asyncio.get_running_loop(),), daemon=True).start()


intents = discord.Intents.default()
intents.members = True
intents.message_content = True
client = Bot(intents=intents, guild_ready_timeout=0.5)
tree = app_commands.CommandTree(client)


async def complete_text(interaction: discord.Interaction, current: str):
    """While a user types echo's `text`: two words that start with what is typed so far."""
    emit("autocomplete", id=str(interaction.id), current=current, user_id=str(interaction.user.id))
    return [app_commands.Choice(name=current + ending, value=current + ending) for ending in ("llo", "lp")]


@tree.command(name="echo", description="Echoes")
@app_commands.describe(text="What to echo")
@app_commands.autocomplete(text=complete_text)
async def echo(interaction: discord.Interaction, text: str):
    emit("interaction", id=str(interaction.id), name=interaction.command.name, user_id=str(interaction.user.id))
    await interaction.response.defer()
    message = await interaction.edit_original_response(content="echo: " + text)
    emit("answered", id=str(interaction.id), message_id=str(message.id), content=message.content)


class Card(discord.ui.View):
    """A button under the bot's reply; pressing it edits that message."""

    def __init__(self):
        super().__init__(timeout=None)

    @discord.ui.button(label="Press", custom_id="press")
    async def press(self, interaction: discord.Interaction, button: discord.ui.Button):
        await interaction.response.edit_message(content="pressed", view=None)
        emit("pressed", message_id=str(interaction.message.id), user_id=str(interaction.user.id))


@tree.context_menu(name="Inspect")
async def inspect(interaction: discord.Interaction, user: discord.User):
    await interaction.response.send_message(user.name)


async def local(interaction: discord.Interaction):
    await interaction.response.send_message("local")


def listed(commands):
    return [{"id": str(c.id), "name": c.name, "type": c.type.value} for c in commands]


@client.event
async def on_socket_event_type(event_type):
    if event_type in ("READY", "RESUMED"):
        emit("dispatch", t=event_type)


@client.event
async def on_ready():
    emit("ready", user_id=str(client.user.id), guilds=[snapshot(g) for g in client.guilds])


@client.event
async def on_message(message):
    emit(
        "message",
        id=str(message.id),
        channel_id=str(message.channel.id),
        author_id=str(message.author.id),
        content=message.content,
    )


@client.event
async def on_raw_message_edit(payload):
    emit("message_edit", id=str(payload.message_id), content=payload.data.get("content"))


@client.event
async def on_raw_reaction_add(payload):
    emit("reaction_add", message_id=str(payload.message_id), user_id=str(payload.user_id), emoji=str(payload.emoji))


@client.event
async def on_raw_message_delete(payload):
    emit("message_delete", id=str(payload.message_id))


@client.event
async def on_guild_channel_pins_update(channel, last_pin):
    emit("pins_update", channel_id=str(channel.id), pinned=last_pin is not None)


@client.event
async def on_guild_channel_create(channel):
    emit("channel_create", id=str(channel.id), name=channel.name, guild_id=str(channel.guild.id))


@client.event
async def on_thread_create(thread):
    emit("thread_create", id=str(thread.id), parent_id=str(thread.parent_id))


async def run_command(command):
    kind = command["cmd"]
    if kind == "send":
        message = await client.get_channel(int(command["channel_id"])).send(command["content"])
        emit("sent", id=str(message.id))
    elif kind == "dm":
        channel = await (await client.fetch_user(int(command["user_id"]))).create_dm()
        message = await channel.send(command["content"])
        emit("dm_sent", id=str(message.id), channel_id=str(channel.id))
    elif kind == "workout":
        channel = client.get_channel(int(command["channel_id"]))
        message = await channel.send("workout", file=discord.File(io.BytesIO(b"hello file"), filename="hello.txt"))
        attached = (await message.attachments[0].read()).decode()
        edited = await message.edit(content="workout edited")
        await message.add_reaction("\N{THUMBS UP SIGN}")
        await message.pin()
        history = [str(m.id) async for m in channel.history(limit=50)]
        await message.delete()
        emit("workout", id=str(message.id), edited=edited.content, history=history, attachment=message.attachments[0].url, attached=attached)
    elif kind == "card":
        message = await client.get_channel(int(command["channel_id"])).fetch_message(int(command["message_id"]))
        reply = await message.reply(embed=discord.Embed(title="A card", description="with a button"), view=Card())
        emit("card", id=str(reply.id))
    elif kind == "thread":
        channel = client.get_channel(int(command["channel_id"]))
        thread = await channel.create_thread(name="sdk thread", type=discord.ChannelType.public_thread, auto_archive_duration=60)
        message = await thread.send("in the thread")
        archived = await thread.edit(archived=True)
        emit("thread", id=str(thread.id), parent_id=str(thread.parent_id), sent=str(message.id), archived=archived.archived)
    elif kind == "guild":
        emit("guild", **snapshot(client.get_guild(int(command["guild_id"]))))
    elif kind == "presence":
        await client.change_presence(status=discord.Status(command["status"]), activity=discord.Game(command["activity"]))
        emit("presence_sent")
    elif kind == "commands":
        guild = discord.Object(id=int(command["guild_id"]))
        tree.add_command(app_commands.Command(name="local", description="Only here", callback=local), guild=guild, override=True)
        emit("commands", **{"global": listed(await tree.sync()), "guild": listed(await tree.sync(guild=guild))})
    elif kind == "quit":
        await client.close()


def read_commands(loop):
    """stdin blocks, so it is read on a thread; each command runs on the client's loop."""

    def report(future):
        if future.exception() is not None:
            emit("error", message=repr(future.exception()))

    for line in sys.stdin:
        future = asyncio.run_coroutine_threadsafe(run_command(json.loads(line)), loop)
        future.add_done_callback(report)
    # stdin closed: the test is over.
    asyncio.run_coroutine_threadsafe(client.close(), loop)


client.run(os.environ["GUILDGATE_TOKEN"])
