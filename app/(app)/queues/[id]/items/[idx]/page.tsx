import { AdjudicatePage } from "@/components/queues/adjudicate-page";

export default async function QueueItemPage({ params }: { params: Promise<{ id: string; idx: string }> }) {
  const { id, idx } = await params;
  return <AdjudicatePage id={decodeURIComponent(id)} idx={Number(idx)} />;
}
