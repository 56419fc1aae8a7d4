import { ExperimentList } from "@/components/experiments/experiment-list";

export default async function ExperimentsPage({ searchParams }: { searchParams: Promise<{ dataset?: string | string[] }> }) {
  const { dataset } = await searchParams;
  return <ExperimentList datasetId={typeof dataset === "string" ? dataset : undefined} />;
}
