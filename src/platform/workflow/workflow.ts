/**
 * Workflows as data (ARCHITECTURE §3): states, the events allowed in each, who may fire them,
 * and the deadline rules each state (or event) starts. `transition()` is pure: it decides, the
 * service in ./apply.ts applies. Definitions are checked once, when the module loads, so a typo in
 * a target state fails at start-up rather than on the first click.
 */
import { ROLE_KEYS, type Role } from '../roles';
import type { Clock, Duration } from '../sla/calendar';

/** Who may fire an event: a department role, the record's owner, or an admin (ADMIN_OPEN_IDS). */
export type Party = Role | 'owner' | 'admin';

/**
 * "Step X is due within D, counted from a named anchor" (SPEC §3).
 * - target: reminder time (warning); limit: hard limit (breach + escalation). At least one.
 * - anchor: a time the caller supplies by name (demo date, due date …); default = the transition.
 * - before: due `target`/`limit` BEFORE the anchor (demo prep 2 working days before the demo).
 * - limitAnchor: the hard limit counts from another anchor (contract signed: 2 days after the
 *   draft, but at most 7 days after the negotiation).
 * - until: the rule outlives its state and is met on entering one of these states
 *   (order "whole confirmation" 48 h spans received … customer_confirmed).
 */
export interface DeadlineRule {
  step: string;
  /** Chinese, shown in reminders: '订单评估'. */
  label: string;
  target?: Duration;
  limit?: Duration;
  clock: Clock;
  owner: 'owner' | Role;
  urgent?: boolean;
  anchor?: string;
  limitAnchor?: string;
  before?: boolean;
  until?: readonly string[];
}

export interface EventDef<S extends string = string> {
  to: S;
  roles: readonly Party[];
  /** Data fields that must be present (non-empty) to fire the event. */
  requires?: readonly string[];
  /** Button text; defaults to the event name. */
  label?: string;
  /** Deadlines started by the event itself (an exception logged → respond within 4 h). */
  deadlines?: readonly DeadlineRule[];
  /** Steps this event fulfils without leaving the state (a progress note meets "daily update"). */
  meets?: readonly string[];
  /** The steps left behind are cancelled, not met (CANCEL must not count as on time). */
  cancels?: boolean;
  /** Stop (on hold, waiting for the customer) or restart the subject's clocks; nothing closes or opens. */
  clock?: 'pause' | 'resume';
}

export interface StateDef<S extends string = string, E extends string = string> {
  label: string;
  /** No way out; entering it cancels whatever is still open for the subject. */
  terminal?: boolean;
  deadlines?: readonly DeadlineRule[];
  on?: { readonly [K in E]?: EventDef<S> };
}

export interface WorkflowDef<S extends string = string, E extends string = string> {
  name: string;
  initial: NoInfer<S>;
  states: { readonly [K in S]: StateDef<NoInfer<S>, E> };
  /** Chinese names of data fields, for "还缺少：…" refusals. */
  fieldLabels?: Readonly<Record<string, string>>;
}

export type Workflow<S extends string = string, E extends string = string> = WorkflowDef<S, E> & { readonly __checked: true };

export interface TransitionActor {
  role: Role | null;
  isOwner: boolean;
  isAdmin?: boolean;
}

export type TransitionResult =
  | {
      ok: true;
      from: string;
      to: string;
      event: string;
      at: Date;
      /** Rules to open: the entered state's (unless staying put) and the event's own. */
      enter: DeadlineRule[];
      /** Steps that close: the left state's, `until` rules ending here, the event's `meets`. */
      leave: string[];
      /** How the `leave` steps close. */
      close: 'met' | 'cancelled';
      /** Entering a terminal state: every other open deadline of the subject is cancelled. */
      terminal: boolean;
      clock?: 'pause' | 'resume';
    }
  | { ok: false; code: 'INVALID_TRANSITION' | 'NOT_ALLOWED' | 'MISSING_FIELDS'; missing?: string[] };

const STATE_RE = /^[a-z][a-z0-9_]*$/;
const EVENT_RE = /^[A-Z][A-Z0-9_]*$/;
const PARTIES = new Set<string>([...ROLE_KEYS, 'owner', 'admin']);

/** Checks a workflow once, at definition time; every problem names the workflow and where. */
export function defineWorkflow<const S extends string, const E extends string, const D extends WorkflowDef<S, E>>(def: D & WorkflowDef<S, E>): D & Workflow<S, E> {
  const where = `workflow "${def.name}"`;
  const states = def.states as Record<string, StateDef>;
  const names = Object.keys(states);
  const fail = (msg: string): never => {
    throw new Error(`${where}: ${msg}`);
  };
  if (!(def.initial in states)) fail(`initial state "${def.initial}" is not one of its states (${names.join(', ')}).`);
  for (const [name, state] of Object.entries(states)) {
    if (!STATE_RE.test(name)) fail(`state "${name}" must be lower_snake_case.`);
    const events = Object.entries(state.on ?? {}) as Array<[string, EventDef]>;
    if (state.terminal && events.length) fail(`terminal state "${name}" must not have events (${events.map(([e]) => e).join(', ')}).`);
    checkRules(state.deadlines ?? [], `state "${name}"`, names, fail);
    for (const [event, ev] of events) {
      const at = `state "${name}", event ${event}`;
      if (!EVENT_RE.test(event)) fail(`${at}: event names must be SCREAMING_SNAKE_CASE.`);
      if (!(ev.to in states)) fail(`${at}: unknown target state "${ev.to}"; known states: ${names.join(', ')}.`);
      if (ev.roles.length === 0) fail(`${at}: roles is empty, so nobody could fire it.`);
      for (const r of ev.roles) if (!PARTIES.has(r)) fail(`${at}: unknown role "${r}" (use one of ${[...PARTIES].join(', ')}).`);
      checkRules(ev.deadlines ?? [], at, names, fail);
    }
  }
  return def as D & Workflow<S, E>;
}

function checkRules(rules: readonly DeadlineRule[], at: string, states: string[], fail: (m: string) => never): void {
  const seen = new Set<string>();
  for (const r of rules) {
    const here = `${at}, deadline "${r.step}"`;
    if (seen.has(r.step)) fail(`${here}: step appears twice.`);
    seen.add(r.step);
    if (!r.target && !r.limit) fail(`${here}: needs a target or a limit.`);
    if (!ROLE_KEYS.includes(r.owner as Role) && r.owner !== 'owner') fail(`${here}: unknown owner "${r.owner}".`);
    if (r.before && !r.anchor) fail(`${here}: "before" needs a named anchor (before the transition itself is already past).`);
    for (const d of [r.target, r.limit]) {
      if (!d) continue;
      const amounts = [d.days, d.hours, d.minutes].filter((v) => v !== undefined) as number[];
      if (amounts.some((v) => !Number.isFinite(v))) fail(`${here}: durations must be finite numbers.`);
      if (r.clock === 'working') {
        if (amounts.some((v) => v < 0)) fail(`${here}: working-clock durations must not be negative.`);
        if (d.days !== undefined && !Number.isInteger(d.days)) fail(`${here}: working days must be whole days.`);
        if (r.before && (d.hours || d.minutes)) fail(`${here}: "before" on the working clock counts whole working days only.`);
      }
    }
    for (const s of r.until ?? []) if (!states.includes(s)) fail(`${here}: "until" names unknown state "${s}".`);
  }
}

const can = (roles: readonly Party[], a: TransitionActor) =>
  roles.some((r) => (r === 'owner' ? a.isOwner : r === 'admin' ? a.isAdmin === true : r === a.role));

const present = (v: unknown) => v !== undefined && v !== null && !(typeof v === 'string' && v.trim() === '');

/** Decides a transition; touches nothing. */
export function transition(
  wf: Workflow,
  state: string,
  event: string,
  opts: { now: Date; actor: TransitionActor; data?: Readonly<Record<string, unknown>> },
): TransitionResult {
  const ev = wf.states[state]?.on?.[event];
  if (!ev) return { ok: false, code: 'INVALID_TRANSITION' };
  if (!can(ev.roles, opts.actor)) return { ok: false, code: 'NOT_ALLOWED' };
  const missing = (ev.requires ?? []).filter((f) => !present(opts.data?.[f]));
  if (missing.length) return { ok: false, code: 'MISSING_FIELDS', missing };

  const to = ev.to;
  const moves = to !== state && !ev.clock; // staying put or pausing neither closes nor opens the state's rules
  const fromRules = wf.states[state]!.deadlines ?? [];
  const endingHere = Object.values(wf.states as Record<string, StateDef>)
    .flatMap((s) => s.deadlines ?? [])
    .filter((r) => r.until?.includes(to))
    .map((r) => r.step);
  const leave = [
    ...(moves ? fromRules.filter((r) => !r.until).map((r) => r.step) : []),
    ...(ev.clock === 'pause' ? [] : endingHere),
    ...(ev.meets ?? []),
  ];
  return {
    ok: true,
    from: state,
    to,
    event,
    at: opts.now,
    enter: [...(moves ? wf.states[to]!.deadlines ?? [] : []), ...(ev.deadlines ?? [])],
    leave: [...new Set(leave)],
    close: ev.cancels ? 'cancelled' : 'met',
    terminal: wf.states[to]!.terminal === true,
    ...(ev.clock ? { clock: ev.clock } : {}),
  };
}

/** Events this actor may fire now (for showing only the buttons that would work). */
export function availableEvents(wf: Workflow, state: string, actor: TransitionActor): Array<{ event: string; label: string; to: string; requires: readonly string[] }> {
  const on = (wf.states[state]?.on ?? {}) as Record<string, EventDef>;
  return Object.entries(on)
    .filter(([, ev]) => can(ev.roles, actor))
    .map(([event, ev]) => ({ event, label: ev.label ?? event, to: ev.to, requires: ev.requires ?? [] }));
}

/** The Chinese label of a state (falls back to its key). */
export const stateLabel = (wf: Workflow, state: string) => wf.states[state]?.label ?? state;

/** The Chinese label of an event, looked up in the state that offers it (or any state). */
export function eventLabel(wf: Workflow, event: string, state?: string): string {
  const states = Object.values(wf.states as Record<string, StateDef>);
  const ev = (state ? wf.states[state]?.on?.[event] : undefined) ?? states.map((s) => s.on?.[event]).find(Boolean);
  return ev?.label ?? event;
}

/** Every deadline rule a workflow can open (states and events), e.g. for docs and tests. */
export const allRules = (wf: Workflow): DeadlineRule[] =>
  Object.values(wf.states as Record<string, StateDef>).flatMap((s) => [
    ...(s.deadlines ?? []),
    ...Object.values((s.on ?? {}) as Record<string, EventDef>).flatMap((e) => e.deadlines ?? []),
  ]);
