"use client";

import { EventList } from "@/components/trace/event-list";
import { useHintlab } from "@/lib/store";
import type { TraceEvent } from "@/lib/protocol";

const NONE: TraceEvent[] = [];

export function EventsPanel() {
  const events = useHintlab((s) => s.engine?.events ?? NONE);
  return <EventList events={events} />;
}
