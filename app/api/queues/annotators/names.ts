import type { PublicUser, Role } from "@/lib/protocol";
import { UserStore } from "@/lib/auth";
import { getDb } from "@/lib/db";

/** Who can be put in a queue: every account; with none yet (loopback), the signed-in local user. */
export function annotatorNames(user: PublicUser): { name: string; role: Role }[] {
  const accounts = new UserStore(getDb()).list().map((u) => ({ name: u.name, role: u.role }));
  return accounts.length ? accounts : [{ name: user.name, role: user.role }];
}
