"use client";
import { createContext, useContext, type ReactNode } from "react";
import { roleCan, type Capability, type PublicUser } from "@/lib/protocol";

/** The signed-in user, from the server's layout: components hide what the role cannot do (the server refuses it anyway). */
const SessionContext = createContext<PublicUser | null>(null);

export function SessionProvider({ user, children }: { user: PublicUser; children: ReactNode }) {
  return <SessionContext.Provider value={user}>{children}</SessionContext.Provider>;
}

export const useUser = () => useContext(SessionContext);

/** True when the signed-in user's role grants `capability` (true outside a session: tests render components alone). */
export function useCan(capability: Capability): boolean {
  const user = useContext(SessionContext);
  return user ? roleCan(user.role, capability) : true;
}
