import { TraceDetail } from "@/components/annotate/trace-detail";

export default async function TracePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <TraceDetail id={decodeURIComponent(id)} />;
}
