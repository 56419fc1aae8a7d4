import { QueueList } from "@/components/queues/queue-list";

export default function QueuesPage() {
  return <QueueList />;
}
