import { Suspense } from "react";
import { NewQueueForm } from "@/components/queues/new-queue-form";

export default function NewQueuePage() {
  return (
    <Suspense>
      <NewQueueForm />
    </Suspense>
  );
}
