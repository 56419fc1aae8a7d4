import { DatasetsPage } from "@/components/experiments/datasets-page";

export default function Page() {
  return <DatasetsPage />;
}
