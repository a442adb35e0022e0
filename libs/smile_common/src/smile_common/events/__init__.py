"""Events: envelope and payloads, outbox, relay, inbox-based consumers, in-process bus and RabbitMQ."""

from smile_common.events.bus import Bus, InMemoryBus, Publisher, topic_matches
from smile_common.events.consumer import Consumer, Outcome
from smile_common.events.envelope import EVENT_TYPES, Envelope, EventPayload, is_retained, new_envelope
from smile_common.events.outbox import Outbox
from smile_common.events.rabbitmq import RabbitMQBus
from smile_common.events.relay import OutboxRelay
from smile_common.events.tables import MessagingTables, messaging_tables

__all__ = [
    "EVENT_TYPES",
    "Bus",
    "Consumer",
    "Envelope",
    "EventPayload",
    "InMemoryBus",
    "MessagingTables",
    "Outbox",
    "OutboxRelay",
    "Outcome",
    "Publisher",
    "RabbitMQBus",
    "is_retained",
    "messaging_tables",
    "new_envelope",
    "topic_matches",
]
