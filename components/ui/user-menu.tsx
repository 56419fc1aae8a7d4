"use client";
import { useUser } from "./session";

/** Who is signed in, with what role, and Sign out (not for the automatic local user: there is nobody else to be). */
export function UserMenu() {
  const user = useUser();
  if (!user) return null;
  const signOut = async () => {
    await fetch("/api/auth/signout", { method: "POST" });
    window.location.href = "/signin";
  };
  return (
    <span className="user-menu small" data-testid="user-menu">
      <span data-testid="user-name">{user.name}</span> <span className="muted">({user.role})</span>
      {!user.local && (
        <button type="button" className="link" data-testid="sign-out" onClick={signOut}>
          Sign out
        </button>
      )}
    </span>
  );
}
