"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { NextAnswerSchema } from "@/lib/protocol";
import { call, queuePath, workHref } from "./api";

/** "Next" in a queue: lease the annotator's next item and open it, or say why there is none. */
export function useQueueNext(queueId: string) {
  const router = useRouter();
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const next = async () => {
    setBusy(true);
    setMessage(null);
    try {
      const answer = await call(`${queuePath(queueId)}/next`, NextAnswerSchema, "POST");
      if ("assignment" in answer) router.push(workHref(queueId, answer.assignment.id));
      else setMessage(answer.message);
    } catch (e) {
      setMessage((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return { next, message, busy };
}
