import { headers } from "next/headers";
import { requestUser } from "@/lib/auth";
import { roleCan } from "@/lib/protocol";
import { SettingsPage } from "@/components/settings/settings-page";

export const dynamic = "force-dynamic";

/** Admins only: accounts and model connections (the API refuses everyone else too). */
export default async function Page() {
  const user = requestUser(await headers());
  if (!user || !roleCan(user.role, "admin")) {
    return (
      <main className="notice" data-testid="settings-forbidden">
        Settings are for admins. Your role is {user?.role ?? "none"}.
      </main>
    );
  }
  return <SettingsPage localUser={Boolean(user.local)} />;
}
