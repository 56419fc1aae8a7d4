import { SweepPage } from "@/components/sweeps/sweep-page";

export default async function SweepRoute({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <SweepPage id={decodeURIComponent(id)} />;
}
