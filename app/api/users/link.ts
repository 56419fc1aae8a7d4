/** The page a one-time sign-in link opens (the token is posted from there, so link previews cannot spend it). */
export function signInLinkFor(request: Request, token: string): string {
  const url = new URL(request.url);
  const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host") ?? url.host;
  const proto = request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim() ?? url.protocol.replace(":", "");
  return `${proto}://${host}/signin?token=${encodeURIComponent(token)}`;
}
