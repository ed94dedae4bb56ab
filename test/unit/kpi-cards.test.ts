/**
 * KPI cards and the .xlsx writer, without a server. Behaviours locked in:
 * - the team /业绩 card for a large team (30 people, every standard, 6 months) stays under
 *   Feishu's 30 KB limit, holds a bar and a line chart (VChart specs, no JavaScript) and a text
 *   table beside each, listing everyone even when the chart is capped;
 * - "no data" is written as 无数据 (➖), never as 0 %;
 * - the scoring form has one required input per awaited score and a submit carrying id and version;
 * - the zip's CRC-32 is the standard one; columns are lettered A…Z, AA…; XML text is escaped;
 *   a workbook has the OPC parts Excel needs.
 */
import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { KPI_CONFIG, STANDARDS } from '../../src/modules/kpi/kpi.config';
import { reportCard, scoreFormCard, type PersonRow } from '../../src/modules/kpi/kpi.cards';
import type { Assessment } from '../../src/modules/kpi/kpi.schema';
import { judgeStandard, type StandardResult } from '../../src/modules/kpi/standards';
import { columnName, crc32, esc, xlsx } from '../../src/modules/kpi/xlsx';
import { CARD_MAX_BYTES, cardBytes } from '../../src/platform/cards';

const standards = (seed: number): StandardResult[] => STANDARDS.map((d, i) => judgeStandard(d, { value: (seed + i) % 4 === 0 ? null : d.count ? seed % 5 : 0.8 + ((seed + i) % 20) / 100, target: d.count ? 2 : d.target, detail: '17/20 单按期交付' }));

function nodes(card: unknown, match: (o: Record<string, unknown>) => boolean, out: Array<Record<string, unknown>> = []) {
  if (Array.isArray(card)) card.forEach((c) => nodes(c, match, out));
  else if (card && typeof card === 'object') {
    const o = card as Record<string, unknown>;
    if (match(o)) out.push(o);
    Object.values(o).forEach((v) => nodes(v, match, out));
  }
  return out;
}

describe('/业绩 card', () => {
  const people: PersonRow[] = Array.from({ length: 30 }, (_, i) => ({ name: `业务员${String(i + 1).padStart(2, '0')}号`, target: i % 7 ? 123_456.78 : null, actual: 98_765.43 + i, standards: standards(i), grade: i % 2 ? '良好' : null }));
  const trend = ['2025-10', '2025-11', '2025-12', '2026-01', '2026-02', '2026-03'].map((month, i) => ({ month, target: i ? 3_000_000 : null, actual: 2_500_000 + i * 10_000 }));
  const card = reportCard({ periodLabel: '2026-03', who: { kind: 'team' }, standards: standards(1), trend, people, salesRule: 'confirmed', exportHint: '/导出 业绩 2026-03' });

  it('stays under the 30 KB limit for a team of 30', () => {
    expect(cardBytes(card)).toBeLessThan(CARD_MAX_BYTES);
  });

  it('draws a bar chart (capped) and a line chart, with no JavaScript in the specs', () => {
    const charts = nodes(card, (o) => o.tag === 'chart');
    expect(charts.map((c) => (c.chart_spec as { type: string }).type)).toEqual(['bar', 'line']);
    expect(JSON.stringify(charts)).not.toMatch(/function|=>/);
    const names = new Set((charts[0]!.chart_spec as { data: Array<{ values: Array<{ x: string }> }> }).data[0]!.values.map((v) => v.x));
    expect(names.size).toBe(KPI_CONFIG.chartPeople);
  });

  it('lists everyone in the text table and writes no data as 无数据, never 0 %', () => {
    const text = nodes(card, (o) => o.tag === 'markdown').map((o) => String(o.content)).join('\n');
    for (const p of people) expect(text).toContain(`| ${p.name} |`);
    expect(text).toContain('➖ 未设目标');
    expect(text).toContain('无数据');
    expect(text).not.toMatch(/(^|[^0-9.])0\.0%/);
  });

  it('shows a person their own trend as target-vs-actual bars with a table', () => {
    const mine = reportCard({ periodLabel: '2026-03', who: { kind: 'person', name: '李业务' }, standards: standards(2), trend, assessment: { status: 'done', score: 81.7, grade: '良好' }, salesRule: 'confirmed', exportHint: '/导出 业绩 2026-03' });
    expect(nodes(mine, (o) => o.tag === 'chart').map((c) => (c.chart_spec as { type: string }).type)).toEqual(['bar']);
    expect(JSON.stringify(mine)).toContain('81.7 分 · 良好（基本工资上调 5–10%，绩效奖金 100–120%）');
  });
});

describe('scoring form', () => {
  it('asks one required input per awaited score and submits id and version', () => {
    const a = { id: 7, version: 1, openId: 'ou_li', period: '2026-03', scheme: 'sales', preset: 'simple', needs: ['attitude', 'discipline', 'teamwork'], scorers: ['ou_boss'] } as unknown as Assessment;
    const card = scoreFormCard({ a, name: '李业务', computed: [{ key: 'target_completion', label: '个人销售目标达成率', weight: 50, score: 92, detail: '¥92,000 / ¥100,000' }], needs: [{ key: 'attitude', label: '工作态度' }, { key: 'discipline', label: '工作纪律' }, { key: 'teamwork', label: '团队协作' }] });
    const inputs = nodes(card, (o) => o.tag === 'input');
    expect(inputs.map((i) => [i.name, i.required])).toEqual([['attitude', true], ['discipline', true], ['teamwork', true]]);
    expect((inputs[0]!.label as { content: string }).content).toBe('工作态度（0–100）· 计入 工作态度和纪律 10%（与工作纪律取平均）');
    expect(nodes(card, (o) => o.type === 'callback')[0]!.value).toEqual({ action: 'kpi.score', id: 7, v: 1 });
    expect(cardBytes(card)).toBeLessThan(CARD_MAX_BYTES);
  });
});

describe('xlsx writer', () => {
  it('computes the standard CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
  });

  it('letters columns like a spreadsheet and escapes XML text', () => {
    expect([0, 25, 26, 701, 702].map(columnName)).toEqual(['A', 'Z', 'AA', 'ZZ', 'AAA']);
    expect(esc('a<b & "c"\u0001')).toBe('a&lt;b &amp; &quot;c&quot;');
  });

  it('writes a workbook whose parts unzip and carry the cells', () => {
    const bytes = xlsx([{ name: '业绩 2026-03', rows: [['姓名', '实际销售', '完成率'], ['李业务', { value: 92000, format: 'money' }, { value: 0.92, format: 'percent' }], ['张业务', null, '无数据']] }]);
    expect(bytes.subarray(0, 4)).toEqual(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
    // The first entry is [Content_Types].xml, deflated right after its local header.
    const nameLen = bytes.readUInt16LE(26);
    const packed = bytes.readUInt32LE(18);
    expect(bytes.subarray(30, 30 + nameLen).toString()).toBe('[Content_Types].xml');
    const types = inflateRawSync(bytes.subarray(30 + nameLen, 30 + nameLen + packed)).toString();
    expect(types).toContain('/xl/worksheets/sheet1.xml');
    expect(crc32(Buffer.from(types))).toBe(bytes.readUInt32LE(14));
  });
});
