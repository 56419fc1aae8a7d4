"use client";
import { useState, type FormEvent } from "react";
import { ApiErrorBodySchema } from "@/lib/protocol";

/**
 * Sign in with a name and password, or with a one-time link (`/signin?token=…`): the token is
 * posted only when the user presses the button, so a link preview or prefetch cannot spend it.
 */
export function SignInForm({ token }: { token?: string }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (body: Record<string, string>) => {
    setBusy(true);
    setError(null);
    try {
      const res = await fetch("/api/auth/signin", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      if (res.ok) {
        window.location.href = "/";
        return;
      }
      const parsed = ApiErrorBodySchema.safeParse(await res.json().catch(() => null));
      setError(parsed.success ? parsed.data.error.message : `sign-in failed (HTTP ${res.status})`);
    } catch {
      setError("the server did not answer; is hintlab running?");
    } finally {
      setBusy(false);
    }
  };

  const onPassword = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    void submit({ name: String(form.get("name") ?? ""), password: String(form.get("password") ?? "") });
  };

  return (
    <main>
      {token ? (
        <div className="signin" data-testid="signin-link">
          <h2>Sign in to hintlab</h2>
          <p className="small">This one-time link signs you in once; it stops working after it is used or after a day.</p>
          <button type="button" data-testid="signin-link-button" disabled={busy} onClick={() => void submit({ token })}>
            Sign in
          </button>
          {error && <p className="error" data-testid="signin-error">{error}</p>}
        </div>
      ) : (
        <form className="signin" data-testid="signin-form" onSubmit={onPassword}>
          <h2>Sign in to hintlab</h2>
          <label>
            Name
            <input name="name" autoComplete="username" data-testid="signin-name" required />
          </label>
          <label>
            Password
            <input name="password" type="password" autoComplete="current-password" data-testid="signin-password" required />
          </label>
          <button type="submit" data-testid="signin-submit" disabled={busy}>
            Sign in
          </button>
          {error && <p className="error" data-testid="signin-error">{error}</p>}
          <p className="muted small">No account? An admin creates one with <code>npx hintlab users add NAME --role ROLE</code>, which prints a sign-in link.</p>
        </form>
      )}
    </main>
  );
}
