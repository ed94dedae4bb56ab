/**
 * Card JSON 2.0 templates (cards/*.json, paste-able into Feishu's card builder) filled by one
 * function. A string that is exactly "${name}" takes the value as-is (an element list, an
 * object); "${name}" inside longer text is replaced by its text. An array item that becomes
 * an array is spliced in, so templates can hold a slot for a variable number of elements.
 */
export type Card = Record<string, unknown>;
export type CardVars = Record<string, unknown>;

const WHOLE = /^\$\{(\w+)\}$/;
const PART = /\$\{(\w+)\}/g;

export function renderCard(template: unknown, vars: CardVars): Card {
  const missing = new Set<string>();
  const fill = (node: unknown): unknown => {
    if (typeof node === 'string') {
      const whole = WHOLE.exec(node);
      if (whole) {
        if (!(whole[1]! in vars)) missing.add(whole[1]!);
        return vars[whole[1]!];
      }
      return node.replace(PART, (_, k: string) => {
        if (!(k in vars)) missing.add(k);
        return String(vars[k] ?? '');
      });
    }
    if (Array.isArray(node)) return node.flatMap((item) => {
      const v = fill(item);
      return Array.isArray(v) && typeof item === 'string' && WHOLE.test(item) ? v : v === undefined ? [] : [v];
    });
    if (node && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) {
        const filled = fill(v);
        if (filled !== undefined) out[k] = filled;
      }
      return out;
    }
    return node;
  };
  const card = fill(template) as Card;
  if (missing.size) throw new Error(`card template is missing values for: ${[...missing].join(', ')}`);
  return card;
}

/** Feishu rejects cards over 30 KB (FEISHU.md §3.1). */
export const CARD_MAX_BYTES = 30 * 1024;
export const cardBytes = (card: Card) => Buffer.byteLength(JSON.stringify(card), 'utf8');

// Small element builders for the parts of a card that vary with the data.
export const md = (content: string, element_id?: string) => ({ tag: 'markdown', content, ...(element_id ? { element_id } : {}) });
export const hr = () => ({ tag: 'hr' });
export type ButtonType = 'default' | 'primary' | 'danger' | 'primary_filled' | 'danger_filled' | 'text';

/** A button whose click comes back as card.action.trigger with { action, ...value }. */
export const button = (text: string, value: Record<string, unknown> & { action: string }, type: ButtonType = 'default', confirm?: { title: string; text: string }) => ({
  tag: 'button',
  text: { tag: 'plain_text', content: text },
  type,
  behaviors: [{ type: 'callback', value }],
  ...(confirm ? { confirm: { title: { tag: 'plain_text', content: confirm.title }, text: { tag: 'plain_text', content: confirm.text } } } : {}),
});

export const buttonRow = (buttons: unknown[]) =>
  buttons.length === 0
    ? []
    : [{ tag: 'column_set', flex_mode: 'flow', horizontal_spacing: 'small', columns: buttons.map((b) => ({ tag: 'column', width: 'auto', elements: [b] })) }];

/** A plain card: header + markdown body + optional buttons. */
export function simpleCard(title: string, template: string, body: string, buttons: unknown[] = [], subtitle?: string): Card {
  return {
    schema: '2.0',
    config: { update_multi: true, width_mode: 'fill' },
    header: { title: { tag: 'plain_text', content: title }, template, ...(subtitle ? { subtitle: { tag: 'plain_text', content: subtitle } } : {}) },
    body: { elements: [md(body), ...buttonRow(buttons)] },
  };
}

/** Every node of a card (an element, anywhere in it) that `match` accepts, in document order. */
export function cardNodes(node: unknown, match: (o: Record<string, unknown>) => boolean, out: Array<Record<string, unknown>> = []): Array<Record<string, unknown>> {
  if (Array.isArray(node)) for (const n of node) cardNodes(n, match, out);
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (match(o)) out.push(o);
    for (const v of Object.values(o)) cardNodes(v, match, out);
  }
  return out;
}

/** Every callback value on a card (buttons and form submits, anywhere in it). */
export const cardCallbacks = (card: unknown): Array<Record<string, unknown>> =>
  cardNodes(card, (o) => o.type === 'callback' && !!o.value && typeof o.value === 'object').map((o) => o.value as Record<string, unknown>);
