import { users } from '../db/core.schema';
import type { Tx } from '../db/client';
import type { Role } from '../roles';

export interface Person {
  openId: string;
  name: string | null;
  role: Role | null;
}

/**
 * The department as the SLA engine sees it: who holds which role (a user without a bound role
 * counts as DEFAULT_ROLE, as loadActor does). Small: read once per sweep or transition.
 */
export class People {
  private readonly byRole = new Map<string, Person[]>();
  readonly byId = new Map<string, Person>();

  constructor(list: Person[]) {
    for (const p of list) {
      this.byId.set(p.openId, p);
      if (p.role) this.byRole.set(p.role, [...(this.byRole.get(p.role) ?? []), p]);
    }
  }

  static async load(tx: Tx, defaultRole: Role | 'none'): Promise<People> {
    const rows = await tx.select({ openId: users.openId, name: users.name, role: users.role }).from(users);
    return new People(rows.map((r) => ({ openId: r.openId, name: r.name, role: (r.role ?? (defaultRole === 'none' ? null : defaultRole)) as Role | null })));
  }

  withRole(role: string): string[] {
    return (this.byRole.get(role) ?? []).map((p) => p.openId);
  }

  name(openId: string): string {
    return this.byId.get(openId)?.name ?? openId;
  }

  /** The people a deadline belongs to: its owner, or everyone holding its role. */
  owners(d: { ownerOpenId: string | null; ownerRole: string | null }): string[] {
    if (d.ownerOpenId) return [d.ownerOpenId];
    return d.ownerRole ? this.withRole(d.ownerRole) : [];
  }

  get all(): Person[] {
    return [...this.byId.values()];
  }
}
