/**
 * Locks in the holiday-data update path:
 * - the import syntax admins type reproduces a published year exactly (the README's 2026 example
 *   equals chinese-days' 2026 data) and refuses mistakes in Chinese;
 * - data layers replace whole years (package → holidays.json → admin import);
 * - when the data does not cover the next 60 days, /系统 状态 warns and the admins get one DM
 *   (ledgered), which stops once the year is imported;
 * - `/系统 日历 导入` previews first and changes nothing until an admin confirms; an outdated
 *   confirmation card is refused; 清除 drops the import; day overrides take ranges.
 * The 2027 dates used here are test data, not the official schedule.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import chineseDays from 'chinese-days/dist/chinese-days.json';
import repoHolidays from '../../src/platform/sla/holidays.json';
import { createBot, type Bot } from '../../src/bot';
import { adminModule } from '../../src/modules/admin';
import { remindersModule } from '../../src/modules/reminders';
import { digest } from '../../src/modules/reminders/sla-digest.job';
import { auditLog, settings } from '../../src/platform/db/core.schema';
import { BUILTIN_HOLIDAYS, chineseHolidayInfo, holidayCoverage, holidayDataCovers, holidayTable, isWorkingDay, type HolidayLayer } from '../../src/platform/sla/calendar';
import { holidayDataWarning, refreshCalendar } from '../../src/platform/sla/calendar-settings';
import { parseDays, parseHolidaySchedule, scheduleText } from '../../src/platform/sla/holiday-import';
import { cardText, harness, sh, type Harness } from './support/sla-harness';

const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
const pkg = chineseDays as unknown as { holidays: Record<string, string>; workdays: Record<string, string> };
const ofYear = (m: Record<string, string>, y: string) => Object.fromEntries(Object.entries(m).filter(([d]) => d.startsWith(y)).map(([d, v]) => [d, v.split(',')[1]]));
/** Test data for 2027 — made up, clearly not the State Council's schedule. */
const TEST_2027 = '测试假期 01-01~01-03 测试长假 02-08~02-12 上班 02-06';

describe('the import syntax', () => {
  it("reads the README's 2026 example into exactly chinese-days' 2026 holidays and make-up days, names included", () => {
    const line = /`\/系统 日历 导入 2026 ([^`]+)`/.exec(readme)![1]!;
    const parsed = parseHolidaySchedule(2026, line);
    if ('error' in parsed) throw new Error(parsed.error);
    expect(parsed.data.holidays).toEqual(ofYear(pkg.holidays, '2026'));
    expect(parsed.data.workdays).toEqual(ofYear(pkg.workdays, '2026'));
    // written back, it reads the same again (what the confirmation button carries)
    expect(parseHolidaySchedule(2026, scheduleText(parsed.data))).toEqual(parsed);
  });

  it('takes full dates, 月日 dates, spaced ranges and 补班', () => {
    const parsed = parseHolidaySchedule(2027, '测试假期 2027-01-01 ~ 2027-01-02，测试长假 2月8日至2月9日 补班 2027-02-06');
    expect(parsed).toMatchObject({ data: { holidays: { '2027-01-01': '测试假期', '2027-01-02': '测试假期', '2027-02-08': '测试长假', '2027-02-09': '测试长假' }, workdays: { '2027-02-06': '测试长假' } } });
  });

  it('refuses mistakes with a Chinese explanation', () => {
    expect(parseHolidaySchedule(2027, '测试假期 2026-12-31')).toEqual({ error: '2026-12-31 不在 2027 年' });
    expect(parseHolidaySchedule(2027, '测试假期 01-01~01-03 测试长假 01-03')).toEqual({ error: '2027-01-03 写了两次（测试假期）' });
    expect(parseHolidaySchedule(2027, '测试假期 01-32')).toMatchObject({ error: expect.stringContaining('不是有效日期') });
    expect(parseHolidaySchedule(2027, '上班 02-06')).toMatchObject({ error: expect.stringContaining('没有放假日期') });
    expect(parseHolidaySchedule(2027, '测试假期 01-01 #!')).toMatchObject({ error: expect.stringContaining('看不懂「#!」') });
    expect(parseDays('2027-02-11~2027-02-05', '2026-12-04', 31)).toEqual({ error: '「2027-02-11~2027-02-05」的结束日期早于开始日期' });
    expect(parseDays('2027-01-01~2027-03-01', '2026-12-04', 31)).toEqual({ error: '「2027-01-01~2027-03-01」有 60 天，一次最多 31 天' });
  });
});

describe('holiday data layers and coverage', () => {
  it('builds in only sourced years: each year of holidays.json names the notice it comes from', () => {
    for (const [year, y] of Object.entries(repoHolidays.years as Record<string, { source?: string }>)) expect(y.source, `holidays.json ${year}`).toMatch(/\S/);
    for (const [year, info] of BUILTIN_HOLIDAYS.years) expect(info.source, String(year)).toMatch(/^(chinese-days|\S.*)$/);
    expect(holidayDataCovers('2026-12-31')).toBe(true);
  });

  it('lets a later layer replace a whole year and add a new one', () => {
    const fix: HolidayLayer = { source: 'test', years: { 2026: { holidays: { '2026-10-01': '国庆节' }, workdays: {} }, 2027: { holidays: { '2027-01-01': '测试假期' }, workdays: {}, provisional: true } } };
    const cal = { ...shanghai(), holidays: holidayTable([{ source: 'chinese-days', years: { 2026: { holidays: { '2026-10-02': '国庆节' }, workdays: { '2026-10-10': '国庆节' } } } }, fix]) };
    expect(isWorkingDay('2026-10-01', cal)).toBe(false);
    expect(isWorkingDay('2026-10-02', cal)).toBe(true); // the replaced year's other days are gone
    expect(isWorkingDay('2026-10-10', cal)).toBe(false); // a Saturday again
    expect(isWorkingDay('2027-01-01', cal)).toBe(false);
    expect(chineseHolidayInfo('2027-01-01', cal)).toEqual({ name: '测试假期', work: false });
    expect(holidayCoverage(cal, '2026-12-04')).toEqual({ missing: [], provisional: [2027] });
  });

  it('refuses a data file with a date outside its year, or a day both off and on', () => {
    expect(() => holidayTable([{ source: 'holidays.json', years: { 2027: { holidays: { '2026-12-31': 'x' }, workdays: {} } } }])).toThrow('holidays.json: 2026-12-31 is listed under 2027');
    expect(() => holidayTable([{ source: 'holidays.json', years: { 2027: { holidays: { '2027-02-06': 'x' }, workdays: { '2027-02-06': 'x' } } } }])).toThrow('both a holiday and a make-up working day');
  });

  it('warns when the next 60 days reach a year without data, and not when holidays are switched off', () => {
    expect(holidayDataWarning(shanghai(), '2026-10-01')).toBeUndefined(); // up to 11-30
    const w = holidayDataWarning(shanghai(), '2026-12-04')!;
    expect(w.years).toEqual([2027]);
    expect(w.text).toContain('未来 60 天涉及的 2027 年还没有法定节假日数据（内置数据到 2026 年）');
    expect(w.text).toContain('/系统 日历 导入 2027');
    expect(holidayDataWarning({ ...shanghai(), useChineseHolidays: false }, '2026-12-04')).toBeUndefined();
  });
});

const shanghai = () => ({ tz: 'Asia/Shanghai', workHours: [['09:00', '12:00'], ['13:30', '18:00']] as Array<[string, string]>, weekdays: [1, 2, 3, 4, 5], useChineseHolidays: true, overrides: {} });

describe('/系统 日历 and /系统 状态 through the bot', () => {
  let h: Harness;
  let bot: Bot;
  let n = 0;
  beforeEach(async () => {
    h = await harness({ env: { ADMIN_OPEN_IDS: 'ou_admin' } });
    bot = createBot([adminModule, remindersModule], h.services);
  });
  afterEach(() => h.close());

  const say = (who: string, text: string, at = '2026-12-04T10:00') =>
    h.database.db.transaction((tx) =>
      bot.handle({ kind: 'message', eventId: `ev_${++n}`, messageId: `om_${n}`, chatId: `oc_p2p_${who}`, chatType: 'p2p', sender: who, senderIsUser: true, text, mentionedOpenIds: [], botMentioned: false, at: sh(at) }, tx),
    );
  const click = (who: string, value: Record<string, unknown>, at = '2026-12-04T10:05') =>
    h.database.db.transaction((tx) => bot.handleCardAction({ kind: 'card_action', eventId: `ev_${++n}`, operator: who, value, form: {}, at: sh(at) }, tx));
  const last = async () => (await h.outbox()).at(-1)!;
  /** The value of the card's first button. */
  const buttonValue = (card: any): Record<string, unknown> => JSON.parse(JSON.stringify(card)).body.elements.flatMap((e: any) => e.columns ?? []).flatMap((c: any) => c.elements)[0].behaviors[0].value;

  it('/系统 状态 warns that 2027 has no data and names the sources', async () => {
    await say('ou_admin', '/系统 状态');
    const text = (await last()).body;
    expect(text).toContain('⚠️ 未来 60 天涉及的 2027 年还没有法定节假日数据');
    expect(text).toContain('节假日数据：2004–2026 chinese-days');
  });

  it('imports a year only after the preview is confirmed; then the calendar, the status and the digest agree', async () => {
    await say('ou_admin', `/系统 日历 导入 2027 ${TEST_2027}`);
    const preview = (await last()).json;
    const text = cardText(preview);
    expect(text).toContain('导入 2027 年法定节假日 · 预览');
    expect(text).toContain('• 测试假期：放假 01-01（五） ~ 01-03（日），共 3 天');
    expect(text).toContain('• 测试长假：放假 02-08（一） ~ 02-12（五），共 5 天；调休上班 02-06（六）');
    expect(text).toContain('共放假 8 天，调休上班 1 天。目前没有 2027 年的数据。');
    expect(await h.database.db.select().from(settings).where(eq(settings.key, 'calendar.holidays'))).toEqual([]);

    // not an admin: the button refuses
    expect((await click('ou_boss', buttonValue(preview))).toast?.type).toBe('error');
    const done = await click('ou_admin', buttonValue(preview));
    expect(done.toast).toEqual({ type: 'success', text: '已导入 2027 年法定节假日安排。' });
    expect(cardText(done.card)).toContain('已导入 2027 年法定节假日');
    expect((await h.database.db.select().from(auditLog).where(eq(auditLog.action, 'calendar.import')))[0]).toMatchObject({ actor: 'ou_admin', subjectId: '2027', toState: 'imported' });

    await say('ou_admin', '/系统 状态', '2026-12-04T10:10');
    const status = (await last()).body;
    expect(status).not.toContain('⚠️');
    expect(status).toContain('节假日数据：2004–2026 chinese-days · 2027 管理员导入');
    expect(isWorkingDay('2027-02-08', h.services.calendar)).toBe(false);
    expect(isWorkingDay('2027-02-06', h.services.calendar)).toBe(true);
    expect(await digest(h.services, sh('2027-02-08T09:00'))).toMatchObject({ skipped: '非工作日' });
  });

  it('refuses a confirmation card made before a newer import, and 清除 drops the import', async () => {
    await say('ou_admin', `/系统 日历 导入 2027 ${TEST_2027}`);
    const older = buttonValue((await last()).json);
    await say('ou_admin', '/系统 日历 导入 2027 测试假期 01-01');
    await click('ou_admin', buttonValue((await last()).json));
    expect((await click('ou_admin', older)).toast).toEqual({ type: 'warning', text: '2027 年的安排在预览之后又被改过，请重新发送 /系统 日历 导入 2027 …' });
    await refreshCalendar(h.services.calendar, h.database.db);
    expect(isWorkingDay('2027-02-08', h.services.calendar)).toBe(true); // the older preview was not applied

    await say('ou_admin', '/系统 日历 导入 2027 清除');
    expect((await click('ou_admin', buttonValue((await last()).json))).toast?.text).toBe('已清除导入的 2027 年安排。');
    await refreshCalendar(h.services.calendar, h.database.db);
    expect(isWorkingDay('2027-01-01', h.services.calendar)).toBe(true);
    await say('ou_admin', '/系统 日历 导入 2027 清除');
    expect((await last()).body).toBe('没有导入过 2027 年的安排，无需清除。');
  });

  it('answers a mistyped schedule with the reason and an example, storing nothing', async () => {
    await say('ou_admin', '/系统 日历 导入 2027 测试假期 2026-12-31');
    expect((await last()).body).toMatch(/^2026-12-31 不在 2027 年\n用法：\/系统 日历 导入/);
  });

  it('sets a range of days off with one override command, and back', async () => {
    await say('ou_admin', '/系统 日历 2026-12-28~2026-12-31 休息');
    expect((await last()).body).toBe('2026-12-28 ~ 2026-12-31（共 4 天）已设为休息。');
    await refreshCalendar(h.services.calendar, h.database.db);
    expect(['2026-12-28', '2026-12-31'].map((d) => isWorkingDay(d, h.services.calendar))).toEqual([false, false]);
    await say('ou_admin', '/系统 日历 上班 2026-12-26');
    await say('ou_admin', '/系统 日历 2026-12-28~2026-12-31 恢复');
    await refreshCalendar(h.services.calendar, h.database.db);
    expect(['2026-12-26', '2026-12-28', '2026-12-31'].map((d) => isWorkingDay(d, h.services.calendar))).toEqual([true, true, true]);
  });

  it('DMs the admins once about the missing year from the daily digest run, and not after the import', async () => {
    expect(await digest(h.services, sh('2026-12-04T09:00'))).toMatchObject({ holidayWarnings: 1 });
    const dm = (await h.outbox()).filter((m) => m.to === 'ou_admin');
    expect(dm).toHaveLength(1);
    expect(dm[0]!.body).toContain('⚠️ 未来 60 天涉及的 2027 年还没有法定节假日数据');
    expect(await digest(h.services, sh('2026-12-05T09:00'))).not.toHaveProperty('holidayWarnings'); // a Saturday: checked, already told
    expect(await digest(h.services, sh('2026-12-07T09:00'))).not.toHaveProperty('holidayWarnings');
    expect((await h.outbox()).filter((m) => m.to === 'ou_admin')).toHaveLength(1);
  });
});
