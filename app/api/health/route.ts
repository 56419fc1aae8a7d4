export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET /api/health: the server is up (no session needed; says nothing else). */
export const GET = () => Response.json({ ok: true });
