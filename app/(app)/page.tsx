import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { requestUser } from "@/lib/auth";
import { roleCan } from "@/lib/protocol";
import { PlaygroundPage } from "@/components/playground/playground-page";

export const dynamic = "force-dynamic";

export default async function Page() {
  // The playground runs models: annotators start at the trace library instead.
  const user = requestUser(await headers());
  if (user && !roleCan(user.role, "run")) redirect("/traces");
  return <PlaygroundPage />;
}
