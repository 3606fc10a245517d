// discordgo, unpatched, against guildgate: the SDK side of test/sdk-discordgo.test.ts.
//
// Only discordgo's own base-URL settings point it at guildgate (see the README): its
// endpoints are exported variables, each computed from EndpointAPI when the package loads,
// so every one the program uses is set again. The gateway URL comes from GET /gateway.
//
// Environment: GUILDGATE_API (http://host:port/api), GUILDGATE_TOKEN. Writes one JSON object
// per line on stdout for what it sees, and reads one command per line on stdin (see
// test/sdk/scenario.ts for both).
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/bwmarrin/discordgo"
)

var stdout sync.Mutex

func emit(event string, fields map[string]any) {
	line := map[string]any{"event": event}
	for k, v := range fields {
		line[k] = v
	}
	b, err := json.Marshal(line)
	if err != nil {
		panic(err)
	}
	stdout.Lock()
	defer stdout.Unlock()
	fmt.Println(string(b))
}

func pointAt(api string) {
	discordgo.EndpointAPI = api + "/v" + discordgo.APIVersion + "/"
	discordgo.EndpointGuilds = discordgo.EndpointAPI + "guilds/"
	discordgo.EndpointChannels = discordgo.EndpointAPI + "channels/"
	discordgo.EndpointUsers = discordgo.EndpointAPI + "users/"
	discordgo.EndpointWebhooks = discordgo.EndpointAPI + "webhooks/"
	discordgo.EndpointGateway = discordgo.EndpointAPI + "gateway"
	discordgo.EndpointGatewayBot = discordgo.EndpointGateway + "/bot"
	discordgo.EndpointApplications = discordgo.EndpointAPI + "applications"
	discordgo.EndpointOAuth2 = discordgo.EndpointAPI + "oauth2/"
	discordgo.EndpointOAuth2Applications = discordgo.EndpointOAuth2 + "applications"
}

// snapshot is the guild as discordgo's state cache holds it.
func snapshot(s *discordgo.Session, guildID string) map[string]any {
	g, err := s.State.Guild(guildID)
	if err != nil {
		return map[string]any{"id": guildID, "error": err.Error()}
	}
	s.State.RLock()
	defer s.State.RUnlock()
	var channels, roles, members []string
	for _, c := range g.Channels {
		channels = append(channels, c.ID)
	}
	for _, r := range g.Roles {
		roles = append(roles, r.ID)
	}
	for _, m := range g.Members {
		members = append(members, m.User.ID)
	}
	sort.Strings(channels)
	sort.Strings(roles)
	sort.Strings(members)
	return map[string]any{"id": g.ID, "name": g.Name, "channels": channels, "roles": roles, "members": members}
}

// answer handles an interaction as the scenario asks: /echo defers, then edits its original
// response; typing echo's text is answered with two words that start with what is typed; the
// card's button edits the card.
func answer(s *discordgo.Session, i *discordgo.InteractionCreate) error {
	switch i.Type {
	case discordgo.InteractionApplicationCommandAutocomplete:
		current := i.ApplicationCommandData().Options[0].StringValue()
		emit("autocomplete", map[string]any{"id": i.ID, "current": current, "user_id": i.Member.User.ID})
		choices := []*discordgo.ApplicationCommandOptionChoice{{Name: current + "llo", Value: current + "llo"}, {Name: current + "lp", Value: current + "lp"}}
		return s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionApplicationCommandAutocompleteResult, Data: &discordgo.InteractionResponseData{Choices: choices}})
	case discordgo.InteractionApplicationCommand:
		data := i.ApplicationCommandData()
		emit("interaction", map[string]any{"id": i.ID, "name": data.Name, "user_id": i.Member.User.ID})
		if err := s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}); err != nil {
			return err
		}
		content := "echo: " + data.Options[0].StringValue()
		m, err := s.InteractionResponseEdit(i.Interaction, &discordgo.WebhookEdit{Content: &content})
		if err != nil {
			return err
		}
		emit("answered", map[string]any{"id": i.ID, "message_id": m.ID, "content": m.Content})
	case discordgo.InteractionMessageComponent:
		update := &discordgo.InteractionResponseData{Content: "pressed", Components: []discordgo.MessageComponent{}}
		if err := s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseUpdateMessage, Data: update}); err != nil {
			return err
		}
		emit("pressed", map[string]any{"message_id": i.Message.ID, "user_id": i.Member.User.ID})
	}
	return nil
}

// listed is each command's id, name and type, as the registry answered.
func listed(commands []*discordgo.ApplicationCommand) []map[string]any {
	out := []map[string]any{}
	for _, c := range commands {
		out = append(out, map[string]any{"id": c.ID, "name": c.Name, "type": int(c.Type)})
	}
	return out
}

func run(s *discordgo.Session, command map[string]string) error {
	switch command["cmd"] {
	case "send":
		m, err := s.ChannelMessageSend(command["channel_id"], command["content"])
		if err != nil {
			return err
		}
		emit("sent", map[string]any{"id": m.ID})
	case "dm":
		channel, err := s.UserChannelCreate(command["user_id"])
		if err != nil {
			return err
		}
		m, err := s.ChannelMessageSend(channel.ID, command["content"])
		if err != nil {
			return err
		}
		emit("dm_sent", map[string]any{"id": m.ID, "channel_id": channel.ID})
	case "workout":
		channelID := command["channel_id"]
		file := &discordgo.File{Name: "hello.txt", ContentType: "text/plain", Reader: strings.NewReader("hello file")}
		m, err := s.ChannelMessageSendComplex(channelID, &discordgo.MessageSend{Content: "workout", Files: []*discordgo.File{file}})
		if err != nil {
			return err
		}
		response, err := s.Client.Get(m.Attachments[0].URL)
		if err != nil {
			return err
		}
		attached, err := io.ReadAll(response.Body)
		response.Body.Close()
		if err != nil {
			return err
		}
		edited, err := s.ChannelMessageEdit(channelID, m.ID, "workout edited")
		if err != nil {
			return err
		}
		if err := s.MessageReactionAdd(channelID, m.ID, "👍"); err != nil {
			return err
		}
		if err := s.ChannelMessagePin(channelID, m.ID); err != nil {
			return err
		}
		messages, err := s.ChannelMessages(channelID, 50, "", "", "")
		if err != nil {
			return err
		}
		history := []string{}
		for _, each := range messages {
			history = append(history, each.ID)
		}
		if err := s.ChannelMessageDelete(channelID, m.ID); err != nil {
			return err
		}
		emit("workout", map[string]any{"id": m.ID, "edited": edited.Content, "history": history, "attachment": m.Attachments[0].URL, "attached": string(attached)})
	case "commands":
		appID := s.State.User.ID
		global, err := s.ApplicationCommandBulkOverwrite(appID, "", []*discordgo.ApplicationCommand{
			{Name: "echo", Description: "Echoes", Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionString, Name: "text", Description: "What to echo", Required: true, Autocomplete: true},
			}},
			{Type: discordgo.UserApplicationCommand, Name: "Inspect"},
		})
		if err != nil {
			return err
		}
		local, err := s.ApplicationCommandBulkOverwrite(appID, command["guild_id"], []*discordgo.ApplicationCommand{{Name: "local", Description: "Only here"}})
		if err != nil {
			return err
		}
		emit("commands", map[string]any{"global": listed(global), "guild": listed(local)})
	case "card":
		press := discordgo.Button{Label: "Press", CustomID: "press", Style: discordgo.PrimaryButton}
		m, err := s.ChannelMessageSendComplex(command["channel_id"], &discordgo.MessageSend{
			Embeds:     []*discordgo.MessageEmbed{{Title: "A card", Description: "with a button"}},
			Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{press}}},
			Reference:  &discordgo.MessageReference{MessageID: command["message_id"], ChannelID: command["channel_id"]},
		})
		if err != nil {
			return err
		}
		emit("card", map[string]any{"id": m.ID})
	case "thread":
		thread, err := s.ThreadStart(command["channel_id"], "sdk thread", discordgo.ChannelTypeGuildPublicThread, 60)
		if err != nil {
			return err
		}
		m, err := s.ChannelMessageSend(thread.ID, "in the thread")
		if err != nil {
			return err
		}
		archive := true
		archived, err := s.ChannelEditComplex(thread.ID, &discordgo.ChannelEdit{Archived: &archive})
		if err != nil {
			return err
		}
		emit("thread", map[string]any{"id": thread.ID, "parent_id": thread.ParentID, "sent": m.ID, "archived": archived.ThreadMetadata.Archived})
	case "guild":
		emit("guild", snapshot(s, command["guild_id"]))
	case "presence":
		activity := &discordgo.Activity{Name: command["activity"], Type: discordgo.ActivityTypeGame}
		if err := s.UpdateStatusComplex(discordgo.UpdateStatusData{Status: command["status"], Activities: []*discordgo.Activity{activity}}); err != nil {
			return err
		}
		emit("presence_sent", nil)
	default:
		return fmt.Errorf("unknown command %q", command["cmd"])
	}
	return nil
}

func main() {
	pointAt(os.Getenv("GUILDGATE_API"))
	s, err := discordgo.New("Bot " + os.Getenv("GUILDGATE_TOKEN"))
	if err != nil {
		panic(err)
	}
	s.Identify.Intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMembers | discordgo.IntentsGuildMessages | discordgo.IntentsGuildMessageReactions | discordgo.IntentsDirectMessages | discordgo.IntentMessageContent
	// Handlers run one at a time, in the order events arrive (by default each runs in its own goroutine).
	s.SyncEvents = true

	// "ready" once every guild READY listed has come with its GUILD_CREATE.
	var guildIDs []string
	pending := map[string]bool{}
	readied := false
	s.AddHandler(func(s *discordgo.Session, e *discordgo.Event) {
		if e.Type == "READY" || e.Type == "RESUMED" {
			emit("dispatch", map[string]any{"t": e.Type})
		}
	})
	s.AddHandler(func(s *discordgo.Session, r *discordgo.Ready) {
		for _, g := range r.Guilds {
			guildIDs = append(guildIDs, g.ID)
			pending[g.ID] = true
		}
	})
	s.AddHandler(func(s *discordgo.Session, g *discordgo.GuildCreate) {
		delete(pending, g.ID)
		if readied || len(pending) > 0 {
			return
		}
		readied = true
		var guilds []map[string]any
		for _, id := range guildIDs {
			guilds = append(guilds, snapshot(s, id))
		}
		emit("ready", map[string]any{"user_id": s.State.User.ID, "guilds": guilds})
	})
	s.AddHandler(func(s *discordgo.Session, m *discordgo.MessageCreate) {
		emit("message", map[string]any{"id": m.ID, "channel_id": m.ChannelID, "author_id": m.Author.ID, "content": m.Content})
	})
	s.AddHandler(func(s *discordgo.Session, m *discordgo.MessageUpdate) {
		emit("message_edit", map[string]any{"id": m.ID, "content": m.Content})
	})
	s.AddHandler(func(s *discordgo.Session, r *discordgo.MessageReactionAdd) {
		emit("reaction_add", map[string]any{"message_id": r.MessageID, "user_id": r.UserID, "emoji": r.Emoji.Name})
	})
	s.AddHandler(func(s *discordgo.Session, m *discordgo.MessageDelete) {
		emit("message_delete", map[string]any{"id": m.ID})
	})
	s.AddHandler(func(s *discordgo.Session, p *discordgo.ChannelPinsUpdate) {
		emit("pins_update", map[string]any{"channel_id": p.ChannelID, "pinned": p.LastPinTimestamp != ""})
	})
	s.AddHandler(func(s *discordgo.Session, t *discordgo.ThreadCreate) {
		emit("thread_create", map[string]any{"id": t.ID, "parent_id": t.ParentID})
	})
	s.AddHandler(func(s *discordgo.Session, c *discordgo.ChannelCreate) {
		emit("channel_create", map[string]any{"id": c.ID, "name": c.Name, "guild_id": c.GuildID})
	})

	s.AddHandler(func(s *discordgo.Session, i *discordgo.InteractionCreate) {
		if err := answer(s, i); err != nil {
			emit("error", map[string]any{"message": err.Error()})
		}
	})

	if err := s.Open(); err != nil {
		emit("error", map[string]any{"message": err.Error()})
		os.Exit(1)
	}
	lines := bufio.NewScanner(os.Stdin)
	for lines.Scan() {
		var command map[string]string
		if err := json.Unmarshal(lines.Bytes(), &command); err != nil {
			emit("error", map[string]any{"message": err.Error()})
			continue
		}
		if command["cmd"] == "quit" {
			break
		}
		if err := run(s, command); err != nil {
			emit("error", map[string]any{"message": err.Error()})
		}
	}
	s.Close()
}
