import { describe, expect, it } from 'vitest';
import {
  closest,
  companyKey,
  editDistance,
  fieldOf,
  freeText,
  normalizeText,
  parseAmount,
  parseBool,
  parseDate,
  parseQuantity,
  scan,
  similarity,
  splitArgs,
  tokenize,
} from '../../src/platform/router/parse';

describe('normalizeText', () => {
  it('turns full-width ＝ and ： into the = separator', () => {
    expect(normalizeText('客户＝华为')).toBe('客户=华为');
    expect(normalizeText('客户：华为')).toBe('客户=华为');
  });

  it('turns full-width ， and 、 into token separators', () => {
    expect(normalizeText('客户＝华为，产品＝服务器')).toBe('客户=华为 产品=服务器');
    expect(normalizeText('张三、李四')).toBe('张三 李四');
  });

  it('turns the ideographic space into a normal space', () => {
    expect(normalizeText('订单\u3000列表')).toBe('订单 列表');
  });

  it('turns full-width digits into ASCII digits', () => {
    expect(normalizeText('数量＝１２３４５６７８９０')).toBe('数量=1234567890');
  });

  it('turns a leading full-width slash into a command slash', () => {
    expect(normalizeText('／订单')).toBe('/订单');
    expect(normalizeText('\u3000／订单')).toBe('/订单');
  });

  it('leaves a full-width slash that is not at the start alone', () => {
    expect(normalizeText('比例 1／2')).toBe('比例 1／2');
  });

  it('leaves ASCII colons alone because they appear in times', () => {
    expect(normalizeText('时间=10:00')).toBe('时间=10:00');
  });

  it('leaves ASCII commas alone because they appear in amounts', () => {
    expect(normalizeText('金额=12,500')).toBe('金额=12,500');
  });

  it('collapses whitespace runs and trims', () => {
    expect(normalizeText('  /订单 \t\n  列表  ')).toBe('/订单 列表');
  });

  it('returns an empty string for blank input', () => {
    expect(normalizeText(' \u3000 ')).toBe('');
  });

  it('keeps emoji intact', () => {
    expect(normalizeText('备注＝🎉好消息👍')).toBe('备注=🎉好消息👍');
  });
});

describe('tokenize', () => {
  it('splits on whitespace', () => {
    expect(tokenize('/订单 新建 客户=华为')).toEqual(['/订单', '新建', '客户=华为']);
  });

  it('returns no tokens for empty or blank input', () => {
    expect(tokenize('')).toEqual([]);
    expect(tokenize('   \u3000 ')).toEqual([]);
  });

  it('normalizes full-width key/value syntax into separate tokens', () => {
    expect(tokenize('客户＝华为，产品＝服务器')).toEqual(['客户=华为', '产品=服务器']);
    expect(tokenize('／订单　客户：华为、数量＝１０')).toEqual(['/订单', '客户=华为', '数量=10']);
  });

  it('groups an ASCII double-quoted value with spaces and drops the quotes', () => {
    expect(tokenize('备注 "含 税 价" 结束')).toEqual(['备注', '含 税 价', '结束']);
  });

  it('groups an ASCII single-quoted value', () => {
    expect(tokenize("备注 'a b c'")).toEqual(['备注', 'a b c']);
  });

  it('groups Chinese curly quotes and corner brackets', () => {
    expect(tokenize('“深圳 华强” ‘北京 中关村’ 「上海 浦东」 『广州 天河』')).toEqual([
      '深圳 华强',
      '北京 中关村',
      '上海 浦东',
      '广州 天河',
    ]);
  });

  it('accepts a quote right after = as the value', () => {
    expect(tokenize('说明="含 税 价"')).toEqual(['说明=含 税 价']);
    expect(tokenize('说明＝“含 税 价” 数量=1')).toEqual(['说明=含 税 价', '数量=1']);
    expect(tokenize('地址：「深圳 南山区」')).toEqual(['地址=深圳 南山区']);
  });

  it('keeps quoted text verbatim, without turning full-width punctuation into syntax', () => {
    expect(tokenize('备注="会议：10：00，带样品"')).toEqual(['备注=会议：10：00，带样品']);
  });

  it('lets an unterminated quote take the rest of the input', () => {
    expect(tokenize('备注="没有 结束 的 引号')).toEqual(['备注=没有 结束 的 引号']);
    expect(tokenize('a “b c')).toEqual(['a', 'b c']);
  });

  it('treats an empty quoted value as an explicit empty token', () => {
    expect(tokenize('备注="" x')).toEqual(['备注=', 'x']);
    expect(tokenize('"" x')).toEqual(['', 'x']);
  });

  it('treats an apostrophe inside a word as a literal character', () => {
    expect(tokenize("客户=O'Brien 数量=1")).toEqual(["客户=O'Brien", '数量=1']);
  });

  it('does not close a Chinese quote with a different quote character', () => {
    expect(tokenize('「a "b" c」 d')).toEqual(['a "b" c', 'd']);
  });

  it('treats mention references as ordinary tokens', () => {
    expect(tokenize('/指派 @ou_abc123 订单=42')).toEqual(['/指派', '@ou_abc123', '订单=42']);
  });

  it('keeps emoji, including multi-code-point emoji, inside tokens', () => {
    expect(tokenize('备注=🎉👍🏽 👨‍👩‍👧')).toEqual(['备注=🎉👍🏽', '👨‍👩‍👧']);
  });

  it('handles very long input without blowing up', () => {
    const long = `${'词 '.repeat(5000)}备注="${'长'.repeat(10_000)}`;
    const tokens = tokenize(long);
    expect(tokens).toHaveLength(5001);
    expect(tokens.at(-1)).toBe(`备注=${'长'.repeat(10_000)}`);
    expect(tokenize('x'.repeat(10_000))).toEqual(['x'.repeat(10_000)]);
  });
});

describe('splitArgs', () => {
  it('separates key=value fields from positional tokens, keeping positional order', () => {
    expect(splitArgs(['/订单', '新建', '客户=华为', '紧急', '数量=10'])).toEqual({
      positional: ['/订单', '新建', '紧急'],
      fields: { 客户: '华为', 数量: '10' },
    });
  });

  it('lets the last occurrence of a key win', () => {
    expect(splitArgs(['客户=华为', '客户=中兴']).fields).toEqual({ 客户: '中兴' });
  });

  it('allows an empty value', () => {
    expect(splitArgs(['备注=']).fields).toEqual({ 备注: '' });
  });

  it('keeps everything after the first = as the value', () => {
    expect(splitArgs(['公式=a=b+c']).fields).toEqual({ 公式: 'a=b+c' });
  });

  it('treats a bare = or a token starting with = as positional', () => {
    expect(splitArgs(['=', '=华为', '==x'])).toEqual({ positional: ['=', '=华为', '==x'], fields: {} });
  });

  it('trims keys but keeps them as written', () => {
    expect(splitArgs([' Customer =华为']).fields).toEqual({ Customer: '华为' });
  });

  it('treats a whitespace-only key as positional', () => {
    expect(splitArgs(['  =x'])).toEqual({ positional: ['  =x'], fields: {} });
  });

  it('does not let a __proto__ key touch the prototype', () => {
    const { fields } = splitArgs(['__proto__=x', 'a=1']);
    expect(Object.getPrototypeOf(fields)).toBe(Object.prototype);
    expect(Object.keys(fields)).toEqual(['__proto__', 'a']);
    expect(fields['__proto__']).toBe('x');
  });

  it('works end to end with tokenize on full-width input', () => {
    expect(splitArgs(tokenize('／订单 新建 客户＝华为，产品＝“服务器 X1”'))).toEqual({
      positional: ['/订单', '新建'],
      fields: { 客户: '华为', 产品: '服务器 X1' },
    });
  });
});

describe('scan', () => {
  it('keeps what was typed next to the normalized text', () => {
    const [cmd, field] = scan('／订单　交期：２０２６-１２-０１');
    expect(cmd).toMatchObject({ text: '/订单', raw: '／订单', gap: '' });
    expect(field).toMatchObject({ text: '交期=2026-12-01', kept: '交期：2026-12-01', raw: '交期：２０２６-１２-０１', gap: '\u3000', eq: 2 });
  });

  it('records the separators between tokens, full-width comma and 、 included', () => {
    expect(scan('a，b 、c').map((t) => t.gap)).toEqual(['', '，', ' 、']);
  });

  it('marks the first unquoted = ＝ ： as the separator, never a quoted one', () => {
    expect(scan('备注=a=b')[0]!.eq).toBe(2);
    expect(scan('"a=b"')[0]).toMatchObject({ text: 'a=b', eq: -1, quoted: true });
    expect(scan('说明＝“含 税：价”')[0]).toMatchObject({ text: '说明=含 税：价', kept: '说明＝含 税：价', eq: 2, quoted: false });
    expect(scan('14:30')[0]!.eq).toBe(-1);
  });

  it('says whether a token is exactly one quoted group', () => {
    expect(scan('「深圳 南山」')[0]!.quoted).toBe(true);
    expect(scan('“太贵了”是原话')[0]).toMatchObject({ text: '太贵了是原话', raw: '“太贵了”是原话', quoted: false });
    expect(scan('「没有结束')[0]!.quoted).toBe(false);
    expect(scan('"" x')[0]).toMatchObject({ text: '', quoted: true });
  });

  it('agrees with tokenize', () => {
    const line = '／订单 新建 客户＝华为，产品＝“服务器 X1” 备注="会议：10：00，带样品" O\'Brien';
    expect(scan(line).map((t) => t.text)).toEqual(tokenize(line));
  });
});

describe('fieldOf', () => {
  const field = (s: string) => fieldOf(scan(s)[0]!);

  it('reads key=value with ASCII or full-width separators', () => {
    expect(field('交期=明天')).toEqual({ key: '交期', value: '明天' });
    expect(field('交期＝明天')).toEqual({ key: '交期', value: '明天' });
    expect(field('交期：明天')).toEqual({ key: '交期', value: '明天' });
  });

  it('keeps every later = ＝ ： in the value as typed', () => {
    expect(field('内容=a=b')).toEqual({ key: '内容', value: 'a=b' });
    expect(field('内容=问题：对方嫌贵')).toEqual({ key: '内容', value: '问题：对方嫌贵' });
    expect(field('内容：a＝b：c')).toEqual({ key: '内容', value: 'a＝b：c' });
    expect(field('备注=https://example.com/a?b=c')).toEqual({ key: '备注', value: 'https://example.com/a?b=c' });
  });

  it('still normalizes full-width digits in a value', () => {
    expect(field('数量＝１０')).toEqual({ key: '数量', value: '10' });
  });

  it('is undefined for a plain word, a leading separator, a half-width colon or a quoted =', () => {
    expect(field('客户要求提前发货')).toBeUndefined();
    expect(field('=华为')).toBeUndefined();
    expect(field('14:30')).toBeUndefined();
    expect(field('"下次=明天"')).toBeUndefined();
  });

  it('takes the key of a URL as everything before its first = (the router decides it is no field)', () => {
    expect(field('https://example.com/a?b=c')).toEqual({ key: 'https://example.com/a?b', value: 'c' });
  });
});

describe('freeText', () => {
  const all = (s: string) => {
    const tokens = scan(s);
    return freeText(tokens, tokens.map((_, i) => i > 0));
  };

  it('gives the text back as typed: colons, times, URLs, ＝ and full-width commas', () => {
    expect(all('第1次跟进：客户要求提前发货')).toBe('第1次跟进：客户要求提前发货');
    expect(all('会议:14:30 第２批，a=b、https://x.cn/?id=3')).toBe('会议:14:30 第２批，a=b、https://x.cn/?id=3');
  });

  it('collapses runs of spaces between words, and drops the quotes of a wholly quoted word', () => {
    expect(all('a \u3000\n b')).toBe('a b');
    expect(all('「交期：明天 改为 后天」 好')).toBe('交期：明天 改为 后天 好');
    expect(all('“太贵了”是原话')).toBe('“太贵了”是原话');
  });

  it('joins words that were not next to each other by a space', () => {
    const [a, , c] = scan('甲，已告知客户，乙');
    expect(freeText([a!, c!], [false, false])).toBe('甲 乙');
  });
});

describe('parseDate', () => {
  const today = '2026-03-15'; // a Sunday

  it('accepts ISO-like dates with -, / and . separators', () => {
    expect(parseDate('2026-04-01', today)).toBe('2026-04-01');
    expect(parseDate('2026/04/01', today)).toBe('2026-04-01');
    expect(parseDate('2026.04.01', today)).toBe('2026-04-01');
  });

  it('accepts single-digit months and days', () => {
    expect(parseDate('2026-1-5', today)).toBe('2026-01-05');
    expect(parseDate('2026/1/5', today)).toBe('2026-01-05');
  });

  it('rejects mixed separators', () => {
    expect(parseDate('2026-01/05', today)).toBeNull();
  });

  it('accepts Chinese full dates', () => {
    expect(parseDate('2026年4月1日', today)).toBe('2026-04-01');
    expect(parseDate('2027年12月31日', today)).toBe('2027-12-31');
    expect(parseDate('2026年4月1号', today)).toBe('2026-04-01');
  });

  it('accepts full-width digits', () => {
    expect(parseDate('２０２６年４月１日', today)).toBe('2026-04-01');
  });

  it('reads M月D日 and MM-DD as this year', () => {
    expect(parseDate('4月1日', today)).toBe('2026-04-01');
    expect(parseDate('04-01', today)).toBe('2026-04-01');
    expect(parseDate('4-1', today)).toBe('2026-04-01');
  });

  it('keeps year-less dates in this year even when already past', () => {
    expect(parseDate('1月2日', today)).toBe('2026-01-02');
    expect(parseDate('01-02', today)).toBe('2026-01-02');
  });

  it('understands today, tomorrow and the days after', () => {
    expect(parseDate('今天', today)).toBe('2026-03-15');
    expect(parseDate('today', today)).toBe('2026-03-15');
    expect(parseDate('明天', today)).toBe('2026-03-16');
    expect(parseDate('Tomorrow', today)).toBe('2026-03-16');
    expect(parseDate('后天', today)).toBe('2026-03-17');
    expect(parseDate('大后天', today)).toBe('2026-03-18');
  });

  it('crosses month and year ends', () => {
    expect(parseDate('明天', '2026-12-31')).toBe('2027-01-01');
    expect(parseDate('明天', '2026-01-31')).toBe('2026-02-01');
    expect(parseDate('后天', '2026-02-27')).toBe('2026-03-01');
    expect(parseDate('后天', '2028-02-27')).toBe('2028-02-29');
  });

  it('understands N天后, N日后, +Nd and in N days', () => {
    expect(parseDate('3天后', today)).toBe('2026-03-18');
    expect(parseDate('10日后', today)).toBe('2026-03-25');
    expect(parseDate('+7d', today)).toBe('2026-03-22');
    expect(parseDate('+7D', today)).toBe('2026-03-22');
    expect(parseDate('in 30 days', today)).toBe('2026-04-14');
    expect(parseDate('in 1 day', today)).toBe('2026-03-16');
    expect(parseDate('0天后', today)).toBe('2026-03-15');
    expect(parseDate('365天后', '2026-12-31')).toBe('2027-12-31');
  });

  it('understands Chinese numerals up to ten in N天后', () => {
    expect(parseDate('三天后', today)).toBe('2026-03-18');
    expect(parseDate('两天后', today)).toBe('2026-03-17');
    expect(parseDate('十天后', today)).toBe('2026-03-25');
    expect(parseDate('十一天后', today)).toBeNull();
  });

  it('rejects negative or fractional offsets', () => {
    expect(parseDate('-3天后', today)).toBeNull();
    expect(parseDate('+1.5d', today)).toBeNull();
    expect(parseDate('in -2 days', today)).toBeNull();
  });

  it('returns null when the offset runs past the representable range', () => {
    expect(parseDate('99999999999天后', today)).toBeNull();
    expect(parseDate('9999999999999999999999d', today)).toBeNull();
  });

  it('resolves 下周X to that weekday of next calendar week, Monday-first', () => {
    // today is Sunday 2026-03-15, so next week starts tomorrow
    expect(parseDate('下周一', today)).toBe('2026-03-16');
    expect(parseDate('下周日', today)).toBe('2026-03-22');
    // from a Monday
    expect(parseDate('下周一', '2026-03-16')).toBe('2026-03-23');
    expect(parseDate('下周三', '2026-03-16')).toBe('2026-03-25');
    // from a Wednesday, across a year end
    expect(parseDate('下周五', '2026-12-30')).toBe('2027-01-08');
    expect(parseDate('下星期二', '2026-03-18')).toBe('2026-03-24');
    expect(parseDate('下周天', '2026-03-18')).toBe('2026-03-29');
  });

  it('accepts Feb 29 only in leap years', () => {
    expect(parseDate('2028-02-29', today)).toBe('2028-02-29');
    expect(parseDate('2027-02-29', today)).toBeNull();
    expect(parseDate('2000-02-29', today)).toBe('2000-02-29');
    expect(parseDate('2100-02-29', today)).toBeNull();
    expect(parseDate('2月29日', '2028-01-01')).toBe('2028-02-29');
    expect(parseDate('2月29日', '2027-01-01')).toBeNull();
  });

  it('rejects impossible dates', () => {
    expect(parseDate('2026-02-30', today)).toBeNull();
    expect(parseDate('2026-13-01', today)).toBeNull();
    expect(parseDate('2026-00-10', today)).toBeNull();
    expect(parseDate('2026-04-31', today)).toBeNull();
    expect(parseDate('2026-04-00', today)).toBeNull();
    expect(parseDate('13月1日', today)).toBeNull();
    expect(parseDate('00-00', today)).toBeNull();
  });

  it('rejects garbage', () => {
    for (const bad of ['', '  ', 'abc', '下周八', '上周一', '2026-04', '20260401', '明天见', '🎉']) {
      expect(parseDate(bad, today), bad).toBeNull();
    }
  });

  it('trims surrounding whitespace', () => {
    expect(parseDate('  明天 ', today)).toBe('2026-03-16');
  });

  it('throws on a malformed today because that is a caller bug', () => {
    expect(() => parseDate('明天', '2026-3-15')).toThrow(RangeError);
    expect(() => parseDate('明天', '2026-02-30')).toThrow(RangeError);
  });
});

describe('parseAmount', () => {
  it('parses plain integers and decimals', () => {
    expect(parseAmount('12500')).toBe(12500);
    expect(parseAmount('12500.5')).toBe(12500.5);
    expect(parseAmount('0')).toBe(0);
  });

  it('accepts thousands separators only in proper 3-digit groups', () => {
    expect(parseAmount('12,500')).toBe(12500);
    expect(parseAmount('12,500.50')).toBe(12500.5);
    expect(parseAmount('1,234,567')).toBe(1234567);
    expect(parseAmount('1,2,3')).toBeNull();
    expect(parseAmount('12,50')).toBeNull();
    expect(parseAmount('1234,567')).toBeNull();
    expect(parseAmount(',500')).toBeNull();
  });

  it('accepts a currency prefix and a trailing 元', () => {
    expect(parseAmount('¥12,500')).toBe(12500);
    expect(parseAmount('￥12,500')).toBe(12500);
    expect(parseAmount('12500元')).toBe(12500);
    expect(parseAmount('￥1.5万元')).toBe(15000);
  });

  it('applies unit multipliers', () => {
    expect(parseAmount('￥1.5万')).toBe(15000);
    expect(parseAmount('1.25万')).toBe(12500);
    expect(parseAmount('5千')).toBe(5000);
    expect(parseAmount('3百万')).toBe(3_000_000);
    expect(parseAmount('2千万')).toBe(20_000_000);
    expect(parseAmount('1.2亿')).toBe(120_000_000);
    expect(parseAmount('8k')).toBe(8000);
    expect(parseAmount('8K')).toBe(8000);
    expect(parseAmount('3w')).toBe(30000);
    expect(parseAmount('3W')).toBe(30000);
  });

  it('has no float noise after scaling', () => {
    expect(parseAmount('1.1万')).toBe(11000);
    // each of these is noisy with naive float multiplication (e.g. 1.13 * 10000 = 11299.999…)
    expect(parseAmount('1.13万')).toBe(11300);
    expect(parseAmount('0.07万')).toBe(700);
    expect(parseAmount('0.57亿')).toBe(57_000_000);
    expect(parseAmount('0.1')).toBe(0.1);
    expect(parseAmount('1.005')).toBe(1.01);
  });

  it('rounds to two decimal places', () => {
    expect(parseAmount('12.345')).toBe(12.35);
    expect(parseAmount('12.344')).toBe(12.34);
    expect(parseAmount('1.23456万')).toBe(12345.6);
  });

  it('accepts full-width digits and surrounding whitespace', () => {
    expect(parseAmount(' １２５００ ')).toBe(12500);
  });

  it('rejects negative numbers', () => {
    expect(parseAmount('-100')).toBeNull();
    expect(parseAmount('¥-100')).toBeNull();
  });

  it('rejects garbage and empty input', () => {
    for (const bad of ['', ' ', '12abc', 'abc', 'NaN', 'Infinity', '1e5', '¥', '元', '万', '1.2.3', '.5', '5.', '12 500', '1百']) {
      expect(parseAmount(bad), bad).toBeNull();
    }
  });

  it('rejects amounts too large to represent exactly', () => {
    expect(parseAmount('9'.repeat(400))).toBeNull();
    expect(parseAmount('1000000亿')).toBeNull();
  });
});

describe('parseQuantity', () => {
  it('parses plain and comma-grouped numbers', () => {
    expect(parseQuantity('10')).toBe(10);
    expect(parseQuantity('0')).toBe(0);
    expect(parseQuantity('1,000')).toBe(1000);
    expect(parseQuantity('2.5')).toBe(2.5);
  });

  it('strips trailing unit words', () => {
    expect(parseQuantity('10个')).toBe(10);
    expect(parseQuantity('3件')).toBe(3);
    expect(parseQuantity('2台')).toBe(2);
    expect(parseQuantity('5套')).toBe(5);
    expect(parseQuantity('100pcs')).toBe(100);
    expect(parseQuantity('100 PCS')).toBe(100);
    expect(parseQuantity('1,200个')).toBe(1200);
  });

  it('accepts full-width digits', () => {
    expect(parseQuantity('１０台')).toBe(10);
  });

  it('rejects negatives, bad grouping and garbage', () => {
    for (const bad of ['', '-1', '1,2,3', 'abc', '10abc', '个', '10个个', '十个']) {
      expect(parseQuantity(bad), bad).toBeNull();
    }
  });
});

describe('parseBool', () => {
  it('recognizes true words', () => {
    for (const word of ['是', '对', 'yes', 'YES', 'y', 'Y', 'true', 'True', '1', 'on', 'ON', '开']) {
      expect(parseBool(word), word).toBe(true);
    }
  });

  it('recognizes false words', () => {
    for (const word of ['否', '错', 'no', 'No', 'n', 'false', 'FALSE', '0', 'off', '关']) {
      expect(parseBool(word), word).toBe(false);
    }
  });

  it('trims whitespace and accepts full-width digits', () => {
    expect(parseBool(' yes ')).toBe(true);
    expect(parseBool('１')).toBe(true);
  });

  it('returns null for anything else', () => {
    for (const word of ['', 'maybe', '2', 'yess', '是的吗', 'toString', '__proto__', 'constructor']) {
      expect(parseBool(word), word).toBeNull();
    }
  });
});

describe('editDistance', () => {
  it('computes classic Levenshtein distances', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('abc', '')).toBe(3);
    expect(editDistance('', '')).toBe(0);
    expect(editDistance('same', 'same')).toBe(0);
  });

  it('counts a Chinese character as one edit', () => {
    expect(editDistance('订单', '订蛋')).toBe(1);
    expect(editDistance('客户', '订单')).toBe(2);
  });

  it('counts an astral-plane emoji as one code point, not two UTF-16 units', () => {
    expect(editDistance('a🎉b', 'ab')).toBe(1);
    expect(editDistance('🎉', '👍')).toBe(1);
  });

  it('is symmetric', () => {
    expect(editDistance('华为技术', '华为')).toBe(editDistance('华为', '华为技术'));
  });
});

describe('closest', () => {
  const commands = ['订单', '客户', '报价', '帮助', 'order', 'customer'];

  it('suggests 订单 for the typo /订蛋', () => {
    expect(closest('/订蛋', commands)).toBe('订单');
    expect(closest('订蛋', commands)).toBe('订单');
  });

  it('ignores case and a leading slash on either side', () => {
    expect(closest('/ORDR', commands)).toBe('order');
    expect(closest('订单', ['/订单'])).toBe('/订单');
    expect(closest('／订蛋', commands)).toBe('订单');
  });

  it('returns an exact match', () => {
    expect(closest('报价', commands)).toBe('报价');
  });

  it('returns undefined when nothing is close enough', () => {
    expect(closest('天气', commands)).toBeUndefined();
    expect(closest('xyz', commands)).toBeUndefined();
    expect(closest('订蛋', [])).toBeUndefined();
  });

  it('scales the default tolerance with input length', () => {
    // 'custmr' has 6 chars → tolerance 2; two deletions from 'customer'
    expect(closest('custmr', commands)).toBe('customer');
    // 'cstmr' has 5 chars → tolerance 1; three deletions is too far
    expect(closest('cstmr', commands)).toBeUndefined();
  });

  it('respects an explicit maxDistance', () => {
    expect(closest('cstmr', commands, 3)).toBe('customer');
    expect(closest('订蛋', commands, 0)).toBeUndefined();
  });

  it('prefers the nearest candidate, then the earlier one on ties', () => {
    expect(closest('abcd', ['abxy', 'abcx'], 2)).toBe('abcx');
    expect(closest('ab', ['ax', 'xb'])).toBe('ax');
  });
});

describe('similarity', () => {
  it('treats a company name with and without 有限公司 as identical', () => {
    expect(similarity('华为技术有限公司', '华为技术')).toBe(1);
  });

  it('strips the common Chinese legal suffixes', () => {
    expect(similarity('中兴通讯股份有限公司', '中兴通讯')).toBe(1);
    expect(similarity('某某有限责任公司', '某某')).toBe(1);
    expect(similarity('阿里巴巴集团', '阿里巴巴')).toBe(1);
    expect(similarity('腾讯科技(深圳)有限公司', '腾讯')).toBe(1);
    expect(similarity('腾讯科技（深圳）有限公司', '腾讯科技')).toBe(1);
  });

  it('strips English legal suffixes, case and whitespace', () => {
    expect(similarity('Huawei Technologies Co., Ltd.', 'huawei technologies')).toBe(1);
    expect(similarity('Acme Inc.', 'ACME')).toBe(1);
    expect(similarity('Acme Limited', 'acme')).toBe(1);
    expect(similarity('华为 技术', '华为技术')).toBe(1);
  });

  it('does not strip English suffix letters that are part of a word', () => {
    expect(similarity('Tesco', 'Tes')).toBeLessThan(1);
  });

  it('rates a name that extends another as a near match (≥ 0.8), from its start only', () => {
    expect(similarity('深圳华强', '深圳华强电子')).toBe(1); // 电子 is a trade word
    expect(similarity('华星', '华星光明')).toBeCloseTo(0.9);
    expect(similarity('Acme', 'Acme Robotics')).toBeGreaterThanOrEqual(0.8);
    expect(similarity('新华星', '华星')).toBeLessThan(0.8);
    expect(similarity('Tesco', 'Tes')).toBeLessThan(0.8); // three letters are not a brand
  });

  it('strips a province or city prefix (深圳市华星科技有限公司 is 华星科技)', () => {
    expect(similarity('深圳市华星科技有限公司', '华星科技')).toBe(1);
    expect(similarity('广东省深圳市华星光电技术有限公司', '华星')).toBe(1);
    expect(companyKey('广东省深圳市华星科技有限公司')).toEqual({ core: '华星', region: '广东深圳' });
    expect(companyKey('华星科技（深圳）有限公司')).toEqual({ core: '华星', region: '' });
    // A name that is only a place keeps it.
    expect(companyKey('深圳市')).toEqual({ core: '深圳市', region: '' });
  });

  it('keeps the region when both names have different ones: 青岛啤酒 is not 重庆啤酒', () => {
    expect(similarity('青岛啤酒', '重庆啤酒')).toBeLessThan(0.8);
    expect(similarity('深圳华星', '广州华星')).toBeLessThan(0.8);
    expect(similarity('深圳华星', '深圳市华星科技')).toBe(1);
  });

  it('folds traditional characters to simplified (華星科技 is 华星科技)', () => {
    expect(similarity('華星科技', '华星科技')).toBe(1);
    expect(similarity('深圳市華星電子有限公司', '华星')).toBe(1);
    expect(similarity('廣州鴻達貿易', '广州鸿达')).toBe(1);
  });

  it('treats one brand with another trade as a near match (华星电子 vs 华星科技)', () => {
    expect(similarity('华星电子', '华星科技')).toBeGreaterThanOrEqual(0.8);
    expect(similarity('华星光电技术', '华星')).toBeGreaterThanOrEqual(0.8);
  });

  it('is not too eager: a different brand is no match, whatever it shares', () => {
    expect(similarity('华星', '华为')).toBeLessThan(0.8);
    expect(similarity('华星科技', '华为科技')).toBeLessThan(0.8);
    expect(similarity('华星光电技术', '华为光电技术')).toBeLessThan(0.8);
    expect(similarity('华', '华星')).toBeLessThan(0.8); // one character is not a brand
  });

  it('rates unrelated companies as dissimilar', () => {
    expect(similarity('华为技术有限公司', '小米科技有限公司')).toBeLessThan(0.3);
    expect(similarity('华为', '中兴')).toBe(0);
  });

  it('never strips a name down to nothing', () => {
    expect(similarity('有限公司', '公司')).toBeLessThan(1);
    expect(similarity('集团', '集团')).toBe(1);
  });

  it('returns a value in [0, 1] and is symmetric', () => {
    const pairs: [string, string][] = [
      ['', ''],
      ['', '华为'],
      ['深圳华强', '深圳华强电子'],
      ['🎉', 'abc'],
    ];
    for (const [a, b] of pairs) {
      const s = similarity(a, b);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(1);
      expect(similarity(b, a)).toBe(s);
    }
  });
});
