// Pure text parsing for the chat command router: no I/O, no clock, no dependencies.
// Everything here works on what a user typed into Feishu, often on a phone with a
// Chinese IME, so full-width punctuation and Chinese numerals are first-class input.

// ---------------------------------------------------------------------------
// Normalization & tokenizing
// ---------------------------------------------------------------------------

// ASCII ':' is deliberately absent: it appears in times (10:00) and is not a separator.
// Full-width '：' is what IMEs produce when people mean "key: value", so it maps to '='.
const CHAR_MAP: ReadonlyMap<string, string> = new Map([
  ['＝', '='],
  ['：', '='],
  ['，', ' '],
  ['、', ' '],
  ['\u3000', ' '],
]);

const FULLWIDTH_ZERO = 0xff10;
const FULLWIDTH_NINE = 0xff19;

/** Normalizes a single code point (full-width digits → ASCII, separators per CHAR_MAP). */
function normalizeChar(ch: string): string {
  const mapped = CHAR_MAP.get(ch);
  if (mapped !== undefined) return mapped;
  const cp = ch.codePointAt(0) ?? 0;
  if (cp >= FULLWIDTH_ZERO && cp <= FULLWIDTH_NINE) return String.fromCodePoint(cp - FULLWIDTH_ZERO + 0x30);
  return ch;
}

/** Full-width command punctuation → our ASCII syntax; collapses whitespace; trims. */
export function normalizeText(text: string): string {
  const s = Array.from(text, normalizeChar).join('').replace(/\s+/g, ' ').trim();
  // Only a leading '／' is a command prefix; elsewhere it may be part of a value (1／2).
  return s.startsWith('／') ? `/${s.slice(1)}` : s;
}

const QUOTE_PAIRS: ReadonlyMap<string, string> = new Map([
  ['"', '"'],
  ["'", "'"],
  ['“', '”'],
  ['‘', '’'],
  ['「', '」'],
  ['『', '』'],
]);

/** One word of a command line, as the router reads it and as the user typed it. */
export interface Token {
  /** Normalized like normalizeText (full-width ＝ and ： read as '='), grouping quotes removed. */
  text: string;
  /** `text` with every full-width ＝ and ： kept as typed: what a field's value keeps. */
  kept: string;
  /** Exactly as typed, quotes included. */
  raw: string;
  /** What was typed between the previous token and this one: spaces, ， or 、. */
  gap: string;
  /** Index in `text` of the first unquoted = ＝ or ：, the key/value separator; -1 if none. */
  eq: number;
  /** The whole token is one quoted group ("…", “…”, 「…」, …). */
  quoted: boolean;
}

/**
 * Splits a message into tokens, shell-style. A quote opens only at the start of a token
 * or right after an unquoted '=' (so apostrophes inside words stay literal). Unquoted text is
 * normalized exactly like normalizeText; quoted text is kept verbatim, because it is
 * free text (notes, addresses) where '：' or '，' must not turn into syntax.
 * An unterminated quote swallows the rest of the input. Each token also carries what was
 * typed, so free text can be handed on as written (see Token).
 */
export function scan(text: string): Token[] {
  const tokens: Token[] = [];
  let start = -1; // source offset of the current token; -1 between tokens
  let gapStart = 0;
  let norm = '';
  let kept = '';
  let eq = -1;
  let afterSeparator = false; // the last character was an unquoted key/value separator
  let groups = 0; // quote groups in this token
  let opensToken = false; // the token began with a quote
  let wholeGroup = false; // ...that has closed, and nothing followed it yet
  let closer: string | undefined;
  let pos = 0;

  const finish = (end: number) => {
    tokens.push({ text: norm, kept, raw: text.slice(start, end), gap: text.slice(gapStart, start), eq, quoted: wholeGroup });
    start = -1;
    gapStart = end;
    norm = kept = '';
    eq = -1;
    afterSeparator = opensToken = wholeGroup = false;
    groups = 0;
  };

  for (const raw of text) {
    const at = pos;
    pos += raw.length;
    if (closer !== undefined) {
      if (raw === closer) {
        closer = undefined;
        wholeGroup = groups === 1 && opensToken;
      } else {
        norm += raw;
        kept += raw;
      }
      continue;
    }
    const opens = QUOTE_PAIRS.get(raw);
    if (opens !== undefined && (start < 0 || afterSeparator)) {
      if (start < 0) {
        start = at;
        opensToken = true;
      }
      closer = opens;
      groups++;
      afterSeparator = false;
      continue;
    }
    let ch = normalizeChar(raw);
    if (/\s/.test(ch)) {
      if (start >= 0) finish(at);
      continue;
    }
    if (start < 0) {
      start = at;
      if (tokens.length === 0 && ch === '／') ch = '/';
    }
    wholeGroup = false;
    afterSeparator = ch === '=';
    if (afterSeparator && eq < 0) eq = norm.length;
    norm += ch;
    kept += ch === '=' ? raw : ch;
  }
  if (start >= 0) finish(pos);
  return tokens;
}

/** The tokens' normalized text (see scan). */
export function tokenize(text: string): string[] {
  return scan(text).map((t) => t.text);
}

/** A token's `key=value` (key trimmed, value after the first separator, ＝ ： kept as typed); undefined for a plain word. */
export function fieldOf(token: Token): { key: string; value: string } | undefined {
  const key = token.eq > 0 ? token.text.slice(0, token.eq).trim() : '';
  return key === '' ? undefined : { key, value: token.kept.slice(token.eq + 1) };
}

/**
 * Free text from consecutive tokens, as typed: each token's own characters (a token that is one
 * quoted group gives its contents), joined by what separated them (， 、 kept, spaces collapsed).
 * `adjacent[i]` says token i followed token i-1 directly; where something was taken out between
 * them (a field, a flag, a mention), they are joined by a space.
 */
export function freeText(tokens: Token[], adjacent: boolean[]): string {
  return tokens
    .map((t, i) => `${i === 0 ? '' : adjacent[i] ? t.gap.replace(/\s+/g, ' ') : ' '}${t.quoted ? t.text : t.raw}`)
    .join('');
}

export interface SplitArgs {
  positional: string[];
  fields: Record<string, string>;
}

/** Separates `key=value` tokens (last one wins) from positional tokens (order kept). */
export function splitArgs(tokens: string[]): SplitArgs {
  const positional: string[] = [];
  const fields = new Map<string, string>();
  for (const token of tokens) {
    const eq = token.indexOf('=');
    const key = eq > 0 ? token.slice(0, eq).trim() : '';
    if (key === '') {
      positional.push(token);
      continue;
    }
    fields.delete(key); // so the surviving entry reflects the last occurrence's position
    fields.set(key, token.slice(eq + 1));
  }
  // fromEntries defines own properties, so a key like "__proto__" cannot touch the prototype.
  return { positional, fields: Object.fromEntries(fields) };
}

// ---------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------

const DAY_MS = 86_400_000;

const CN_DIGITS: Readonly<Record<string, number>> = {
  零: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9, 十: 10,
};

const RELATIVE_DAYS: Readonly<Record<string, number>> = {
  今天: 0, today: 0, 明天: 1, tomorrow: 1, 后天: 2, 大后天: 3,
};

// Monday-first: offset from that week's Monday.
const WEEKDAY_OFFSET: Readonly<Record<string, number>> = {
  一: 0, 二: 1, 三: 2, 四: 3, 五: 4, 六: 5, 日: 6, 天: 6,
};

/** Builds a UTC date, or null if y-m-d is not a real calendar date. */
function makeDate(y: number, m: number, d: number): Date | null {
  if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31) return null;
  const date = new Date(0);
  date.setUTCFullYear(y, m - 1, d); // setUTCFullYear avoids Date.UTC's 0–99 → 19xx quirk
  return date.getUTCMonth() === m - 1 && date.getUTCDate() === d ? date : null;
}

function addDays(date: Date, days: number): Date | null {
  const result = new Date(date.getTime() + days * DAY_MS);
  return Number.isFinite(result.getTime()) ? result : null;
}

function formatDate(date: Date): string | null {
  const y = date.getUTCFullYear();
  if (y < 1 || y > 9999) return null;
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  return `${pad(y, 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}`;
}

/** Accepts ASCII digits, or a single Chinese numeral 零..十 (so 两天后 / 三天后 work). */
function parseCount(s: string): number | null {
  if (/^\d+$/.test(s)) return Number(s);
  return CN_DIGITS[s] ?? null;
}

type DateRule = [RegExp, (m: RegExpMatchArray, today: Date) => Date | null];

const DATE_RULES: readonly DateRule[] = [
  // 2026-01-05, 2026/1/5, 2026.01.05 (separators must match)
  [/^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})$/, (m) => makeDate(Number(m[1]), Number(m[3]), Number(m[4]))],
  [/^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?$/, (m) => makeDate(Number(m[1]), Number(m[2]), Number(m[3]))],
  // Year-less forms always mean the current year, even if already past: guessing
  // "next year" silently would be worse than an obviously-past date the user can fix.
  [/^(\d{1,2})月(\d{1,2})[日号]?$/, (m, t) => makeDate(t.getUTCFullYear(), Number(m[1]), Number(m[2]))],
  [/^(\d{1,2})[-/](\d{1,2})$/, (m, t) => makeDate(t.getUTCFullYear(), Number(m[1]), Number(m[2]))],
  [/^(今天|today|明天|tomorrow|大后天|后天)$/, (m, t) => addDays(t, RELATIVE_DAYS[m[1] ?? ''] ?? 0)],
  [/^(\d+|[零一二两三四五六七八九十])[天日]后$/, (m, t) => offsetDays(t, m[1])],
  [/^\+(\d+)d$/, (m, t) => offsetDays(t, m[1])],
  [/^in (\d+) days?$/, (m, t) => offsetDays(t, m[1])],
  [/^下(?:周|星期|礼拜)([一二三四五六日天])$/, (m, t) => nextWeekday(t, m[1])],
];

function offsetDays(today: Date, count: string | undefined): Date | null {
  const n = parseCount(count ?? '');
  return n === null ? null : addDays(today, n);
}

function nextWeekday(today: Date, day: string | undefined): Date | null {
  const offset = WEEKDAY_OFFSET[day ?? ''];
  if (offset === undefined) return null;
  const sinceMonday = (today.getUTCDay() + 6) % 7;
  return addDays(today, 7 - sinceMonday + offset);
}

/**
 * Parses a user-entered date relative to `today` ('YYYY-MM-DD', business timezone).
 * Returns 'YYYY-MM-DD' or null. Throws RangeError if `today` itself is malformed,
 * since that is a programming error, not bad user input.
 */
export function parseDate(input: string, today: string): string | null {
  const t = /^(\d{4})-(\d{2})-(\d{2})$/.exec(today);
  const base = t ? makeDate(Number(t[1]), Number(t[2]), Number(t[3])) : null;
  if (!base) throw new RangeError(`parseDate: invalid today "${today}"`);

  const s = normalizeText(input).toLowerCase();
  for (const [re, build] of DATE_RULES) {
    const m = re.exec(s);
    if (!m) continue;
    const date = build(m, base);
    return date ? formatDate(date) : null;
  }
  return null;
}

// ---------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------

// Thousands separators only in proper 3-digit groups, so "1,2,3" is rejected.
const NUMBER = String.raw`(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?`;

// Multipliers as powers of ten so scaling is exact decimal shifting, not float multiply.
const AMOUNT_UNIT_EXP: Readonly<Record<string, number>> = {
  千: 3, k: 3, 万: 4, w: 4, 百万: 6, 千万: 7, 亿: 8,
};

const AMOUNT_RE = new RegExp(String.raw`^[¥￥]?\s*${NUMBER}\s*(千万|百万|亿|千|万|w|k)?\s*元?$`, 'i');

/** Money: optional ¥/￥, thousands separators, decimals, 千/万/w/百万/千万/亿/k, trailing 元. */
export function parseAmount(input: string): number | null {
  const m = AMOUNT_RE.exec(normalizeText(input));
  if (!m) return null;
  const digits = `${(m[1] ?? '').replaceAll(',', '')}.${m[2] ?? '0'}`;
  const exp = AMOUNT_UNIT_EXP[(m[3] ?? '').toLowerCase()] ?? 0;
  // Shift into cents via the exponent in the string, so "1.1万" is exactly 1100000 cents.
  const cents = Math.round(Number(`${digits}e${exp + 2}`));
  // Beyond 2^53 cents the value can't be represented exactly; treat as invalid input.
  return Number.isSafeInteger(cents) ? cents / 100 : null;
}

const QUANTITY_UNITS = ['个', '件', '台', '套', '只', '箱', '盒', '张', '条', '支', '瓶', '包', '份', '片', '块', 'pcs', 'pc'];

const QUANTITY_RE = new RegExp(String.raw`^${NUMBER}\s*(?:${QUANTITY_UNITS.join('|')})?$`, 'i');

/** A count ≥ 0 with optional thousands separators and a trailing unit word (stripped). */
export function parseQuantity(input: string): number | null {
  const m = QUANTITY_RE.exec(normalizeText(input));
  if (!m) return null;
  const value = Number(`${(m[1] ?? '').replaceAll(',', '')}.${m[2] ?? '0'}`);
  return Number.isFinite(value) ? value : null;
}

// A Map, not an object literal: free-form input like "__proto__" must not hit the prototype.
const BOOL_WORDS: ReadonlyMap<string, boolean> = new Map([
  ...['是', '对', 'yes', 'y', 'true', '1', 'on', '开'].map((w) => [w, true] as const),
  ...['否', '错', 'no', 'n', 'false', '0', 'off', '关'].map((w) => [w, false] as const),
]);

export function parseBool(input: string): boolean | null {
  return BOOL_WORDS.get(normalizeText(input).toLowerCase()) ?? null;
}

// ---------------------------------------------------------------------------
// Fuzzy matching
// ---------------------------------------------------------------------------

/** Levenshtein distance over Unicode code points (so a CJK char or emoji counts as one). */
export function editDistance(a: string, b: string): number {
  const s = Array.from(a);
  const t = Array.from(b);
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    for (let j = 1; j <= t.length; j++) {
      const substitution = (prev[j - 1] ?? 0) + (s[i - 1] === t[j - 1] ? 0 : 1);
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, substitution);
    }
    prev = cur;
  }
  return prev[t.length] ?? 0;
}

// Commands may be typed with or without the leading '/', in any case.
const commandKey = (s: string) => normalizeText(s).toLowerCase().replace(/^\//, '');

/**
 * The candidate nearest to `input` (ignoring case and a leading '/'), for "did you mean".
 * Ties go to the earlier candidate. Default tolerance scales with input length.
 */
export function closest(input: string, candidates: string[], maxDistance?: number): string | undefined {
  const key = commandKey(input);
  const limit = maxDistance ?? Math.max(1, Math.floor(Array.from(key).length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(key, commandKey(candidate));
    if (d <= limit && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

// Legal-form suffixes that don't distinguish one customer from another. Longest first.
// A trailing bracketed region like "(深圳)" is a qualifier of the legal name, too.
// English words must follow a space/punctuation so "Tesco" doesn't lose its "co".
const COMPANY_SUFFIX =
  /(?:股份有限公司|有限责任公司|有限公司|公司|集团|科技|[(（][^()（）]*[)）]|(?<=^|[\s\p{P}])(?:co|ltd|inc|limited))$/u;
const TRAILING_JUNK = /[\s.,，。]+$/u;
// A bracketed qualifier anywhere ("华星（深圳）科技") names a place or branch, not the company.
const BRACKETED = /[(（][^()（）]*[)）]/gu;

// Trades named after the brand (字号): 华星电子 and 华星光电技术 are both "华星". Stripped from the
// end, longest first, while at least a two-character brand is left.
const TRADE_WORDS = [
  '电子商务', '供应链', '进出口', '自动化', '新材料', '新能源', '半导体', '智能', '电子', '光电', '技术', '实业',
  '贸易', '商贸', '工贸', '电器', '电气', '机械', '机电', '设备', '制造', '工业', '信息', '网络', '通讯', '通信',
  '软件', '材料', '化工', '物流', '国际', '控股', '发展', '投资', '精密', '五金', '塑胶', '塑料', '包装', '印刷',
  '照明', '能源', '环保', '医疗', '生物', '食品', '纺织', '服饰', '建材', '工程', '模具', '汽配', '数码', '仪器',
];
const TRADE_SUFFIX = new RegExp(`(?:${TRADE_WORDS.join('|')})$`, 'u');

// Provinces and the larger cities, as they open a legal name: 广东省深圳市华星… → 华星.
const PROVINCES = ['内蒙古', '黑龙江', '广东', '浙江', '江苏', '山东', '福建', '河北', '河南', '湖北', '湖南', '四川', '陕西', '山西', '安徽', '江西', '辽宁', '吉林', '云南', '贵州', '广西', '海南', '甘肃', '青海', '宁夏', '新疆', '西藏', '台湾'];
const CITIES = [
  '乌鲁木齐', '呼和浩特', '石家庄', '哈尔滨', '北京', '上海', '天津', '重庆', '深圳', '广州', '东莞', '佛山', '珠海', '中山', '惠州', '江门',
  '汕头', '杭州', '宁波', '温州', '嘉兴', '绍兴', '金华', '台州', '义乌', '苏州', '南京', '无锡', '常州', '南通', '扬州', '徐州', '昆山',
  '合肥', '武汉', '长沙', '成都', '西安', '郑州', '济南', '青岛', '烟台', '厦门', '福州', '泉州', '南昌', '南宁', '昆明', '贵阳', '沈阳',
  '大连', '长春', '太原', '兰州', '银川', '西宁', '拉萨', '海口', '三亚', '香港', '澳门', '台北',
];
const REGION_PREFIX = new RegExp(`^(?:(${PROVINCES.join('|')})(?:维吾尔自治区|壮族自治区|回族自治区|自治区|省)?|(${CITIES.join('|')})市?)`, 'u');

// Traditional → simplified for characters common in company names (a full OpenCC table would
// be ~1 MB in the Workers bundle for names that use a few hundred characters).
const TRADITIONAL =
  '華华電电業业實实貿贸際际國国團团發发開开東东車车門门龍龙鳳凤興兴達达順顺豐丰廣广億亿萬万寶宝邁迈聯联網网絡络訊讯資资產产醫医藥药' +
  '體体製制廠厂礦矿農农銀银鋼钢鐵铁錶表鏈链環环園园圖图書书紡纺織织裝装飾饰燈灯導导協协會会學学術术專专傳传灣湾臺台陽阳貝贝創创' +
  '愛爱榮荣長长漢汉蘇苏滬沪魯鲁遼辽瀋沈廈厦鄭郑濟济寧宁楊杨劉刘陳陈張张黃黄趙赵吳吴馬马孫孙錢钱許许謝谢韓韩葉叶羅罗鍾钟雲云紅红' +
  '綠绿藍蓝銅铜鋁铝膠胶纖纤維维線线纜缆腦脑軟软號号質质優优貨货運运輸输倉仓儲储驗验測测試试檢检標标準准設设計计備备儀仪動动節节' +
  '風风碼码數数據据視视聲声頻频響响麗丽賽赛歐欧亞亚鴻鸿滙汇匯汇圓圆強强啟启勝胜島岛區区鎮镇莊庄營营衛卫護护潔洁鮮鲜飲饮館馆藝艺' +
  '錦锦樂乐輪轮軸轴鑄铸壓压閥阀爐炉熱热溫温無无為为與与時时間间現现進进遠远連连過过權权極极務务經经價价貴贵財财證证險险託托' +
  '氣气機机眾众濤涛鋒锋銳锐彙汇晉晋韻韵鵬鹏騰腾飛飞揚扬燦灿';
const T2S: ReadonlyMap<string, string> = new Map(Array.from({ length: TRADITIONAL.length / 2 }, (_, i) => [TRADITIONAL[2 * i]!, TRADITIONAL[2 * i + 1]!]));
const toSimplified = (s: string) => Array.from(s, (ch) => T2S.get(ch) ?? ch).join('');

const CJK = /\p{Script=Han}/u;
/** A CJK character carries about as much of a name as two Latin letters. */
const weight = (s: string) => Array.from(s).reduce((n, ch) => n + (CJK.test(ch) ? 2 : 1), 0);

/** Strips `re` from the end (or start) of `s` while what remains still names something (weight ≥ 4). */
function stripWhile(s: string, re: RegExp, keep = 4): string {
  for (;;) {
    const next = s.replace(re, '').replace(TRAILING_JUNK, '');
    if (next === s || weight(next.replace(/[\s\p{P}]/gu, '')) < keep) return s;
    s = next;
  }
}

export interface CompanyKey {
  /** The brand: no legal form, trade words, region, case, spaces or punctuation. */
  core: string;
  /** The province/city the name opened with ('广东深圳'), or '' when it named none. */
  region: string;
}

/**
 * What identifies a customer in its name: 深圳市华星科技有限公司, 華星科技 and 华星 all give
 * { core: '华星' } (the first with region '深圳'). Traditional characters fold to simplified.
 */
export function companyKey(name: string): CompanyKey {
  let s = toSimplified(name.normalize('NFKC').toLowerCase()).replace(TRAILING_JUNK, '');
  // Legal form first (never down to nothing), then bracketed places, the region and trade words.
  for (;;) {
    const next = s.replace(COMPANY_SUFFIX, '').replace(TRAILING_JUNK, '');
    if (next === s || next === '') break;
    s = next;
  }
  s = stripWhile(s, BRACKETED);
  let region = '';
  for (;;) {
    const m = REGION_PREFIX.exec(s);
    const rest = m ? s.slice(m[0].length) : s;
    if (!m || weight(rest.replace(/[\s\p{P}]/gu, '')) < 4) break;
    region += m[1] ?? m[2] ?? '';
    s = rest;
  }
  // After the region, so 北京电子 stays 电子 (of 北京) rather than becoming the place alone.
  s = stripWhile(s, TRADE_SUFFIX);
  return { core: s.replace(/[\s\p{P}]/gu, ''), region };
}

/**
 * How alike two customer names are, 0–1; 1 = the same brand. Compared on companyKey: names from
 * two different regions compare with their regions (青岛啤酒 ≠ 重庆啤酒). One brand opening the
 * other (华星 / 华星电子) is a near match (≥ 0.8), but only from the start and with at least two
 * CJK characters or four letters — 华星 is not 华为, nor 新华星.
 */
export function similarity(a: string, b: string): number {
  const ka = companyKey(a);
  const kb = companyKey(b);
  const withRegion = ka.region && kb.region && ka.region !== kb.region;
  const x = withRegion ? ka.region + ka.core : ka.core;
  const y = withRegion ? kb.region + kb.core : kb.core;
  const lx = Array.from(x).length;
  const ly = Array.from(y).length;
  const maxLen = Math.max(lx, ly);
  if (maxLen === 0) return 1;
  const byEdits = 1 - editDistance(x, y) / maxLen;
  const [short, long] = lx <= ly ? [x, y] : [y, x];
  const contained = short !== long && weight(short) >= 4 && long.startsWith(short);
  return contained ? Math.max(byEdits, 0.8 + (0.2 * Math.min(lx, ly)) / maxLen) : byEdits;
}
