import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { requestUser } from "@/lib/auth";
import { SignInForm } from "@/components/auth/sign-in-form";

export const dynamic = "force-dynamic";

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ token?: string }> }) {
  const { token } = await searchParams;
  // Already signed in (or the loopback local user): nothing to do here, unless a link is being used.
  if (!token && requestUser(await headers())) redirect("/");
  return <SignInForm token={token} />;
}
