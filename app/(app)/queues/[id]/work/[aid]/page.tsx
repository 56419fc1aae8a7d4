import { QueueWork } from "@/components/queues/queue-work";

export default async function QueueWorkPage({ params }: { params: Promise<{ id: string; aid: string }> }) {
  const { id, aid } = await params;
  return <QueueWork queueId={decodeURIComponent(id)} assignmentId={decodeURIComponent(aid)} />;
}
