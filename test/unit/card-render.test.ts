/**
 * The simulator's card renderer (src/local/card-render.ts): markdown and mentions, charts, cards, form values,
 * and the serialised copy the browser page evaluates.
 */
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  cardRendererSource,
  chartModel,
  collectForm,
  pickerValue,
  renderCard,
  renderChart,
  renderMarkdown,
  renderText,
  type CardRenderer,
} from '../../src/local/card-render';

const ctx = {
  names: { ou_li: '李业务', ou_zhang: '张业务', ou_bot: '业务部助手' },
  people: [
    { openId: 'ou_li', name: '李业务' },
    { openId: 'ou_zhang', name: '张业务' },
  ],
  timeZone: 'Asia/Shanghai',
};

/** The JSON payload of the first `attr` attribute in some HTML. */
function payload(html: string, attr: string, index = 0): Record<string, unknown> {
  const matches = [...html.matchAll(new RegExp(`${attr}="([^"]*)"`, 'g'))];
  const raw = matches[index]?.[1];
  if (raw === undefined) throw new Error(`no ${attr} #${index} in ${html}`);
  const text = raw.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return JSON.parse(text) as Record<string, unknown>;
}

describe('markdown', () => {
  it('renders bold, italic, strike, inline code, links and line breaks', () => {
    const html = renderMarkdown('**粗体** *斜体* ~~删除~~ `code`\n[合同](https://example.com/c?id=1&x=2)');
    expect(html).toBe(
      '<p><strong>粗体</strong> <em>斜体</em> <del>删除</del> <code class="c-icode">code</code><br>' +
        '<a href="https://example.com/c?id=1&amp;x=2" target="_blank" rel="noopener noreferrer">合同</a></p>',
    );
  });

  it('shows <at> mentions as @name from the people list, and @所有人', () => {
    expect(renderMarkdown('请 <at user_id="ou_li"></at> 和 <at id=ou_zhang></at> 处理，<at id=all></at>', ctx)).toBe(
      '<p>请 <span class="c-at">@李业务</span> 和 <span class="c-at">@张业务</span> 处理，<span class="c-at">@所有人</span></p>',
    );
    expect(renderMarkdown('<at user_id="ou_unknown">老王</at>', ctx)).toContain('@老王');
  });

  it('colours <font> text with Feishu colour names or hex, and ignores unknown colours', () => {
    expect(renderMarkdown("<font color='red'>超期</font> <font color=#00aa00>正常</font> <font color=pinkish>x</font>")).toBe(
      '<p><span style="color:#d83931">超期</span> <span style="color:#00aa00">正常</span> <span>x</span></p>',
    );
  });

  it('renders lists (with nesting), headings, quotes, rules, code blocks and tables', () => {
    const html = renderMarkdown('# 标题\n- 一\n  - 一.一\n1. 第一\n> 引用\n---\n```\na < b\n```\n| 名称 | 数量 |\n|---|--:|\n| 灯条 | 5 |');
    expect(html).toContain('<div class="c-h c-h1">标题</div>');
    expect(html).toContain('<div class="c-li c-li-0"><span class="c-li-mark">•</span><span>一</span></div>');
    expect(html).toContain('<div class="c-li c-li-1"><span class="c-li-mark">•</span><span>一.一</span></div>');
    expect(html).toContain('<span class="c-li-mark">1.</span><span>第一</span>');
    expect(html).toContain('<blockquote class="c-quote">引用</blockquote>');
    expect(html).toContain('<hr class="c-hr">');
    expect(html).toContain('<pre class="c-code"><code>a &lt; b</code></pre>');
    expect(html).toContain('<th>名称</th><th style="text-align:right">数量</th>');
    expect(html).toContain('<td>灯条</td><td style="text-align:right">5</td>');
  });

  it('shows markdown images as placeholders', () => {
    expect(renderMarkdown('看 ![样品](img_v2_abc) 图')).toBe('<p>看 <span class="c-unknown">[图片 样品]</span> 图</p>');
  });

  it('escapes HTML and refuses javascript: links', () => {
    const html = renderMarkdown('<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('href="javascript');
    expect(html).toContain('&lt;script&gt;');
  });

  it('text messages keep backticks, highlight typed @names and resolve <at> tags', () => {
    expect(renderText('@业务部助手 /角色 @张业务 财务\n`x` **y**', ctx)).toBe(
      '<span class="c-at">@业务部助手</span> /角色 <span class="c-at">@张业务</span> 财务<br>`x` <strong>y</strong>',
    );
    expect(renderText('<at user_id="ou_li">李业务</at> 你好 <b>!</b>', ctx)).toBe('<span class="c-at">@李业务</span> 你好 <strong>!</strong>');
  });
});

describe('charts', () => {
  it('turns a grouped bar spec (data array, seriesField) into categories × series', () => {
    const model = chartModel({
      type: 'bar',
      data: [{ id: 'd', values: [{ who: '李', m: '10月', v: 12 }, { who: '李', m: '11月', v: 18 }, { who: '张', m: '11月', v: 15 }] }],
      xField: ['who', 'm'],
      yField: 'v',
      seriesField: 'm',
      title: { text: '签单额' },
    });
    expect(model).toEqual({
      type: 'bar',
      horizontal: false,
      title: '签单额',
      categories: ['李', '张'],
      series: [
        { name: '10月', values: [12, null] },
        { name: '11月', values: [18, 15] },
      ],
    });
  });

  it('reads data.values, sums duplicates, and detects horizontal bars', () => {
    expect(chartModel({ type: 'line', data: { values: [{ d: '1', n: 2 }, { d: '1', n: 3 }, { d: '2', n: 'x' }] }, xField: 'd', yField: 'n' })).toEqual({
      type: 'line',
      horizontal: false,
      categories: ['1'],
      series: [{ name: 'n', values: [5] }],
    });
    const horizontal = chartModel({ type: 'bar', direction: 'horizontal', data: { values: [{ n: 3, who: '李' }] }, xField: 'n', yField: 'who' });
    expect(horizontal).toMatchObject({ horizontal: true, categories: ['李'], series: [{ values: [3] }] });
    expect(chartModel({ type: 'bar', data: { values: [{ n: 3, who: '李' }] }, xField: 'n', yField: 'who' })).toMatchObject({ horizontal: true });
  });

  it('returns null for other chart types and empty data, which render as a table or a placeholder', () => {
    const pie = { type: 'pie', data: [{ values: [{ k: 'A类', v: 5 }] }], valueField: 'v', categoryField: 'k' };
    expect(chartModel(pie)).toBeNull();
    expect(chartModel({ type: 'bar', data: [] , xField: 'a', yField: 'b' })).toBeNull();
    expect(renderChart(pie)).toContain('<td>A类</td><td>5</td>');
    expect(renderChart({ type: 'wordcloud' })).toContain('[chart]');
  });

  it('draws bars, lines and areas as SVG with hover titles', () => {
    const bar = renderChart({ type: 'bar', data: { values: [{ x: 'a', y: 1 }, { x: 'b', y: -2 }] }, xField: 'x', yField: 'y' });
    expect(bar.match(/<rect /g)).toHaveLength(2);
    expect(bar).toContain('<title>b：-2</title>');
    const area = renderChart({ type: 'area', data: { values: [{ x: 'a', y: 1 }, { x: 'b', y: 2 }] }, xField: 'x', yField: 'y' });
    expect(area).toContain('<polygon');
    expect(area).toContain('<polyline');
  });
});

describe('cards', () => {
  it('renders a 2.0 header with colour template, subtitle and tags, escaping text', () => {
    const html = renderCard({
      schema: '2.0',
      header: {
        title: { tag: 'plain_text', content: '订单 <#1>' },
        subtitle: { tag: 'plain_text', content: '华南电子' },
        template: 'carmine',
        text_tag_list: [{ tag: 'text_tag', text: { tag: 'plain_text', content: '重要' }, color: 'red' }],
      },
      body: { elements: [{ tag: 'markdown', content: 'hi' }] },
    });
    expect(html).toContain('<div class="c-head c-head-carmine">');
    expect(html).toContain('订单 &lt;#1&gt;');
    expect(html).toContain('<div class="c-subtitle">华南电子</div>');
    expect(html).toContain('<span class="c-tag c-tag-red">重要</span>');
    expect(renderCard({ schema: '2.0', header: { title: { content: 'x' }, template: 'neon' }, body: { elements: [] } })).toContain('c-head-default');
  });

  it('renders a 1.0 card (top-level elements, div fields, action row, note) with 1.0 button colours', () => {
    const html = renderCard({
      header: { title: { tag: 'plain_text', content: '审批' }, template: 'orange' },
      elements: [
        { tag: 'div', text: { tag: 'lark_md', content: '**金额** 1' }, fields: [{ is_short: true, text: { tag: 'lark_md', content: 'a' } }] },
        { tag: 'action', actions: [{ tag: 'button', text: { tag: 'plain_text', content: '批准' }, type: 'primary', value: { action: 'x.ok' } }] },
        { tag: 'note', elements: [{ tag: 'plain_text', content: '备注' }] },
      ],
    });
    expect(html).toContain('<strong>金额</strong> 1');
    expect(html).toContain('c-fieldtext c-short');
    expect(html).toContain('c-btn c-btn-primary_filled');
    expect(payload(html, 'data-c')).toMatchObject({ kind: 'button', value: { action: 'x.ok' } });
    expect(html).toContain('<div class="c-note"><span>备注</span></div>');
  });

  it('puts a button’s callback value, confirm and disabled state where the page reads them', () => {
    const html = renderCard({
      schema: '2.0',
      body: {
        elements: [
          {
            tag: 'button',
            text: { tag: 'plain_text', content: '退回' },
            type: 'danger',
            confirm: { title: { tag: 'plain_text', content: '确定？' }, text: { tag: 'plain_text', content: '不可撤销' } },
            behaviors: [{ type: 'callback', value: { action: 'order.reject', id: 3 } }],
          },
          { tag: 'button', text: { tag: 'plain_text', content: '已归档' }, disabled: true, behaviors: [{ type: 'open_url', default_url: 'javascript:x' }] },
        ],
      },
    });
    expect(html).toContain('class="c-btn c-btn-danger"');
    expect(payload(html, 'data-c', 0)).toEqual({ kind: 'button', value: { action: 'order.reject', id: 3 }, confirm: { title: '确定？', text: '不可撤销' } });
    expect(payload(html, 'data-c', 1)).toEqual({ kind: 'button' }); // unsafe URL dropped
    expect(html).toContain(' disabled>已归档</button>');
  });

  it('renders a form: inputs, selects, person pickers from the people list, date/time pickers, checker, submit', () => {
    const html = renderCard({
      schema: '2.0',
      body: {
        elements: [
          {
            tag: 'form',
            name: 'f',
            elements: [
              { tag: 'input', name: 'customer', required: true, label: { tag: 'plain_text', content: '客户' } },
              { tag: 'input', name: 'note', input_type: 'multiline_text' },
              { tag: 'select_static', name: 'cat', initial_option: 'b', options: [{ text: { tag: 'plain_text', content: 'A' }, value: 'a' }, { text: { tag: 'plain_text', content: 'B' }, value: 'b' }] },
              { tag: 'multi_select_static', name: 'cc', selected_values: ['x'], options: [{ text: { content: 'X' }, value: 'x' }] },
              { tag: 'select_person', name: 'owner' },
              { tag: 'multi_select_person', name: 'team', options: [{ value: 'ou_zhang' }] },
              { tag: 'date_picker', name: 'due', initial_date: '2026-12-04' },
              { tag: 'picker_time', name: 'at' },
              { tag: 'picker_datetime', name: 'meet', initial_datetime: '2026-12-04 09:30' },
              { tag: 'checker', name: 'urgent', checked: true, text: { tag: 'plain_text', content: '重要' } },
              { tag: 'button', name: 'go', text: { tag: 'plain_text', content: '提交' }, form_action_type: 'submit', behaviors: [{ type: 'callback', value: { action: 'order.create' } }] },
            ],
          },
        ],
      },
    }, ctx);
    expect(html).toContain('<div class="c-form" data-c-form="f">');
    expect(payload(html, 'data-c-field', 0)).toMatchObject({ kind: 'input', name: 'customer', required: true, inForm: true });
    expect(html).toContain('<span class="c-req">*</span>');
    expect(html).toContain('<textarea');
    expect(html).toContain('<option value="b" selected>B</option>');
    expect(html).toContain('<input type="checkbox" value="x" checked>');
    expect(html).toContain('<option value="ou_li">李业务</option><option value="ou_zhang">张业务</option>');
    expect(html).toContain('<span>张业务</span>');
    expect(html).toContain('type="date" class="c-input c-picker" value="2026-12-04"');
    expect(html).toContain('type="time"');
    expect(html).toContain('value="2026-12-04T09:30"');
    expect(html).toMatch(/<input type="checkbox" checked>/);
    expect(payload(html, 'data-c')).toMatchObject({ value: { action: 'order.create' }, name: 'go', form: 'submit' });
  });

  it('pages a table by page_size and formats number, options, persons and date cells', () => {
    const html = renderCard({
      schema: '2.0',
      body: {
        elements: [
          {
            tag: 'table',
            page_size: 3,
            columns: [
              { name: 'amt', display_name: '金额', data_type: 'number', format: { symbol: '¥', precision: 2, separator: true } },
              { name: 'st', display_name: '状态', data_type: 'options' },
              { name: 'who', display_name: '业务员', data_type: 'persons' },
              { name: 'd', display_name: '日期', data_type: 'date' },
            ],
            rows: Array.from({ length: 7 }, (_, i) => ({ amt: 12500 * (i + 1), st: [{ text: '生产中', color: 'blue' }], who: ['ou_li'], d: Date.UTC(2026, 11, 3, 20) })),
          },
        ],
      },
    }, ctx);
    expect(html.match(/<tbody data-page=/g)).toHaveLength(3);
    expect(html.match(/<tbody data-page="\d" hidden>/g)).toHaveLength(2);
    expect(html).toContain('1 / 3');
    expect(html).toContain('¥12,500.00');
    expect(html).toContain('<span class="c-tag c-tag-blue">生产中</span>');
    expect(html).toContain('李业务');
    expect(html).toContain('2026/12/04'); // 20:00 UTC is the next day in Shanghai
  });

  it('shows images as placeholders, columns, panels, and a grey box for unknown tags', () => {
    const html = renderCard({
      schema: '2.0',
      body: {
        elements: [
          { tag: 'img', img_key: 'img_1', alt: { tag: 'plain_text', content: '产品照片' } },
          { tag: 'column_set', columns: [{ tag: 'column', width: 'weighted', weight: 2, elements: [{ tag: 'markdown', content: 'L' }] }] },
          { tag: 'collapsible_panel', expanded: true, header: { title: { tag: 'markdown', content: '**历史**' } }, elements: [{ tag: 'hr' }] },
          { tag: 'hologram' },
        ],
      },
    });
    expect(html).toContain('<span>产品照片</span>');
    expect(html).toContain('style="flex:2 1 0"');
    expect(html).toContain('<details class="c-panel" open><summary><p><strong>历史</strong></p></summary>');
    expect(html).toContain('<div class="c-unknown">[hologram]</div>');
    expect(renderCard({ type: 'template', data: { template_id: 'AAq' } })).toContain('[模板卡片 AAq]');
    expect(renderCard('nonsense')).toContain('[card]');
  });
});

describe('form values', () => {
  it('formats picker values as Feishu does, with the user’s UTC offset', () => {
    expect(pickerValue('date_picker', '2026-12-04', '+0800')).toBe('2026-12-04 +0800');
    expect(pickerValue('picker_time', '09:30', '+0800')).toBe('09:30 +0800');
    expect(pickerValue('picker_datetime', '2026-12-04T09:30', '+0800')).toBe('2026-12-04 09:30 +0800');
    expect(pickerValue('input', 'x', '+0800')).toBe('x');
  });

  it('collects named fields, leaves out empty ones and reports required ones left empty', () => {
    const fields = [
      { kind: 'input', name: 'customer', required: true, raw: '' },
      { kind: 'select_static', name: 'cat', raw: 'b' },
      { kind: 'multi_select_static', name: 'cc', raw: [] },
      { kind: 'multi_select_person', name: 'team', required: true, raw: ['ou_li'] },
      { kind: 'date_picker', name: 'due', required: true, raw: '2026-12-04' },
      { kind: 'checker', name: 'urgent', raw: false },
      { kind: 'input', name: '', raw: 'ignored' },
    ];
    expect(collectForm(fields, '+0800')).toEqual({
      values: { cat: 'b', team: ['ou_li'], due: '2026-12-04 +0800', urgent: false },
      missing: ['customer'],
    });
  });
});

describe('the copy the page evaluates', () => {
  it('runs on its own (no imports) and renders exactly like the module', () => {
    const source = cardRendererSource();
    // The page defines the no-op __name before evaluating the source (see simulator-page.ts).
    const copy = runInNewContext(`var __name = function (fn) { return fn; }; (${source})()`) as CardRenderer;
    const card = {
      schema: '2.0',
      header: { title: { tag: 'plain_text', content: '本月' }, template: 'green' },
      body: {
        elements: [
          { tag: 'markdown', content: '**合计** <at user_id="ou_li"></at>' },
          { tag: 'chart', chart_spec: { type: 'bar', data: { values: [{ x: 'a', y: 1 }] }, xField: 'x', yField: 'y' } },
        ],
      },
    };
    expect(copy.renderCard(card, ctx)).toBe(renderCard(card, ctx));
    expect(source).not.toMatch(/<\/script/i);
  });
});
