import { QueuePage } from "@/components/queues/queue-page";

export default async function QueueDetailPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <QueuePage id={decodeURIComponent(id)} />;
}
