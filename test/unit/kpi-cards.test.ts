/**
 * KPI cards and the .xlsx writer, without a server. Behaviours locked in:
 * - the team /业绩 card for a team of 30 (every standard, 6 months) stays under Feishu's 30 KB
 *   limit, holds a bar and a line chart (VChart specs, no JavaScript) and a text table beside each,
 *   listing everyone even when the chart is capped; for 200 people it still fits, listing the first
 *   ones and saying how many more there are and that /导出 业绩 has them all — likewise the team
 *   table of the assessment (300 people) and /晋升 (400, those who qualify first);
 * - "no data" is written as 无数据 (➖), never as 0 %;
 * - the scoring form has one required input per awaited score and a submit carrying id and version;
 *   sent to the admins in place of a supervisor, it says why;
 * - the zip's CRC-32 is the standard one, on every entry (checked against a bitwise CRC and the
 *   local headers); columns are lettered A…Z, AA…; XML text is escaped; a workbook has the OPC parts Excel needs.
 */
import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { KPI_CONFIG, STANDARDS } from '../../src/modules/kpi/kpi.config';
import { reportCard, scoreFormCard, teamTableCard, type PersonRow, type TeamRow } from '../../src/modules/kpi/kpi.cards';
import type { Assessment } from '../../src/modules/kpi/kpi.schema';
import { promotionCard, type PromotionRow } from '../../src/modules/kpi/people-dev';
import { judgeStandard, type StandardResult } from '../../src/modules/kpi/standards';
import { columnName, crc32, esc, xlsx } from '../../src/modules/kpi/xlsx';
import { CARD_MAX_BYTES, cardBytes, cardNodes } from '../../src/platform/cards';

const standards = (seed: number): StandardResult[] => STANDARDS.map((d, i) => judgeStandard(d, { value: (seed + i) % 4 === 0 ? null : d.count ? seed % 5 : 0.8 + ((seed + i) % 20) / 100, target: d.count ? 2 : d.target, detail: '17/20 单按期交付' }));

/** CRC-32 bit by bit, independent of the writer's table. */
function bitwiseCrc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return (c ^ 0xffffffff) >>> 0;
}


describe('/业绩 card', () => {
  const people: PersonRow[] = Array.from({ length: 30 }, (_, i) => ({ name: `业务员${String(i + 1).padStart(2, '0')}号`, target: i % 7 ? 123_456.78 : null, actual: 98_765.43 + i, standards: standards(i), grade: i % 2 ? '良好' : null }));
  const trend = ['2025-10', '2025-11', '2025-12', '2026-01', '2026-02', '2026-03'].map((month, i) => ({ month, target: i ? 3_000_000 : null, actual: 2_500_000 + i * 10_000 }));
  const card = reportCard({ periodLabel: '2026-03', who: { kind: 'team' }, standards: standards(1), trend, people, salesRule: 'confirmed', exportHint: '/导出 业绩 2026-03' });

  it('stays under the 30 KB limit for a team of 30', () => {
    expect(cardBytes(card)).toBeLessThan(CARD_MAX_BYTES);
  });

  it('draws a bar chart (capped) and a line chart, with no JavaScript in the specs', () => {
    const charts = cardNodes(card, (o) => o.tag === 'chart');
    expect(charts.map((c) => (c.chart_spec as { type: string }).type)).toEqual(['bar', 'line']);
    expect(JSON.stringify(charts)).not.toMatch(/function|=>/);
    const names = new Set((charts[0]!.chart_spec as { data: Array<{ values: Array<{ x: string }> }> }).data[0]!.values.map((v) => v.x));
    expect(names.size).toBe(KPI_CONFIG.chartPeople);
  });

  it('lists everyone in the text table and writes no data as 无数据, never 0 %', () => {
    const text = cardNodes(card, (o) => o.tag === 'markdown').map((o) => String(o.content)).join('\n');
    for (const p of people) expect(text).toContain(`| ${p.name} |`);
    expect(text).toContain('➖ 未设目标');
    expect(text).toContain('无数据');
    expect(text).not.toMatch(/(^|[^0-9.])0\.0%/);
  });

  it('lists everyone with no pointer to the export when the team fits', () => {
    expect(JSON.stringify(card)).not.toContain('未列出');
  });

  it('fits a team of 200 under the limit: the first rows listed, the rest counted and pointed to /导出 业绩', () => {
    const many: PersonRow[] = Array.from({ length: 200 }, (_, i) => ({ name: `业务员${String(i + 1).padStart(3, '0')}号`, target: 123_456.78, actual: 98_765.43 + i, standards: standards(i), grade: '良好' }));
    const big = reportCard({ periodLabel: '2026-03', who: { kind: 'team' }, standards: standards(1), trend, people: many, salesRule: 'confirmed', exportHint: '/导出 业绩 2026-03' });
    expect(cardBytes(big)).toBeLessThan(CARD_MAX_BYTES);
    const text = cardNodes(big, (o) => o.tag === 'markdown').map((o) => String(o.content)).join('\n');
    const listed = many.filter((p) => text.includes(`| ${p.name} | ¥123,456.78 |`)).length;
    expect(listed).toBeGreaterThan(KPI_CONFIG.chartPeople);
    expect(listed).toBeLessThan(200);
    // The same people in both per-person tables, from the top.
    expect(many.slice(0, listed).every((p) => text.includes(`| ${p.name} | ✅`) || text.includes(`| ${p.name} | ❌`) || text.includes(`| ${p.name} | 无数据`))).toBe(true);
    expect(text).toContain(`**另有 ${200 - listed} 人未列出**（卡片大小有限），完整名单请发送 /导出 业绩 2026-03。`);
    expect(cardNodes(big, (o) => o.tag === 'chart')).toHaveLength(2);
  });

  it('fits the assessment team table of 300 people, pointing to /导出 业绩 for the rest', () => {
    const a = (i: number) => ({ score: 80 + (i % 20), grade: '良好', status: 'done' }) as unknown as Assessment;
    const rows: TeamRow[] = Array.from({ length: 300 }, (_, i) => ({ name: `业务员${String(i + 1).padStart(3, '0')}号`, role: '业务员', month: a(i), quarter: a(i + 1), year: a(i + 2) }));
    const table = teamTableCard('2026-12', rows, { quarter: '2026-Q4', year: '2026', honours: ['🏆 **年度优秀**（2026）：业务员001号（99 分）'] });
    expect(cardBytes(table)).toBeLessThan(CARD_MAX_BYTES);
    const text = JSON.stringify(table);
    expect(text).toContain('| 业务员001号 | 业务员 |');
    expect(text).not.toContain('| 业务员300号 |');
    expect(text).toMatch(/另有 \d+ 人未列出\*\*（卡片大小有限），完整名单请发送 \/导出 业绩 2026-12。/);
    expect(text).toContain('年度优秀');
  });

  it('fits /晋升 for 400 people, listing those who qualify first', () => {
    const rows: PromotionRow[] = Array.from({ length: 400 }, (_, i) => ({
      member: { openId: `ou_${i}`, name: `业务员${String(i + 1).padStart(3, '0')}号`, role: 'sales', hiredOn: '2020-01-01' },
      years: 6,
      roleSince: null,
      roleYears: null,
      avgScore: 70,
      assessed: 12,
      to: '高级业务员',
      eligible: i % 100 === 99,
      reasons: i % 100 === 99 ? [] : ['近 12 个月平均 70 分，需 ≥ 80'],
    }));
    const promo = promotionCard(rows);
    expect(cardBytes(promo)).toBeLessThan(CARD_MAX_BYTES);
    const text = cardNodes(promo, (o) => o.tag === 'markdown').map((o) => String(o.content)).join('\n');
    const lines = text.split('\n').filter((l) => l.startsWith('| 业务员'));
    expect(lines.slice(0, 4).map((l) => l.split(' | ')[0])).toEqual(['| 业务员100号', '| 业务员200号', '| 业务员300号', '| 业务员400号']);
    expect(lines.length).toBeLessThan(400);
    expect(text).toContain(`**另有 ${400 - lines.length} 人未列出**（卡片大小有限，均不符合条件）。`);
    expect(JSON.stringify(promo)).toContain('符合条件 4 人');
  });

  it('shows a person their own trend as target-vs-actual bars with a table', () => {
    const mine = reportCard({ periodLabel: '2026-03', who: { kind: 'person', name: '李业务' }, standards: standards(2), trend, assessment: { status: 'done', score: 81.7, grade: '良好' }, salesRule: 'confirmed', exportHint: '/导出 业绩 2026-03' });
    expect(cardNodes(mine, (o) => o.tag === 'chart').map((c) => (c.chart_spec as { type: string }).type)).toEqual(['bar']);
    expect(JSON.stringify(mine)).toContain('81.7 分 · 良好（基本工资上调 5–10%，绩效奖金 100–120%）');
  });
});

describe('scoring form', () => {
  it('asks one required input per awaited score and submits id and version', () => {
    const a = { id: 7, version: 1, openId: 'ou_li', period: '2026-03', scheme: 'sales', preset: 'simple', needs: ['attitude', 'discipline', 'teamwork'], scorers: ['ou_boss'] } as unknown as Assessment;
    const card = scoreFormCard({ a, name: '李业务', computed: [{ key: 'target_completion', label: '个人销售目标达成率', weight: 50, score: 92, detail: '¥92,000 / ¥100,000' }], needs: [{ key: 'attitude', label: '工作态度' }, { key: 'discipline', label: '工作纪律' }, { key: 'teamwork', label: '团队协作' }] });
    const inputs = cardNodes(card, (o) => o.tag === 'input');
    expect(inputs.map((i) => [i.name, i.required])).toEqual([['attitude', true], ['discipline', true], ['teamwork', true]]);
    expect((inputs[0]!.label as { content: string }).content).toBe('工作态度（0–100）· 计入 工作态度和纪律 10%（与工作纪律取平均）');
    expect(cardNodes(card, (o) => o.type === 'callback')[0]!.value).toEqual({ action: 'kpi.score', id: 7, v: 1 });
    expect(cardBytes(card)).toBeLessThan(CARD_MAX_BYTES);
    expect(JSON.stringify(card)).not.toContain('管理员');
  });

  it('tells the admins why a salesperson’s card came to them', () => {
    const a = { id: 8, version: 1, openId: 'ou_li', period: '2026-03', scheme: 'sales', preset: 'detailed', needs: ['attitude'], scorers: ['ou_admin'] } as unknown as Assessment;
    const card = scoreFormCard({ a, name: '李业务', computed: [], needs: [{ key: 'attitude', label: '工作态度' }], scoredBy: 'admin' });
    const text = JSON.stringify(card);
    expect(text).toContain('管理员代评 · 全部填写后提交，结果会私信本人');
    expect(text).toContain('没有业务主管或总经办可为 李业务 评分，所以发给管理员：请代为评分，或先用 /角色 @某人 主管 绑定主管');
  });
});

describe('xlsx writer', () => {
  it('computes the standard CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(bitwiseCrc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
    const noise = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251));
    expect(crc32(noise)).toBe(bitwiseCrc32(noise));
  });

  it('letters columns like a spreadsheet and escapes XML text', () => {
    expect([0, 25, 26, 701, 702].map(columnName)).toEqual(['A', 'Z', 'AA', 'ZZ', 'AAA']);
    expect(esc('a<b & "c"\u0001')).toBe('a&lt;b &amp; &quot;c&quot;');
  });

  it('writes a workbook whose every entry unzips with the CRC and sizes its headers declare', () => {
    const bytes = xlsx([{ name: '业绩 2026-03', rows: [['姓名', '实际销售', '完成率'], ['李业务', { value: 92000, format: 'money' }, { value: 0.92, format: 'percent' }], ['张业务', null, '无数据']] }]);
    expect(bytes.subarray(0, 4)).toEqual(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
    // Walk the local entries back to back; each must agree with the central directory.
    const eocd = bytes.length - 22;
    expect(bytes.readUInt32LE(eocd)).toBe(0x06054b50);
    const count = bytes.readUInt16LE(eocd + 10);
    let central = bytes.readUInt32LE(eocd + 16);
    let local = 0;
    const names: string[] = [];
    for (let i = 0; i < count; i++) {
      expect(bytes.readUInt32LE(local)).toBe(0x04034b50);
      expect(bytes.readUInt32LE(central)).toBe(0x02014b50);
      const nameLen = bytes.readUInt16LE(local + 26);
      const name = bytes.subarray(local + 30, local + 30 + nameLen).toString();
      const [crc, packed, size] = [bytes.readUInt32LE(local + 14), bytes.readUInt32LE(local + 18), bytes.readUInt32LE(local + 22)];
      expect([bytes.readUInt32LE(central + 16), bytes.readUInt32LE(central + 20), bytes.readUInt32LE(central + 24), bytes.readUInt32LE(central + 42)], name).toEqual([crc, packed, size, local]);
      const data = inflateRawSync(bytes.subarray(local + 30 + nameLen, local + 30 + nameLen + packed));
      expect(data.length, name).toBe(size);
      expect(bitwiseCrc32(data), name).toBe(crc);
      names.push(name);
      local += 30 + nameLen + packed;
      central += 46 + bytes.readUInt16LE(central + 28);
    }
    expect(local).toBe(bytes.readUInt32LE(eocd + 16));
    expect(names).toEqual(['[Content_Types].xml', '_rels/.rels', 'xl/workbook.xml', 'xl/_rels/workbook.xml.rels', 'xl/styles.xml', 'xl/worksheets/sheet1.xml']);
  });
});
