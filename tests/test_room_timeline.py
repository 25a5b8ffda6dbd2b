"""The timeline gets notes (`/cre note`) and messages responders mark with :pushpin:."""

from __future__ import annotations

from bot.incidents.timeline import EntryKind
from tests.harness import Harness
from tests.room_kit import opened_room, settle, timeline


async def test_a_note_goes_on_the_timeline(harness: Harness) -> None:
    h = harness
    room = await opened_room(h)
    channel = str(room.channel_id)
    await h.user("U0IDENT1").command(
        "/cre", "note rolled back identity 2.14 <!here>", channel_id=channel
    )
    await settle()
    await h.user("U0IDENT1").command("/cre", "note", channel_id=channel)
    await settle()
    [entry] = await timeline(h, room.id, EntryKind.NOTE)
    assert entry.text == "rolled back identity 2.14 <!here>" and entry.actor == "U0IDENT1"
    assert entry.at == h.clock.now()
    added, usage = h.slack.ephemerals(channel, "U0IDENT1")
    assert f"timeline of incident #{room.number}" in added["text"]
    assert "/cre note &lt;what happened&gt;" in usage["text"]


async def test_a_note_outside_an_incident_channel_is_refused(harness: Harness) -> None:
    h = harness
    await h.user("U0IDENT1").command("/cre", "note hello", channel_id="C0SUPPORT")
    await settle()
    [answer] = h.slack.ephemerals("C0SUPPORT", "U0IDENT1")
    assert "incident's channel" in answer["text"]


async def test_a_pushpinned_message_lands_on_the_timeline_once(harness: Harness) -> None:
    h = harness
    room = await opened_room(h)
    channel = str(room.channel_id)
    await h.user("U0IDENT1").say(channel, "Certificate expired at 09:02, rotating now")
    ts = h.slack.messages(channel)[-1]["ts"]
    h.clock.advance(30)
    await h.user("U0ONCALL1").react(channel, ts, "pushpin")
    await settle()
    # More pins of the same message, two of them at the same moment: still one entry.
    await h.user("U0ONCALL2").react(channel, ts, "pushpin")
    await h.user("U0IDENT2").react(channel, ts, "pushpin")
    await h.user("U0ONCALL2").react(channel, ts, "eyes")  # other reactions are not pins
    await settle()
    [entry] = await timeline(h, room.id, EntryKind.PINNED)
    assert entry.text == "Certificate expired at 09:02, rotating now"
    assert entry.actor == "U0ONCALL1" and entry.source_ref == ts
    assert entry.data["author"] == "U0IDENT1"
    assert entry.data["permalink"].endswith(f"/archives/{channel}/p{ts.replace('.', '')}")


async def test_a_pushpin_outside_an_incident_channel_is_ignored(harness: Harness) -> None:
    h = harness
    room = await opened_room(h)
    await h.user("U0IDENT1").say("C0IDENTITY", "unrelated")
    ts = h.slack.messages("C0IDENTITY")[-1]["ts"]
    await h.user("U0ONCALL1").react("C0IDENTITY", ts, "pushpin")
    await settle()
    assert await timeline(h, room.id, EntryKind.PINNED) == []
