/**
 * `hintlab users add|list|role|link|password|remove`: accounts of a shared server, run on the
 * server machine (it writes the database directly, so it needs no account itself). `add` prints a
 * one-time sign-in link, or sets a password read from stdin with --password.
 */
import { parseArgs } from "node:util";
import { readAuthConfig, UserStore } from "@/lib/auth";
import { defaultDbPath, openDb } from "@/lib/db";
import { describeZodError, PasswordSchema, RoleSchema, UserNameSchema, ROLES } from "@/lib/protocol";

export const USERS_USAGE = `usage: hintlab users <command> [options]

  add NAME --role ROLE [--password]   create an account (ROLE: ${ROLES.join(", ")}); prints a one-time
                                      sign-in link, or with --password reads the password from stdin
  list                                accounts as JSON
  role NAME ROLE                      change a role
  link NAME                           a new one-time sign-in link (older ones stop working)
  password NAME                       set a password read from stdin (signs the user out elsewhere)
  remove NAME                         delete an account and its sessions

  --db FILE    database (default HINTLAB_DB, else ./data/hintlab.db)
  --url URL    the address users open, for links (default HINTLAB_PUBLIC_URL, else http://HINTLAB_HOST:HINTLAB_PORT)

The first account ends the automatic sign-in of the local user: make it an admin. Links last a day.`;

export async function runUsers(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: { role: { type: "string" }, password: { type: "boolean" }, db: { type: "string" }, url: { type: "string" }, help: { type: "boolean", short: "h" } },
    }));
  } catch (e) {
    return usage((e as Error).message);
  }
  if (values.help) {
    process.stdout.write(USERS_USAGE + "\n");
    return 0;
  }
  const [sub, name, arg] = positionals;
  const db = openDb(typeof values.db === "string" ? values.db : defaultDbPath());
  const store = new UserStore(db);
  const find = () => {
    const user = name ? store.byName(name) : undefined;
    if (!user) throw new Error(name ? `there is no user "${name}" (hintlab users list shows them)` : "give the user's NAME");
    return user;
  };
  try {
    switch (sub) {
      case "add": {
        const parsedName = UserNameSchema.safeParse(name ?? "");
        if (!parsedName.success) return usage(describeZodError(parsedName.error));
        const role = RoleSchema.safeParse(values.role);
        if (!role.success) return usage(`--role must be one of ${ROLES.join(", ")}`);
        const password = values.password ? await readPassword() : undefined;
        const firstAccount = store.count() === 0;
        const user = await store.create(parsedName.data, role.data, password);
        const result: Record<string, unknown> = { user };
        if (!password) result.link = linkFor(store.createSignInLink(user.id), values.url as string | undefined);
        process.stdout.write(JSON.stringify(result) + "\n");
        if (firstAccount) {
          process.stderr.write(
            "hintlab users: this is the first account, so the local user is no longer signed in automatically: every page now asks to sign in." +
              (role.data === "admin" ? "\n" : ` Make sure an admin exists (hintlab users add NAME --role admin).\n`),
          );
        }
        if (!password) process.stderr.write("hintlab users: the link signs in once and expires in 24 h; send it over a private channel.\n");
        return 0;
      }
      case "list":
        process.stdout.write(JSON.stringify(store.list()) + "\n");
        return 0;
      case "role": {
        const role = RoleSchema.safeParse(arg);
        if (!role.success) return usage(`ROLE must be one of ${ROLES.join(", ")}`);
        process.stdout.write(JSON.stringify(store.setRole(find().id, role.data)) + "\n");
        return 0;
      }
      case "link":
        process.stdout.write(JSON.stringify({ link: linkFor(store.createSignInLink(find().id), values.url as string | undefined) }) + "\n");
        return 0;
      case "password":
        await store.setPassword(find().id, await readPassword());
        process.stderr.write(`hintlab users: password of "${name}" set\n`);
        return 0;
      case "remove":
        store.remove(find().id);
        process.stderr.write(`hintlab users: "${name}" removed\n`);
        return 0;
      default:
        return usage(sub ? `unknown users command "${sub}"` : "give a users command");
    }
  } catch (e) {
    process.stderr.write(`hintlab users: ${(e as Error).message}\n`);
    return 1;
  } finally {
    db.close();
  }
}

function linkFor(token: string, url: string | undefined): string {
  const config = readAuthConfig();
  const host = ["0.0.0.0", "::", "[::]"].includes(config.bindHost) ? "localhost" : config.bindHost;
  const base = (url ?? process.env.HINTLAB_PUBLIC_URL ?? `http://${host}:${process.env.HINTLAB_PORT ?? "3000"}`).replace(/\/+$/, "");
  return `${base}/signin?token=${encodeURIComponent(token)}`;
}

/** The password is the first line of stdin (never an argument: those end up in shell history and `ps`). */
async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write("password (then Enter): ");
  let text = "";
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes("\n")) break;
  }
  const password = text.split(/\r?\n/)[0] ?? "";
  const parsed = PasswordSchema.safeParse(password);
  if (!parsed.success) throw new Error(describeZodError(parsed.error));
  return password;
}

function usage(message: string): number {
  process.stderr.write(`hintlab users: ${message}\n${USERS_USAGE}\n`);
  return 2;
}
