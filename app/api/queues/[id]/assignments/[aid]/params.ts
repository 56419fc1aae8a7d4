import { roleCan, type PublicUser } from "@/lib/protocol";

export type AssignmentParams = { params: Promise<{ id: string; aid: string }> };

/** Who reads: an assignment is its annotator's; researchers may look at anyone's. */
export const viewer = (user: PublicUser) => ({ name: user.name, researcher: roleCan(user.role, "run") });
