/**
 * Card templates (cards/*.json) stay valid Feishu cards:
 * - each one is JSON 2.0 with `update_multi` (so it can be PATCHed in place);
 * - rendering fills every ${placeholder} and leaves none behind;
 * - the rendered card stays under Feishu's 30 KB limit;
 * - renderCard splices element lists and refuses a missing value.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CARD_MAX_BYTES, cardBytes, renderCard } from '../../src/platform/cards';

const dir = join(import.meta.dirname, '../../cards');
const templates = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('card templates', () => {
  it.each(templates.length ? templates : ['(none yet)'])('%s renders completely and fits the size limit', (file) => {
    if (file === '(none yet)') return;
    const template = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
    expect(template.schema).toBe('2.0');
    expect((template.config as Record<string, unknown> | undefined)?.update_multi).toBe(true);
    const names = [...new Set([...JSON.stringify(template).matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]!))];
    const vars = Object.fromEntries(names.map((n) => [n, `示例${n}`]));
    const card = renderCard(template, vars);
    expect(JSON.stringify(card)).not.toContain('${');
    expect(cardBytes(card)).toBeLessThan(CARD_MAX_BYTES);
  });
});

describe('renderCard', () => {
  const template = { schema: '2.0', header: { title: { content: '订单 ${number}' } }, body: { elements: ['${items}', { tag: 'hr' }] } };

  it('splices an element list into its slot and fills text', () => {
    const card = renderCard(template, { number: 'DD-1', items: [{ tag: 'markdown', content: 'a' }, { tag: 'markdown', content: 'b' }] });
    expect(card).toEqual({ schema: '2.0', header: { title: { content: '订单 DD-1' } }, body: { elements: [{ tag: 'markdown', content: 'a' }, { tag: 'markdown', content: 'b' }, { tag: 'hr' }] } });
  });

  it('refuses to render with a missing value, naming it', () => {
    expect(() => renderCard(template, { number: 'DD-1' })).toThrow(/items/);
  });
});
