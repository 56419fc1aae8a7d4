import { z } from "zod";

/**
 * Accounts and roles. admin ⊇ researcher ⊇ annotator:
 * - annotator: read traces, annotate, edit, review, tag;
 * - researcher: also run models (playground, experiments, sweeps), fork, import, export, delete;
 * - admin: also users, model connections, settings and the Hint-Library.
 */
export const ROLES = ["annotator", "researcher", "admin"] as const;
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

/** What a route needs; each capability is granted from one role upwards. */
export const CAPABILITY_ROLE = { read: "annotator", annotate: "annotator", run: "researcher", admin: "admin" } as const satisfies Record<string, Role>;
export type Capability = keyof typeof CAPABILITY_ROLE;

/** True when `role` may do what `capability` names. */
export function roleCan(role: Role, capability: Capability): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(CAPABILITY_ROLE[capability]);
}

export const UserNameSchema = z
  .string()
  .trim()
  .min(1, "a user name is needed")
  .max(64, "a user name has at most 64 characters")
  .regex(/^[\p{L}\p{N}._@-]+$/u, "a user name may use letters, digits and . _ @ - (no spaces)");

/** A signed-in account as the browser sees it. `local` is the loopback single-user default. */
export const PublicUserSchema = z.object({ id: z.string(), name: z.string(), role: RoleSchema, local: z.boolean().optional() });
export type PublicUser = z.infer<typeof PublicUserSchema>;

/** POST /api/auth/signin: a password, or the token of a one-time sign-in link. */
export const SignInBodySchema = z.union([
  z.object({ name: UserNameSchema, password: z.string().min(1, "type your password").max(1024) }),
  z.object({ token: z.string().min(16).max(200) }),
]);
export type SignInBody = z.infer<typeof SignInBodySchema>;

export const PASSWORD_MIN_LENGTH = 10;
export const PasswordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `a password has at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(1024, "a password has at most 1024 characters");

/** POST /api/users (admin): a new account; answered with a one-time sign-in link unless a password is set. */
export const CreateUserBodySchema = z.object({ name: UserNameSchema, role: RoleSchema, password: PasswordSchema.optional() });
/** PATCH /api/users/:id (admin). */
export const UpdateUserBodySchema = z.object({ role: RoleSchema.optional(), password: PasswordSchema.optional(), newLink: z.boolean().optional() });
/** PUT /api/auth/password: the signed-in user's own password. */
export const OwnPasswordBodySchema = z.object({ current: z.string().max(1024).optional(), password: PasswordSchema });

export const UserListItemSchema = PublicUserSchema.extend({ hasPassword: z.boolean(), createdAt: z.number() });
export type UserListItem = z.infer<typeof UserListItemSchema>;
