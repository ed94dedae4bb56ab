/**
 * Feishu card renderer for the local simulator: card JSON (2.0, and 1.0 tolerated) → an HTML string.
 *
 * Everything lives inside `createCardRenderer()` so the same code runs in two places:
 * - here, imported by the unit tests (test/unit/card-render.test.ts);
 * - in the browser page, which evaluates `(${cardRendererSource()})()` (see simulator-page.ts).
 * So the factory must stay self-contained: no imports, no module-level values, no DOM. Types are fine (erased).
 *
 * Interactive parts carry JSON in `data-*` attributes; the page wires them up:
 * - `data-c` on buttons and clickable containers: {kind:'button', value, name, form, url, confirm, disabled}
 * - `data-c-field` on form fields and standalone selects/pickers: {kind, name, required, inForm, value}
 * - `data-c-table` / `data-c-page` for table paging.
 * Every text is HTML-escaped; links allow http(s), mailto and lark:// only.
 */

export interface RenderPerson {
  openId: string;
  name: string;
}

export interface RenderContext {
  /** open_id → display name, for `<at>` mentions and person components. */
  names?: Record<string, string>;
  /** Options of person pickers that list none (Feishu offers the chat's members). */
  people?: RenderPerson[];
  /** IANA zone for `date` table cells. */
  timeZone?: string;
}

export interface ChartSeries {
  name: string;
  values: Array<number | null>;
}

/** What a VChart bar/line/area spec boils down to. */
export interface ChartModel {
  type: 'bar' | 'line' | 'area';
  horizontal: boolean;
  title?: string;
  categories: string[];
  series: ChartSeries[];
}

/** A form field as read from the page, before Feishu's formatting. */
export interface FormFieldInput {
  kind: string;
  name: string;
  required?: boolean;
  raw: string | string[] | boolean | null | undefined;
}

export function createCardRenderer() {
  type Json = Record<string, unknown>;
  interface State {
    ctx: RenderContext;
    v2: boolean;
    inForm: boolean;
    depth: number;
  }

  const HEADER_TEMPLATES = ['blue', 'wathet', 'turquoise', 'green', 'yellow', 'orange', 'red', 'carmine', 'violet', 'purple', 'indigo', 'grey', 'default'];
  /** Feishu's palette, for `<font color>`, text tags and chart series. */
  const COLORS: Record<string, string> = {
    blue: '#245bdb', wathet: '#037eaa', turquoise: '#067062', green: '#237b19', lime: '#5e7a00', yellow: '#8f6900',
    orange: '#c25705', red: '#d83931', carmine: '#c71077', violet: '#9c2aa0', purple: '#6425d0', indigo: '#3b44b7',
    grey: '#646a73', gray: '#646a73', neutral: '#646a73', default: '#1f2329',
  };
  const CHART_COLORS = ['#3370ff', '#34c724', '#ff8800', '#f54a45', '#7f3bf5', '#04b49c', '#ffc60a', '#e22e6f'];
  const BUTTON_TYPES = ['default', 'primary', 'danger', 'text', 'primary_text', 'danger_text', 'primary_filled', 'danger_filled', 'laser'];
  const MAX_DEPTH = 12;
  /** `<b> <i> <u> <s>` in text and markdown. */
  const STYLE_TAGS: Record<string, string> = { b: 'strong', i: 'em', u: 'u', s: 'del' };

  // ── Small helpers ──

  const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
  const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '');

  function escapeHtml(text: unknown): string {
    return str(text).replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] ?? ch);
  }

  /** A JSON payload for a data-* attribute. */
  const dataAttr = (payload: unknown) => escapeHtml(JSON.stringify(payload));

  function safeUrl(url: string): string | undefined {
    const u = url.trim();
    return /^(https?:\/\/|mailto:|lark:\/\/)/i.test(u) ? u : undefined;
  }

  /** A palette name without its shade suffix: 'red-400' → 'red'. */
  const baseColor = (name: string) => name.toLowerCase().replace(/[-_]?\d+$/, '');

  function colorOf(name: string): string | undefined {
    if (/^#[0-9a-f]{3}([0-9a-f]{3})?$/i.test(name)) return name;
    return COLORS[baseColor(name)];
  }

  function nameOf(id: string, ctx: RenderContext): string {
    if (id === 'all') return '所有人';
    return ctx.names?.[id] ?? id;
  }

  /** The text of a `{tag, content}` object (or a plain string), with Chinese i18n as the fallback. */
  function contentOf(node: unknown): string {
    if (typeof node === 'string') return node;
    if (!isObj(node)) return '';
    const i18n = isObj(node.i18n_content) ? node.i18n_content : isObj(node.i18n) ? node.i18n : undefined;
    return str(node.content) || str(node.text) || str(i18n?.zh_cn) || str(i18n?.en_us);
  }

  /** A text object as HTML: `lark_md` / `markdown` as markdown, anything else as plain text. */
  function textHtml(node: unknown, ctx: RenderContext): string {
    if (isObj(node) && (node.tag === 'lark_md' || node.tag === 'markdown')) return renderMarkdown(contentOf(node), ctx);
    return escapeHtml(contentOf(node)).replace(/\n/g, '<br>');
  }

  const avatarHtml = (name: string) => `<span class="c-avatar">${escapeHtml(Array.from(name)[0] ?? '?')}</span>`;

  function personChip(id: string, ctx: RenderContext): string {
    const name = nameOf(id, ctx);
    return `<span class="c-person">${avatarHtml(name)}${escapeHtml(name)}</span>`;
  }

  function tagChip(text: string, color: string): string {
    const c = COLORS[baseColor(color)] ? baseColor(color) : 'neutral';
    return `<span class="c-tag c-tag-${c}">${escapeHtml(text)}</span>`;
  }

  // ── Markdown (Feishu's lark_md / 2.0 markdown subset) ──

  /**
   * Inline markdown: `code`, <at>, <font>, <text_tag>, links, **bold**, *italic*, ~~strike~~, bare URLs.
   * Text messages (`mode` 'text') get the same minus code spans (Feishu shows their backticks as typed), and
   * `@姓名` typed by people is highlighted like a mention.
   */
  function inlineMarkdown(source: string, ctx: RenderContext, mode: 'markdown' | 'text' = 'markdown'): string {
    const stash: string[] = [];
    const keep = (html: string) => `\u0000${stash.push(html) - 1}\u0001`;
    let s = source.replace(/[\u0000\u0001]/g, '');
    if (mode === 'markdown') s = s.replace(/`([^`\n]+)`/g, (_, text: string) => keep(`<code class="c-icode">${escapeHtml(text)}</code>`));
    s = s.replace(/<at\s+(?:user_id|open_id|id|email)\s*=\s*["']?([^"'\s>]+)["']?\s*>([^<]*)<\/at>/gi, (_, id: string, inner: string) =>
      keep(`<span class="c-at">@${escapeHtml(ctx.names?.[id] ?? (inner || nameOf(id, ctx)))}</span>`),
    );
    if (mode === 'text') {
      const names = Object.values(ctx.names ?? {}).filter(Boolean).sort((a, b) => b.length - a.length);
      for (const name of names) s = s.split(`@${name}`).join(keep(`<span class="c-at">@${escapeHtml(name)}</span>`));
    }
    s = s.replace(/<font\s+color\s*=\s*["']?([#\w-]+)["']?\s*>/gi, (_, color: string) => {
      const css = colorOf(color);
      return keep(css ? `<span style="color:${css}">` : '<span>');
    });
    s = s.replace(/<\/font>/gi, () => keep('</span>'));
    s = s.replace(/<text_tag\s+color\s*=\s*["']?([\w-]+)["']?\s*>([^<]*)<\/text_tag>/gi, (_, color: string, text: string) => keep(tagChip(text, color)));
    s = s.replace(/<br\s*\/?>/gi, () => keep('<br>'));
    s = s.replace(/<(\/?)([bius])>/gi, (_, close: string, tag: string) => keep(`<${close}${STYLE_TAGS[tag.toLowerCase()] ?? 'span'}>`));
    s = s.replace(/!\[([^\]\n]*)\]\(([^)\s]+)\)/g, (_, alt: string) => keep(`<span class="c-unknown">[图片${alt ? ` ${escapeHtml(alt)}` : ''}]</span>`));
    s = s.replace(/\[([^\]\n]+)\]\(([^)\s]+)\)/g, (_, label: string, url: string) => {
      const href = safeUrl(url);
      return href ? keep(`<a href="${escapeHtml(href)}" target="_blank" rel="noopener noreferrer">${inlineMarkdown(label, ctx)}</a>`) : label;
    });
    s = s.replace(/(^|[\s(（：:，,])((?:https?:\/\/)[^\s<>"'\u0000\u0001()（）]+)/g, (_, lead: string, url: string) =>
      lead + keep(`<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${escapeHtml(url)}</a>`),
    );
    s = escapeHtml(s);
    s = s.replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>');
    s = s.replace(/~~(.+?)~~/g, '<del>$1</del>');
    s = s.replace(/(^|[^*])\*(?=\S)([^*\n]*?\S)\*(?!\*)/g, '$1<em>$2</em>');
    return s.replace(/\u0000(\d+)\u0001/g, (_, i: string) => stash[Number(i)] ?? '');
  }

  const TABLE_SEP = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;
  const LIST_ITEM = /^(\s*)([-*+]|\d+[.)])\s+(.*)$/;

  function splitRow(line: string): string[] {
    let row = line.trim();
    if (row.startsWith('|')) row = row.slice(1);
    if (row.endsWith('|') && !row.endsWith('\\|')) row = row.slice(0, -1);
    return row.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, '|'));
  }

  function markdownTable(lines: string[], ctx: RenderContext): string {
    const [head = '', sep = '', ...body] = lines;
    const aligns = splitRow(sep).map((c) => (c.startsWith(':') && c.endsWith(':') ? 'center' : c.endsWith(':') ? 'right' : ''));
    const cell = (tag: 'th' | 'td', text: string, i: number) =>
      `<${tag}${aligns[i] ? ` style="text-align:${aligns[i]}"` : ''}>${inlineMarkdown(text, ctx)}</${tag}>`;
    const headCells = splitRow(head);
    const rows = body.map((l) => `<tr>${splitRow(l).slice(0, headCells.length).map((t, i) => cell('td', t, i)).join('')}</tr>`);
    return `<table class="c-md-table"><thead><tr>${headCells.map((t, i) => cell('th', t, i)).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
  }

  /** Block markdown: paragraphs (single newlines are line breaks), lists, headings, quotes, code, tables, rules. */
  function renderMarkdown(source: unknown, ctx: RenderContext = {}): string {
    const lines = str(source).replace(/\r\n?/g, '\n').split('\n');
    const out: string[] = [];
    let para: string[] = [];
    const flush = () => {
      if (para.length) out.push(`<p>${para.map((l) => inlineMarkdown(l, ctx)).join('<br>')}</p>`);
      para = [];
    };
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] ?? '';
      if (/^\s*```/.test(line)) {
        flush();
        const code: string[] = [];
        while (++i < lines.length && !/^\s*```/.test(lines[i] ?? '')) code.push(lines[i] ?? '');
        out.push(`<pre class="c-code"><code>${escapeHtml(code.join('\n'))}</code></pre>`);
        continue;
      }
      if (line.includes('|') && TABLE_SEP.test(lines[i + 1] ?? '') && (lines[i + 1] ?? '').includes('-')) {
        flush();
        const rows = [line, lines[i + 1] ?? ''];
        i += 2;
        while (i < lines.length && (lines[i] ?? '').includes('|') && (lines[i] ?? '').trim() !== '') rows.push(lines[i++] ?? '');
        i--;
        out.push(markdownTable(rows, ctx));
        continue;
      }
      if (/^\s*(-{3,}|\*{3,}|_{3,})\s*$/.test(line)) {
        flush();
        out.push('<hr class="c-hr">');
        continue;
      }
      const heading = /^(#{1,6})\s+(.*)$/.exec(line);
      if (heading) {
        flush();
        out.push(`<div class="c-h c-h${heading[1]!.length}">${inlineMarkdown(heading[2] ?? '', ctx)}</div>`);
        continue;
      }
      const quote = /^\s*>\s?(.*)$/.exec(line);
      if (quote) {
        flush();
        const quoted = [quote[1] ?? ''];
        while (i + 1 < lines.length && /^\s*>/.test(lines[i + 1] ?? '')) quoted.push((lines[++i] ?? '').replace(/^\s*>\s?/, ''));
        out.push(`<blockquote class="c-quote">${quoted.map((l) => inlineMarkdown(l, ctx)).join('<br>')}</blockquote>`);
        continue;
      }
      const item = LIST_ITEM.exec(line);
      if (item) {
        flush();
        const items: string[] = [];
        for (let m: RegExpExecArray | null = item; m; ) {
          const level = Math.min(3, Math.floor((m[1] ?? '').replace(/\t/g, '  ').length / 2));
          const marker = /\d/.test(m[2] ?? '') ? escapeHtml(m[2]) : '•';
          items.push(`<div class="c-li c-li-${level}"><span class="c-li-mark">${marker}</span><span>${inlineMarkdown(m[3] ?? '', ctx)}</span></div>`);
          m = i + 1 < lines.length ? LIST_ITEM.exec(lines[i + 1] ?? '') : null;
          if (m) i++;
        }
        out.push(`<div class="c-list">${items.join('')}</div>`);
        continue;
      }
      if (line.trim() === '') {
        flush();
        continue;
      }
      para.push(line);
    }
    flush();
    return out.join('');
  }

  /** A text message (msg_type text): text with `<at>` mentions, line breaks, links and Feishu's inline styles. */
  function renderText(source: unknown, ctx: RenderContext = {}): string {
    return str(source)
      .replace(/\r\n?/g, '\n')
      .split('\n')
      .map((line) => inlineMarkdown(line, ctx, 'text'))
      .join('<br>');
  }

  // ── Charts (VChart spec → SVG) ──

  /** Reduces a VChart bar/line/area spec to categories × series; null when the spec is something else. */
  function chartModel(spec: unknown): ChartModel | null {
    if (!isObj(spec)) return null;
    let s: Json = spec;
    if (s.type === 'common' && isObj(arr(s.series)[0])) s = { ...s, ...(arr(s.series)[0] as Json), data: s.data };
    const type = s.type === 'bar' || s.type === 'line' || s.type === 'area' ? s.type : null;
    if (!type) return null;
    const rows = chartRows(s.data);
    if (rows.length === 0) return null;
    const first = (f: unknown) => (Array.isArray(f) ? str(f[0]) : str(f));
    let categoryField = first(s.xField);
    let valueField = first(s.yField);
    let seriesField = str(s.seriesField) || (Array.isArray(s.xField) && s.xField.length > 1 ? str(s.xField[1]) : '');
    let horizontal = s.direction === 'horizontal';
    if (!horizontal && type === 'bar' && typeof rows[0]?.[categoryField] === 'number' && typeof rows[0]?.[valueField] === 'string') horizontal = true;
    if (horizontal) {
      categoryField = first(s.yField);
      valueField = first(s.xField);
      seriesField = str(s.seriesField) || (Array.isArray(s.yField) && s.yField.length > 1 ? str(s.yField[1]) : '');
    }
    if (!categoryField || !valueField) return null;
    const categories: string[] = [];
    const seriesNames: string[] = [];
    const cells = new Map<string, number>();
    for (const row of rows) {
      const category = str(row[categoryField]);
      const series = seriesField ? str(row[seriesField]) : valueField;
      const value = Number(row[valueField]);
      if (!Number.isFinite(value)) continue;
      if (!categories.includes(category)) categories.push(category);
      if (!seriesNames.includes(series)) seriesNames.push(series);
      const key = `${series}\u0000${category}`;
      cells.set(key, (cells.get(key) ?? 0) + value);
    }
    if (categories.length === 0) return null;
    const title = isObj(s.title) ? str(s.title.text) : undefined;
    return {
      type,
      horizontal: type === 'bar' && horizontal,
      ...(title ? { title } : {}),
      categories,
      series: seriesNames.map((name) => ({ name, values: categories.map((c) => cells.get(`${name}\u0000${c}`) ?? null) })),
    };
  }

  /** `data: [{values}]`, `data: {values}` or `data: [rows]`. */
  function chartRows(data: unknown): Json[] {
    if (isObj(data)) return arr(data.values).filter(isObj);
    const list = arr(data);
    if (list.some((d) => isObj(d) && Array.isArray(d.values))) return list.flatMap((d) => (isObj(d) ? arr(d.values).filter(isObj) : []));
    return list.filter(isObj);
  }

  function niceScale(min: number, max: number): { lo: number; hi: number; ticks: number[] } {
    const lo0 = Math.min(0, min);
    const hi0 = Math.max(0, max) === lo0 ? lo0 + 1 : Math.max(0, max);
    const raw = (hi0 - lo0) / 5;
    const mag = 10 ** Math.floor(Math.log10(raw));
    const step = ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
    const lo = Math.floor(lo0 / step) * step;
    const hi = Math.ceil(hi0 / step) * step;
    const ticks: number[] = [];
    for (let t = lo; t <= hi + step / 2; t += step) ticks.push(Math.round(t * 1e6) / 1e6);
    return { lo, hi, ticks };
  }

  const shortNumber = (n: number) => (Math.abs(n) >= 10000 ? `${Math.round(n / 1000) / 10}万` : String(Math.round(n * 100) / 100));
  const clip = (text: string, max: number) => (Array.from(text).length > max ? `${Array.from(text).slice(0, max - 1).join('')}…` : text);

  function chartSvg(model: ChartModel): string {
    const W = 560;
    const H = model.horizontal ? Math.max(160, 40 + model.categories.length * 28) : 260;
    const legend = model.series.length > 1;
    const pad = { left: model.horizontal ? 90 : 48, right: 16, top: legend ? 34 : 14, bottom: model.horizontal ? 24 : 40 };
    const plotW = W - pad.left - pad.right;
    const plotH = H - pad.top - pad.bottom;
    const values = model.series.flatMap((s) => s.values.filter((v): v is number => v !== null));
    const { lo, hi, ticks } = niceScale(Math.min(...values), Math.max(...values));
    const parts: string[] = [];
    const n = model.categories.length;
    const band = (model.horizontal ? plotH : plotW) / n;
    const label = (s: ChartSeries, i: number, v: number) => `<title>${escapeHtml(model.categories[i])}${model.series.length > 1 ? ` · ${escapeHtml(s.name)}` : ''}：${v}</title>`;

    if (model.horizontal) {
      const x = (v: number) => pad.left + ((v - lo) / (hi - lo)) * plotW;
      for (const t of ticks) {
        parts.push(`<line x1="${x(t)}" y1="${pad.top}" x2="${x(t)}" y2="${pad.top + plotH}" class="c-grid"/>`);
        parts.push(`<text x="${x(t)}" y="${H - 6}" text-anchor="middle" class="c-axis">${shortNumber(t)}</text>`);
      }
      const barH = (band * 0.7) / model.series.length;
      model.categories.forEach((c, i) => {
        parts.push(`<text x="${pad.left - 6}" y="${pad.top + band * i + band / 2 + 4}" text-anchor="end" class="c-axis">${escapeHtml(clip(c, 8))}</text>`);
        model.series.forEach((s, j) => {
          const v = s.values[i];
          if (v === null || v === undefined) return;
          const y = pad.top + band * i + band * 0.15 + barH * j;
          const x0 = x(Math.min(0, v));
          parts.push(`<rect x="${x0}" y="${y}" width="${Math.max(1, Math.abs(x(v) - x(0)))}" height="${barH}" rx="2" fill="${CHART_COLORS[j % CHART_COLORS.length]}">${label(s, i, v)}</rect>`);
        });
      });
    } else {
      const y = (v: number) => pad.top + plotH - ((v - lo) / (hi - lo)) * plotH;
      for (const t of ticks) {
        parts.push(`<line x1="${pad.left}" y1="${y(t)}" x2="${W - pad.right}" y2="${y(t)}" class="c-grid"/>`);
        parts.push(`<text x="${pad.left - 6}" y="${y(t) + 4}" text-anchor="end" class="c-axis">${shortNumber(t)}</text>`);
      }
      const every = Math.ceil(n / 12);
      model.categories.forEach((c, i) => {
        if (i % every === 0) parts.push(`<text x="${pad.left + band * i + band / 2}" y="${H - pad.bottom + 18}" text-anchor="middle" class="c-axis">${escapeHtml(clip(c, 6))}</text>`);
      });
      if (model.type === 'bar') {
        const barW = (band * 0.7) / model.series.length;
        model.series.forEach((s, j) =>
          s.values.forEach((v, i) => {
            if (v === null) return;
            const x = pad.left + band * i + band * 0.15 + barW * j;
            parts.push(`<rect x="${x}" y="${Math.min(y(v), y(0))}" width="${barW}" height="${Math.max(1, Math.abs(y(0) - y(v)))}" rx="2" fill="${CHART_COLORS[j % CHART_COLORS.length]}">${label(s, i, v)}</rect>`);
          }),
        );
      } else {
        model.series.forEach((s, j) => {
          const color = CHART_COLORS[j % CHART_COLORS.length];
          const points = s.values.map((v, i) => (v === null ? null : [pad.left + band * i + band / 2, y(v)] as const)).filter((p): p is readonly [number, number] => p !== null);
          if (points.length === 0) return;
          const path = points.map(([px, py]) => `${px},${py}`).join(' ');
          if (model.type === 'area') {
            parts.push(`<polygon points="${points[0]![0]},${y(Math.max(lo, 0))} ${path} ${points[points.length - 1]![0]},${y(Math.max(lo, 0))}" fill="${color}" fill-opacity="0.18"/>`);
          }
          parts.push(`<polyline points="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
          s.values.forEach((v, i) => {
            if (v !== null) parts.push(`<circle cx="${pad.left + band * i + band / 2}" cy="${y(v)}" r="3" fill="#fff" stroke="${color}" stroke-width="2">${label(s, i, v)}</circle>`);
          });
        });
      }
    }
    if (legend) {
      model.series.forEach((s, j) => {
        const x = pad.left + j * 110;
        parts.push(`<rect x="${x}" y="8" width="10" height="10" rx="2" fill="${CHART_COLORS[j % CHART_COLORS.length]}"/><text x="${x + 14}" y="17" class="c-legend">${escapeHtml(clip(s.name, 8))}</text>`);
      });
    }
    return `<svg class="c-chart-svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(model.title ?? '图表')}">${parts.join('')}</svg>`;
  }

  /** Any chart spec's data as a table, for chart types the simulator does not draw. */
  function chartFallback(spec: unknown): string {
    const rows = isObj(spec) ? chartRows(spec.data) : [];
    if (rows.length === 0) return unknownBox('chart');
    const keys = Array.from(new Set(rows.flatMap((r) => Object.keys(r))));
    const head = keys.map((k) => `<th>${escapeHtml(k)}</th>`).join('');
    const body = rows.slice(0, 50).map((r) => `<tr>${keys.map((k) => `<td>${escapeHtml(r[k])}</td>`).join('')}</tr>`).join('');
    const type = isObj(spec) ? str(spec.type) : '';
    return `<div class="c-chart-note">图表（${escapeHtml(type || '未知类型')}）以表格显示 · shown as a table</div><table class="c-md-table"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
  }

  function renderChart(spec: unknown): string {
    const model = chartModel(spec);
    const title = model?.title ? `<div class="c-chart-title">${escapeHtml(model.title)}</div>` : '';
    return `<div class="c-chart">${title}${model ? chartSvg(model) : chartFallback(spec)}</div>`;
  }

  // ── Tables ──

  function tableCell(value: unknown, column: Json, st: State): string {
    const type = str(column.data_type) || 'text';
    if (value === undefined || value === null || value === '') return '';
    switch (type) {
      case 'lark_md':
      case 'markdown':
        return renderMarkdown(str(value), st.ctx);
      case 'number': {
        const n = Number(value);
        if (!Number.isFinite(n)) return escapeHtml(value);
        const format = isObj(column.format) ? column.format : {};
        const precision = typeof format.precision === 'number' ? format.precision : undefined;
        let text = precision === undefined ? String(n) : n.toFixed(precision);
        if (format.separator) text = text.replace(/^(-?\d+)/, (d) => d.replace(/\B(?=(\d{3})+(?!\d))/g, ','));
        return escapeHtml(`${str(format.symbol)}${text}`);
      }
      case 'options':
        return (Array.isArray(value) ? value : [value])
          .map((o) => (isObj(o) ? tagChip(contentOf(o.text ?? o), str(o.color) || 'neutral') : tagChip(str(o), 'neutral')))
          .join(' ');
      case 'persons':
        return (Array.isArray(value) ? value : [value]).map((p) => personChip(isObj(p) ? str(p.id ?? p.open_id ?? p.user_id) : str(p), st.ctx)).join(' ');
      case 'date': {
        const ms = typeof value === 'number' ? value : Date.parse(str(value));
        if (!Number.isFinite(ms)) return escapeHtml(value);
        const withTime = isObj(column.date_format) || /[Hh]/.test(str(column.date_format));
        return escapeHtml(
          new Date(ms).toLocaleString('zh-CN', {
            timeZone: st.ctx.timeZone,
            year: 'numeric', month: '2-digit', day: '2-digit',
            ...(withTime ? { hour: '2-digit', minute: '2-digit', hour12: false } : {}),
          }),
        );
      }
      default:
        return escapeHtml(isObj(value) ? contentOf(value) : value).replace(/\n/g, '<br>');
    }
  }

  function renderTable(node: Json, st: State): string {
    const columns = arr(node.columns).filter(isObj);
    const rows = arr(node.rows).filter(isObj);
    const pageSize = Math.min(10, Math.max(1, Number(node.page_size) || 5));
    const headerStyle = isObj(node.header_style) ? node.header_style : {};
    const align = (c: Json) => (c.horizontal_align ? ` style="text-align:${escapeHtml(c.horizontal_align)}"` : '');
    const head = columns
      .map((c) => `<th${align(c)}${c.width && /^\d+px$/.test(str(c.width)) ? ` width="${parseInt(str(c.width), 10)}"` : ''}>${escapeHtml(c.display_name ?? c.name)}</th>`)
      .join('');
    const pages: string[] = [];
    for (let i = 0; i < Math.max(1, rows.length); i += pageSize) {
      const slice = rows.slice(i, i + pageSize);
      const body = slice.length
        ? slice.map((r) => `<tr>${columns.map((c) => `<td${align(c)}>${tableCell(r[str(c.name)], c, st)}</td>`).join('')}</tr>`).join('')
        : `<tr><td class="c-table-empty" colspan="${Math.max(1, columns.length)}">暂无数据</td></tr>`;
      pages.push(`<tbody data-page="${pages.length + 1}"${pages.length ? ' hidden' : ''}>${body}</tbody>`);
    }
    const pager =
      pages.length > 1
        ? `<div class="c-pager"><button type="button" data-c-page="prev" disabled>‹</button><span class="c-page-no">1 / ${pages.length}</span><button type="button" data-c-page="next">›</button></div>`
        : '';
    const headClass = `${headerStyle.background_style === 'none' ? '' : ' c-thead-grey'}${headerStyle.bold === false ? '' : ' c-thead-bold'}`;
    return `<div class="c-table" data-c-table="${pages.length}"><div class="c-table-scroll"><table><thead class="${headClass.trim()}"><tr>${head}</tr></thead>${pages.join('')}</table></div>${pager}</div>`;
  }

  // ── Interactive components ──

  function callbackValue(node: Json): unknown {
    const behavior = arr(node.behaviors).find((b) => isObj(b) && b.type === 'callback');
    return isObj(behavior) ? behavior.value : node.value;
  }

  function openUrl(node: Json): string | undefined {
    const behavior = arr(node.behaviors).find((b) => isObj(b) && b.type === 'open_url');
    const multi = isObj(node.multi_url) ? node.multi_url : {};
    const url = isObj(behavior) ? str(behavior.default_url) || str(behavior.pc_url) : str(node.url) || str(multi.url) || str(multi.pc_url);
    return url ? safeUrl(url) : undefined;
  }

  function formAction(node: Json): 'submit' | 'reset' | undefined {
    const behavior = arr(node.behaviors).find((b) => isObj(b) && b.type === 'form_action');
    const action = str(node.form_action_type) || (isObj(behavior) ? str(behavior.behavior) : '') || str(node.action_type).replace(/^form_/, '');
    return action === 'submit' || action === 'reset' ? action : undefined;
  }

  function renderButton(node: Json, st: State): string {
    let type = BUTTON_TYPES.includes(str(node.type)) ? str(node.type) : 'default';
    if (!st.v2 && type === 'primary') type = 'primary_filled'; // JSON 1.0 "primary" is a filled button
    if (!st.v2 && type === 'danger') type = 'danger_filled';
    const confirm = isObj(node.confirm) ? { title: contentOf(node.confirm.title), text: contentOf(node.confirm.text) } : undefined;
    const payload = {
      kind: 'button',
      value: callbackValue(node),
      name: str(node.name) || undefined,
      form: formAction(node),
      url: openUrl(node),
      confirm,
    };
    const size = ['tiny', 'small', 'medium', 'large'].includes(str(node.size)) ? ` c-btn-${str(node.size)}` : '';
    const fill = node.width === 'fill' ? ' c-btn-fill' : '';
    return `<button type="button" class="c-btn c-btn-${type}${size}${fill}" data-c="${dataAttr(payload)}"${node.disabled ? ' disabled' : ''}>${escapeHtml(contentOf(node.text) || '按钮')}</button>`;
  }

  /** Label, control and the `data-c-field` description the page reads values through. */
  function field(node: Json, st: State, control: string, extraClass = ''): string {
    const kind = str(node.tag);
    const info = {
      kind,
      name: str(node.name),
      required: Boolean(node.required),
      inForm: st.inForm,
      value: st.inForm ? undefined : callbackValue(node),
      // Outside a form, checkers only call back when they have behaviors (FEISHU.md §3.3).
      silent: !st.inForm && kind === 'checker' && arr(node.behaviors).length === 0,
    };
    const labelText = contentOf(node.label);
    const label = labelText ? `<label class="c-label">${escapeHtml(labelText)}${node.required ? '<span class="c-req">*</span>' : ''}</label>` : '';
    const left = node.label_position === 'left' ? ' c-field-left' : '';
    const width = node.width === 'fill' ? ' c-field-fill' : '';
    return `<div class="c-field${left}${width}${extraClass}" data-c-field="${dataAttr(info)}">${label}${control}</div>`;
  }

  const placeholderOf = (node: Json, fallback: string) => escapeHtml(contentOf(node.placeholder) || fallback);
  const disabledAttr = (node: Json) => (node.disabled ? ' disabled' : '');
  const requiredAttr = (node: Json) => (node.required ? ' required' : '');

  function optionsOf(node: Json, st: State, person: boolean): Array<{ value: string; text: string }> {
    const options = arr(node.options).filter(isObj).map((o) => {
      const value = str(o.value);
      return { value, text: person ? nameOf(value, st.ctx) : contentOf(o.text) || value };
    });
    if (person && options.length === 0) return (st.ctx.people ?? []).map((p) => ({ value: p.openId, text: p.name }));
    return options;
  }

  function renderSelect(node: Json, st: State, person: boolean): string {
    const initial = str(node.initial_option) || str(node.initial_value);
    const options = optionsOf(node, st, person)
      .map((o) => `<option value="${escapeHtml(o.value)}"${o.value === initial ? ' selected' : ''}>${escapeHtml(o.text)}</option>`)
      .join('');
    const control = `<select class="c-select"${disabledAttr(node)}${requiredAttr(node)}><option value="">${placeholderOf(node, person ? '选择人员' : '请选择')}</option>${options}</select>`;
    return field(node, st, control);
  }

  function renderMultiSelect(node: Json, st: State, person: boolean): string {
    const selected = [...arr(node.selected_values), ...arr(node.initial_options)].map(str);
    const options = optionsOf(node, st, person)
      .map((o) => `<label class="c-choice"><input type="checkbox" value="${escapeHtml(o.value)}"${selected.includes(o.value) ? ' checked' : ''}${disabledAttr(node)}>${person ? avatarHtml(o.text) : ''}<span>${escapeHtml(o.text)}</span></label>`)
      .join('');
    const hint = contentOf(node.placeholder);
    return field(node, st, `<div class="c-multi">${hint ? `<div class="c-multi-hint">${escapeHtml(hint)}</div>` : ''}${options || '<span class="c-muted">没有选项</span>'}</div>`);
  }

  function renderInput(node: Json, st: State): string {
    const value = escapeHtml(contentOf(node.default_value) || str(node.default_value));
    const max = Number(node.max_length) > 0 ? ` maxlength="${Number(node.max_length)}"` : '';
    const common = `class="c-input" placeholder="${placeholderOf(node, '请输入')}"${max}${disabledAttr(node)}${requiredAttr(node)}`;
    if (node.input_type === 'multiline_text') {
      const rows = Math.min(10, Math.max(2, Number(node.rows) || 3));
      return field(node, st, `<textarea ${common} rows="${rows}">${value}</textarea>`);
    }
    const type = node.input_type === 'password' ? 'password' : 'text';
    return field(node, st, `<input type="${type}" ${common} value="${value}">`);
  }

  function renderPicker(node: Json, st: State): string {
    const kind = str(node.tag);
    const attrs = `class="c-input c-picker"${disabledAttr(node)}${requiredAttr(node)}`;
    if (kind === 'date_picker') return field(node, st, `<input type="date" ${attrs} value="${escapeHtml(str(node.initial_date))}">`);
    if (kind === 'picker_time') return field(node, st, `<input type="time" ${attrs} value="${escapeHtml(str(node.initial_time))}">`);
    return field(node, st, `<input type="datetime-local" ${attrs} value="${escapeHtml(str(node.initial_datetime).replace(' ', 'T'))}">`);
  }

  function renderChecker(node: Json, st: State): string {
    const text = isObj(node.text) ? textHtml(node.text, st.ctx) : '';
    return field(node, st, `<label class="c-checker"><input type="checkbox"${node.checked ? ' checked' : ''}${disabledAttr(node)}><span>${text}</span></label>`);
  }

  function renderOverflow(node: Json, st: State): string {
    const options = arr(node.options)
      .filter(isObj)
      .map((o) => `<option value="${escapeHtml(str(o.value))}">${escapeHtml(contentOf(o.text))}</option>`)
      .join('');
    return field({ ...node, tag: 'overflow' }, { ...st, inForm: false }, `<select class="c-select c-overflow"><option value="">⋯</option>${options}</select>`, ' c-field-inline');
  }

  // ── Layout and content elements ──

  function renderElements(list: unknown, st: State): string {
    return arr(list).map((e) => renderElement(e, st)).join('');
  }

  const unknownBox = (tag: string) => `<div class="c-unknown">[${escapeHtml(tag || '?')}]</div>`;

  const SPACING: Record<string, number> = { small: 4, medium: 8, large: 12, extra_large: 16 };
  const spacing = (v: unknown, fallback: number) => (typeof v === 'number' ? v : SPACING[str(v)] ?? (parseInt(str(v), 10) || fallback));

  function renderColumnSet(node: Json, st: State): string {
    const mode = str(node.flex_mode);
    const gap = spacing(node.horizontal_spacing, 8);
    const bg = node.background_style && node.background_style !== 'default' ? ' c-bg-grey' : '';
    const columns = arr(node.columns)
      .filter(isObj)
      .map((col) => {
        const width = str(col.width) || 'auto';
        const style =
          width === 'weighted' ? `flex:${Number(col.weight) || 1} 1 0` : /^\d+px$/.test(width) ? `flex:0 0 ${width}` : mode === 'bisect' ? 'flex:1 1 calc(50% - 8px)' : mode === 'trisect' ? 'flex:1 1 calc(33% - 8px)' : 'flex:0 1 auto';
        const valign = col.vertical_align === 'center' ? ';align-self:center' : col.vertical_align === 'bottom' ? ';align-self:flex-end' : '';
        const colBg = col.background_style && col.background_style !== 'default' ? ' c-bg-grey' : '';
        return `<div class="c-col${colBg}" style="${style}${valign}">${renderElements(col.elements, { ...st, depth: st.depth + 1 })}</div>`;
      })
      .join('');
    const wrap = mode === 'flow' || mode === 'bisect' || mode === 'trisect' ? ';flex-wrap:wrap' : '';
    return `<div class="c-cols${bg}" style="gap:${gap}px${wrap}">${columns}</div>`;
  }

  function renderDiv(node: Json, st: State): string {
    const parts: string[] = [];
    if (node.text) parts.push(`<div class="c-text"${textStyle(node.text)}>${textHtml(node.text, st.ctx)}</div>`);
    const fields = arr(node.fields).filter(isObj);
    if (fields.length) {
      parts.push(`<div class="c-fields">${fields.map((f) => `<div class="c-fieldtext${f.is_short ? ' c-short' : ''}">${textHtml(f.text, st.ctx)}</div>`).join('')}</div>`);
    }
    const extra = isObj(node.extra) ? `<div class="c-extra">${renderElement(node.extra, st)}</div>` : '';
    return `<div class="c-div${extra ? ' c-with-extra' : ''}"><div>${parts.join('')}</div>${extra}</div>`;
  }

  function textStyle(text: unknown): string {
    if (!isObj(text)) return '';
    const styles: string[] = [];
    const color = colorOf(str(text.text_color));
    if (color) styles.push(`color:${color}`);
    if (text.text_align === 'center' || text.text_align === 'right') styles.push(`text-align:${text.text_align}`);
    const size: Record<string, string> = { heading: '16px', 'heading-0': '24px', 'heading-1': '20px', 'heading-2': '18px', 'heading-3': '16px', notation: '12px', 'normal_v2': '14px' };
    if (size[str(text.text_size)]) styles.push(`font-size:${size[str(text.text_size)]}`);
    return styles.length ? ` style="${styles.join(';')}"` : '';
  }

  function renderImage(node: Json): string {
    const alt = contentOf(node.alt) || contentOf(node.title) || '图片';
    const small = node.size === 'tiny' || node.size === 'small' || node.scale_type === 'crop_center' ? ' c-img-small' : '';
    return `<div class="c-img${small}" title="${escapeHtml(str(node.img_key))}"><svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true"><rect x="3" y="4" width="18" height="16" rx="2" fill="none" stroke="currentColor" stroke-width="1.5"/><circle cx="9" cy="10" r="1.8" fill="currentColor"/><path d="M4 18l5-5 4 4 3-3 4 4" fill="none" stroke="currentColor" stroke-width="1.5"/></svg><span>${escapeHtml(alt)}</span></div>`;
  }

  function renderPanel(node: Json, st: State): string {
    const header = isObj(node.header) ? node.header : {};
    const title = isObj(header.title) ? textHtml({ tag: header.title.tag === 'plain_text' ? 'plain_text' : 'markdown', content: contentOf(header.title) }, st.ctx) : '';
    const inner = renderElements(node.elements, { ...st, depth: st.depth + 1 });
    return `<details class="c-panel"${node.expanded ? ' open' : ''}><summary>${title || '展开'}</summary><div class="c-panel-body">${inner}</div></details>`;
  }

  function renderForm(node: Json, st: State): string {
    const inner = renderElements(node.elements, { ...st, inForm: true, depth: st.depth + 1 });
    return `<div class="c-form" data-c-form="${escapeHtml(str(node.name))}">${inner}</div>`;
  }

  function renderElement(node: unknown, st: State): string {
    if (!isObj(node)) return '';
    if (st.depth > MAX_DEPTH) return unknownBox('…');
    const tag = str(node.tag);
    switch (tag) {
      case 'markdown':
      case 'lark_md': {
        const align = node.text_align === 'center' || node.text_align === 'right' ? ` style="text-align:${node.text_align}"` : '';
        const size = str(node.text_size) === 'notation' ? ' c-notation' : str(node.text_size).startsWith('heading') ? ' c-heading' : '';
        return `<div class="c-md${size}"${align}>${renderMarkdown(contentOf(node), st.ctx)}</div>`;
      }
      case 'plain_text':
        return `<div class="c-text"${textStyle(node)}>${textHtml(node, st.ctx)}</div>`;
      case 'div':
        return renderDiv(node, st);
      case 'note':
        return `<div class="c-note">${arr(node.elements).map((e) => (isObj(e) && (e.tag === 'img' || e.tag === 'image') ? '<span class="c-note-icon"></span>' : `<span>${textHtml(e, st.ctx)}</span>`)).join(' ')}</div>`;
      case 'hr':
        return '<hr class="c-hr">';
      case 'img':
      case 'image':
      case 'img_combination':
        return renderImage(node);
      case 'column_set':
        return renderColumnSet(node, st);
      case 'column':
        return `<div class="c-col">${renderElements(node.elements, { ...st, depth: st.depth + 1 })}</div>`;
      case 'collapsible_panel':
        return renderPanel(node, st);
      case 'form':
        return renderForm(node, st);
      case 'action': // JSON 1.0 button row
        return `<div class="c-actions${node.layout === 'bisected' || node.layout === 'trisection' ? ' c-actions-grid' : ''}">${renderElements(node.actions, st)}</div>`;
      case 'interactive_container': {
        const payload = { kind: 'button', value: callbackValue(node), url: openUrl(node) };
        return `<div class="c-container" role="button" tabindex="0" data-c="${dataAttr(payload)}">${renderElements(node.elements, { ...st, depth: st.depth + 1 })}</div>`;
      }
      case 'button':
        return renderButton(node, st);
      case 'input':
        return renderInput(node, st);
      case 'select_static':
        return renderSelect(node, st, false);
      case 'select_person':
        return renderSelect(node, st, true);
      case 'multi_select_static':
        return renderMultiSelect(node, st, false);
      case 'multi_select_person':
        return renderMultiSelect(node, st, true);
      case 'date_picker':
      case 'picker_time':
      case 'picker_datetime':
        return renderPicker(node, st);
      case 'checker':
        return renderChecker(node, st);
      case 'overflow':
        return renderOverflow(node, st);
      case 'table':
        return renderTable(node, st);
      case 'chart':
        return renderChart(node.chart_spec);
      case 'person':
        return `<div class="c-persons">${personChip(str(node.user_id), st.ctx)}</div>`;
      case 'person_list':
        return `<div class="c-persons">${arr(node.persons).map((p) => personChip(isObj(p) ? str(p.id) : str(p), st.ctx)).join('')}</div>`;
      default:
        return unknownBox(tag);
    }
  }

  function renderHeader(header: unknown, ctx: RenderContext): string {
    if (!isObj(header)) return '';
    const template = HEADER_TEMPLATES.includes(str(header.template)) ? str(header.template) : 'default';
    const title = contentOf(header.title);
    const subtitle = contentOf(header.subtitle);
    const tags = arr(header.text_tag_list)
      .filter(isObj)
      .map((t) => tagChip(contentOf(t.text), str(t.color) || 'neutral'))
      .join('');
    if (!title && !subtitle) return '';
    return (
      `<div class="c-head c-head-${template}"><div class="c-head-row"><div class="c-title">${textHtml(header.title, ctx)}</div>${tags ? `<div class="c-head-tags">${tags}</div>` : ''}</div>` +
      `${subtitle ? `<div class="c-subtitle">${textHtml(header.subtitle, ctx)}</div>` : ''}</div>`
    );
  }

  /** A whole card (2.0 `body.elements`, or 1.0 top-level `elements`) as HTML. */
  function renderCard(card: unknown, ctx: RenderContext = {}): string {
    if (!isObj(card)) return `<div class="c-card">${unknownBox('card')}</div>`;
    if (card.type === 'template') {
      const data = isObj(card.data) ? card.data : {};
      return `<div class="c-card c-w-default"><div class="c-body">${unknownBox(`模板卡片 ${str(data.template_id)}`)}</div></div>`;
    }
    const v2 = card.schema === '2.0';
    const config = isObj(card.config) ? card.config : {};
    const width = ['compact', 'fill'].includes(str(config.width_mode)) ? str(config.width_mode) : config.wide_screen_mode === false ? 'compact' : 'default';
    const i18nElements = isObj(card.i18n_elements) ? card.i18n_elements.zh_cn ?? Object.values(card.i18n_elements)[0] : undefined;
    const elements = v2 && isObj(card.body) ? card.body.elements : card.elements ?? i18nElements;
    const i18nHeader = isObj(card.i18n_header) ? card.i18n_header.zh_cn : undefined;
    const st: State = { ctx, v2, inForm: false, depth: 0 };
    const body = renderElements(elements, st);
    return `<div class="c-card c-w-${width}">${renderHeader(card.header ?? i18nHeader, ctx)}<div class="c-body">${body || '<div class="c-muted">（空卡片）</div>'}</div></div>`;
  }

  // ── Form values, as Feishu delivers them in action.form_value ──

  /** Picker values carry the user's UTC offset: "2026-12-04 +0800", "09:30 +0800", "2026-12-04 09:30 +0800". */
  function pickerValue(kind: string, raw: string, offset: string): string {
    if (kind === 'date_picker' || kind === 'picker_time') return `${raw} ${offset}`;
    if (kind === 'picker_datetime') return `${raw.replace('T', ' ')} ${offset}`;
    return raw;
  }

  /** Collects a form's named fields; `missing` lists required fields left empty (submit is blocked). */
  function collectForm(fields: FormFieldInput[], offset: string): { values: Record<string, unknown>; missing: string[] } {
    const values: Record<string, unknown> = {};
    const missing: string[] = [];
    for (const f of fields) {
      if (!f.name) continue;
      if (typeof f.raw === 'boolean') {
        if (f.required && !f.raw) missing.push(f.name);
        values[f.name] = f.raw;
      } else if (Array.isArray(f.raw)) {
        if (f.raw.length) values[f.name] = f.raw;
        else if (f.required) missing.push(f.name);
      } else if (typeof f.raw === 'string' && f.raw.trim() !== '') {
        values[f.name] = pickerValue(f.kind, f.raw, offset);
      } else if (f.required) {
        missing.push(f.name);
      }
    }
    return { values, missing };
  }

  return { renderCard, renderMarkdown, renderText, renderChart, chartModel, pickerValue, collectForm, escapeHtml };
}

export type CardRenderer = ReturnType<typeof createCardRenderer>;

const renderer = createCardRenderer();
export const { renderCard, renderMarkdown, renderText, renderChart, chartModel, pickerValue, collectForm, escapeHtml } = renderer;

/** The renderer as JavaScript source for the page: `var CardRender = (${cardRendererSource()})();`. */
export const cardRendererSource = (): string => createCardRenderer.toString();
