import { ExperimentList } from "@/components/experiments/experiment-list";

export default function ExperimentsPage() {
  return <ExperimentList />;
}
