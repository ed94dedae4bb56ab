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

/**
 * Splits a message into tokens, shell-style. A quote opens only at the start of a token
 * or right after '=' (so apostrophes inside words stay literal). Unquoted text is
 * normalized exactly like normalizeText; quoted text is kept verbatim, because it is
 * free text (notes, addresses) where '：' or '，' must not turn into syntax.
 * An unterminated quote swallows the rest of the input.
 */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let inToken = false; // distinguishes an explicit empty "" token from no token
  let closer: string | undefined;
  let atStart = true;

  for (const raw of text) {
    if (closer !== undefined) {
      if (raw === closer) closer = undefined;
      else current += raw;
      continue;
    }
    const opens = QUOTE_PAIRS.get(raw);
    if (opens !== undefined && (!inToken || current.endsWith('='))) {
      closer = opens;
      inToken = true;
      atStart = false;
      continue;
    }
    let ch = normalizeChar(raw);
    if (/\s/.test(ch)) {
      if (inToken) tokens.push(current);
      current = '';
      inToken = false;
      continue;
    }
    if (atStart && ch === '／') ch = '/';
    atStart = false;
    current += ch;
    inToken = true;
  }
  if (inToken) tokens.push(current);
  return tokens;
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

function companyKey(name: string): string {
  let s = name.normalize('NFKC').toLowerCase().replace(TRAILING_JUNK, '');
  for (;;) {
    const next = s.replace(COMPANY_SUFFIX, '').replace(TRAILING_JUNK, '');
    if (next === s || next === '') break; // never strip a name down to nothing
    s = next;
  }
  return s.replace(/[\s\p{P}]/gu, '');
}

/** 1 − distance/maxLen after stripping case, spaces and company suffixes; 1 = same name. */
export function similarity(a: string, b: string): number {
  const x = companyKey(a);
  const y = companyKey(b);
  const maxLen = Math.max(Array.from(x).length, Array.from(y).length);
  return maxLen === 0 ? 1 : 1 - editDistance(x, y) / maxLen;
}
