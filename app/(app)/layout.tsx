import Link from "next/link";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { requestUser } from "@/lib/auth";
import { roleCan } from "@/lib/protocol";
import { SessionProvider } from "@/components/ui/session";
import { UserMenu } from "@/components/ui/user-menu";

// Every page of the app needs a signed-in user (the loopback local user signs in by itself).
export const dynamic = "force-dynamic";

export default async function SignedInLayout({ children }: { children: ReactNode }) {
  const user = requestUser(await headers());
  if (!user) redirect("/signin");
  return (
    <SessionProvider user={user}>
      <header className="topbar">
        <a href="/" className="brand">
          hintlab
        </a>
        <nav className="topnav">
          {roleCan(user.role, "run") && <Link href="/">Playground</Link>}
          <Link href="/traces">Traces</Link>
          <Link href="/queues">Queues</Link>
          <Link href="/experiments">Experiments</Link>
          <Link href="/datasets">Datasets</Link>
          {roleCan(user.role, "admin") && <Link href="/settings">Settings</Link>}
        </nav>
        <span className="muted small">Hint-infer playground · START: Self-taught Reasoner with Tools</span>
        <UserMenu />
      </header>
      {children}
    </SessionProvider>
  );
}
