import { cardRendererSource, escapeHtml } from './card-render';

/**
 * The simulator's single page: Feishu-desktop-like layout, no build step, no CDN, works offline.
 * - PAGE_CSS: layout, messages, top bar; CARD_CSS: the card look (classes emitted by card-render.ts).
 * - The card renderer is card-render.ts's factory, serialised with `toString()`.
 * - CLIENT_JS: the app (state, event stream, composer, card clicks, clock). Plain ES2020 in a String.raw
 *   literal: it uses no template literals or `${`, so nothing here is interpolated by TypeScript.
 * Server side: src/local/simulator.ts (GET /local/state, /local/stream, POST /local/send, /local/click, /local/jump, /local/seed).
 */

const PAGE_CSS = String.raw`
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html, body { margin: 0; height: 100%; }
body {
  font: 14px/1.5 -apple-system, BlinkMacSystemFont, "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Helvetica Neue", Arial, sans-serif;
  color: #1f2329; background: #f5f6f7;
}
button { font: inherit; }
#app { display: grid; grid-template-rows: auto minmax(0, 1fr); grid-template-columns: 264px minmax(0, 1fr); height: 100vh; }

/* Top bar: brand + simulated clock */
#topbar { grid-column: 1 / -1; display: flex; align-items: center; gap: 16px; flex-wrap: wrap; padding: 8px 16px; background: #1f2329; color: #fff; }
.brand { display: flex; align-items: center; gap: 10px; min-width: 232px; }
.brand-logo { width: 32px; height: 32px; border-radius: 8px; background: #3370ff; display: grid; place-items: center; font-weight: 600; }
.brand-name { font-weight: 600; }
.brand-sub, .clock-label { font-size: 12px; color: #8f959e; }
.clock { display: flex; align-items: center; gap: 12px; flex-wrap: wrap; flex: 1; }
.clock-now { display: flex; flex-direction: column; min-width: 210px; }
#clock-text { font-variant-numeric: tabular-nums; font-size: 15px; font-weight: 600; }
.badge { display: inline-block; margin-left: 6px; padding: 0 6px; border-radius: 4px; background: #ff8800; color: #fff; font-size: 12px; font-weight: 400; vertical-align: 1px; }
.clock-controls { display: flex; align-items: center; gap: 6px; flex-wrap: wrap; }
.tb-btn, #jump-input { height: 30px; border-radius: 6px; border: 1px solid #3d434b; background: #2b2f36; color: #fff; padding: 0 10px; cursor: pointer; }
#jump-input { cursor: text; color-scheme: dark; }
.tb-btn:hover { background: #373c43; }
.tb-btn.primary { background: #3370ff; border-color: #3370ff; }
.tb-btn.primary:hover { background: #4e83fd; }
.tb-btn:disabled { opacity: .6; cursor: progress; }
#jobs { position: relative; }
#jobs summary { list-style: none; cursor: pointer; height: 30px; line-height: 28px; padding: 0 10px; border-radius: 6px; border: 1px solid #3d434b; color: #c9cdd4; }
#jobs summary::-webkit-details-marker { display: none; }
#jobs-list { position: absolute; z-index: 20; right: 0; top: 36px; width: 380px; max-height: 60vh; overflow: auto; background: #fff; color: #1f2329; border-radius: 8px; box-shadow: 0 6px 24px rgba(31,35,41,.2); padding: 8px 0; }
.job { padding: 6px 14px; }
.job-name { font-weight: 600; font-size: 13px; }
.job-meta { font-size: 12px; color: #646a73; }
.job-empty { padding: 8px 14px; color: #8f959e; }

/* Sidebar: who am I, which chat */
#sidebar { background: #fff; border-right: 1px solid #dee0e3; overflow-y: auto; }
#sidebar h2 { margin: 0; padding: 14px 16px 6px; font-size: 12px; font-weight: 600; color: #646a73; }
#sidebar h2 span { font-weight: 400; color: #8f959e; margin-left: 4px; }
.row { display: flex; align-items: center; gap: 10px; padding: 7px 16px; cursor: pointer; border: 0; background: none; width: 100%; text-align: left; color: inherit; }
.row:hover { background: #f2f3f5; }
.row.active { background: #e1eaff; }
.row-main { flex: 1; min-width: 0; }
.row-title { display: flex; align-items: center; gap: 6px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.row-sub { font-size: 12px; color: #8f959e; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.avatar { flex: none; width: 32px; height: 32px; border-radius: 50%; display: grid; place-items: center; color: #fff; font-size: 13px; font-weight: 600; }
.avatar.big { width: 36px; height: 36px; }
.avatar.group { border-radius: 8px; background: #3370ff; }
.avatar.bot { background: #3370ff; }
.role-tag { flex: none; font-size: 12px; line-height: 18px; padding: 0 5px; border-radius: 4px; background: #eff0f1; color: #646a73; }
.role-tag.admin { background: #fff1e8; color: #c25705; }
.role-tag.bot { background: #e1eaff; color: #245bdb; }
.unread { flex: none; min-width: 18px; height: 18px; padding: 0 5px; border-radius: 9px; background: #f54a45; color: #fff; font-size: 12px; line-height: 18px; text-align: center; }

/* Conversation */
#conversation { display: flex; flex-direction: column; min-height: 0; background: #fff; }
#chat-head { padding: 12px 20px; border-bottom: 1px solid #dee0e3; }
#chat-title { font-size: 16px; font-weight: 600; }
#chat-sub { font-size: 12px; color: #8f959e; }
#messages { flex: 1; overflow-y: auto; padding: 12px 20px 24px; background: #f5f6f7; }
.empty { margin: 48px auto; text-align: center; color: #8f959e; }
.day { margin: 16px 0 8px; text-align: center; font-size: 12px; color: #8f959e; }
.msg { display: flex; gap: 10px; margin: 14px 0; align-items: flex-start; }
.msg.mine { flex-direction: row-reverse; }
.msg-main { min-width: 0; max-width: min(640px, calc(100% - 50px)); display: flex; flex-direction: column; align-items: flex-start; }
.msg.mine .msg-main { align-items: flex-end; }
.msg-card .msg-main { flex: 1; }
.msg-wide .msg-main { max-width: calc(100% - 50px); }
.msg-meta { display: flex; align-items: center; gap: 6px; font-size: 12px; color: #646a73; margin-bottom: 4px; }
.msg-time { color: #8f959e; }
.msg-quote { font-size: 12px; color: #8f959e; border-left: 2px solid #d0d3d6; padding-left: 6px; margin-bottom: 4px; max-width: 100%; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.bubble { background: #fff; border: 1px solid #e4e5e7; border-radius: 8px; padding: 8px 12px; word-break: break-word; max-width: 100%; }
.msg.mine .bubble { background: #cce0ff; border-color: #cce0ff; }
.bubble .c-at { color: #245bdb; }
.msg-card .c-card { width: 100%; }
.file { display: flex; align-items: center; gap: 8px; }
.file a { color: #245bdb; }
.updated .c-card, .updated .bubble { animation: flash 1.2s ease-out; }
@keyframes flash { from { box-shadow: 0 0 0 3px rgba(51,112,255,.45); } to { box-shadow: 0 0 0 0 rgba(51,112,255,0); } }

/* Composer */
#composer { border-top: 1px solid #dee0e3; padding: 8px 20px 12px; background: #fff; position: relative; }
.composer-tools { display: flex; gap: 6px; margin-bottom: 6px; flex-wrap: wrap; }
.chip { height: 26px; padding: 0 10px; border-radius: 13px; border: 1px solid #dee0e3; background: #fff; color: #1f2329; cursor: pointer; font-size: 13px; }
.chip:hover { background: #f2f3f5; }
#mention-menu { position: absolute; bottom: 100%; left: 20px; z-index: 10; width: 220px; max-height: 320px; overflow: auto; background: #fff; border-radius: 8px; box-shadow: 0 6px 24px rgba(31,35,41,.18); padding: 6px 0; }
.composer-row { display: flex; gap: 8px; align-items: flex-end; }
#input { flex: 1; resize: none; min-height: 40px; max-height: 160px; border: 1px solid #d0d3d6; border-radius: 8px; padding: 8px 10px; font: inherit; outline: none; }
#input:focus { border-color: #3370ff; }
#send { height: 40px; padding: 0 18px; border: 0; border-radius: 8px; background: #3370ff; color: #fff; cursor: pointer; }
#send:disabled { background: #a8c2ff; cursor: progress; }
.composer-hint { font-size: 12px; color: #8f959e; margin-top: 4px; }
#demo-banner { display: flex; align-items: center; gap: 10px; padding: 8px 20px; background: #e1eaff; color: #245bdb; font-size: 13px; border-bottom: 1px solid #c7d7ff; }
#demo-banner.failed { background: #fde2e2; color: #d83931; border-color: #fbbfbc; }
.demo-bar { flex: none; width: 160px; height: 6px; border-radius: 3px; background: #fff; overflow: hidden; }
.demo-bar span { display: block; height: 100%; background: #3370ff; }
.notice { margin: 12px auto; max-width: 640px; padding: 8px 12px; border-radius: 6px; background: #fff7e8; color: #8f5b00; font-size: 12px; text-align: center; }
.job-note { padding: 4px 14px 8px; font-size: 12px; color: #646a73; border-bottom: 1px solid #eff0f1; margin-bottom: 4px; }

/* Toasts (top-centre, 2.5 s) */
#toasts { position: fixed; top: 64px; left: 50%; transform: translateX(-50%); z-index: 100; display: flex; flex-direction: column; gap: 8px; align-items: center; pointer-events: none; }
.toast { display: flex; align-items: center; gap: 8px; padding: 9px 16px; border-radius: 8px; background: #fff; box-shadow: 0 6px 24px rgba(31,35,41,.18); max-width: 560px; animation: toast-in .15s ease-out; }
.toast::before { content: ""; flex: none; width: 16px; height: 16px; border-radius: 50%; background: #3370ff; }
.toast.success::before { background: #34c724; }
.toast.warning::before { background: #ff8800; }
.toast.error::before { background: #f54a45; }
@keyframes toast-in { from { opacity: 0; transform: translateY(-6px); } }

@media (max-width: 760px) {
  #app { grid-template-columns: 1fr; grid-template-rows: auto auto minmax(0, 1fr); }
  #sidebar { max-height: 180px; border-right: 0; border-bottom: 1px solid #dee0e3; }
}
`;

const CARD_CSS = String.raw`
.c-card { background: #fff; border: 1px solid #dee0e3; border-radius: 8px; overflow: hidden; width: 100%; max-width: 600px; line-height: 22px; color: #1f2329; text-align: left; }
.c-w-compact { max-width: 400px; }
.c-w-fill { max-width: none; }
.c-head { padding: 12px 16px; }
.c-head-row { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; }
.c-title { font-size: 16px; font-weight: 600; line-height: 24px; }
.c-title p, .c-subtitle p { margin: 0; }
.c-subtitle { font-size: 12px; color: #646a73; margin-top: 2px; }
.c-head-tags { display: flex; gap: 4px; }
.c-head-blue { background: #e1eaff; } .c-head-blue .c-title { color: #245bdb; }
.c-head-wathet { background: #d9f3fd; } .c-head-wathet .c-title { color: #037eaa; }
.c-head-turquoise { background: #d5f6f2; } .c-head-turquoise .c-title { color: #067062; }
.c-head-green { background: #d9f5d6; } .c-head-green .c-title { color: #237b19; }
.c-head-yellow { background: #faf1d1; } .c-head-yellow .c-title { color: #8f6900; }
.c-head-orange { background: #feead2; } .c-head-orange .c-title { color: #c25705; }
.c-head-red { background: #fde2e2; } .c-head-red .c-title { color: #d83931; }
.c-head-carmine { background: #fdddef; } .c-head-carmine .c-title { color: #c71077; }
.c-head-violet { background: #f8def8; } .c-head-violet .c-title { color: #9c2aa0; }
.c-head-purple { background: #ece2fe; } .c-head-purple .c-title { color: #6425d0; }
.c-head-indigo { background: #e0e3fa; } .c-head-indigo .c-title { color: #3b44b7; }
.c-head-grey { background: #eff0f1; }
.c-head-default { border-bottom: 1px solid #eff0f1; }
.c-body { padding: 12px 16px 16px; display: flex; flex-direction: column; gap: 12px; }
.c-muted { color: #8f959e; }

.c-md > * + *, .c-text > * + * { margin-top: 6px; }
.c-md p { margin: 0; }
.c-notation { font-size: 12px; color: #646a73; }
.c-heading { font-size: 16px; font-weight: 600; }
.c-h { font-weight: 600; }
.c-h1 { font-size: 22px; line-height: 30px; } .c-h2 { font-size: 19px; line-height: 28px; } .c-h3 { font-size: 16px; line-height: 24px; }
.c-md a, .c-text a, .bubble a { color: #245bdb; text-decoration: none; }
.c-md a:hover, .bubble a:hover { text-decoration: underline; }
.c-at { color: #245bdb; }
.c-icode { background: #f2f3f5; border-radius: 4px; padding: 0 4px; font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.c-code { margin: 0; background: #f5f6f7; border-radius: 6px; padding: 8px 10px; overflow-x: auto; font: 13px/20px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.c-quote { margin: 0; border-left: 3px solid #d0d3d6; padding-left: 10px; color: #646a73; }
.c-list { display: flex; flex-direction: column; }
.c-li { display: flex; gap: 6px; }
.c-li-mark { flex: none; min-width: 10px; color: #646a73; }
.c-li-1 { padding-left: 16px; } .c-li-2 { padding-left: 32px; } .c-li-3 { padding-left: 48px; }
.c-hr { border: 0; border-top: 1px solid #dee0e3; margin: 0; }
.c-md-table { border-collapse: collapse; width: 100%; font-size: 13px; }
.c-md-table th, .c-md-table td { border: 1px solid #dee0e3; padding: 4px 8px; text-align: left; }
.c-md-table th { background: #f5f6f7; font-weight: 600; }

.c-div.c-with-extra { display: flex; justify-content: space-between; gap: 12px; align-items: flex-start; }
.c-fields { display: grid; grid-template-columns: 1fr 1fr; gap: 8px 16px; margin-top: 4px; }
.c-fieldtext:not(.c-short) { grid-column: 1 / -1; }
.c-note { font-size: 12px; line-height: 18px; color: #8f959e; }
.c-note-icon { display: inline-block; width: 12px; height: 12px; border-radius: 2px; background: #dee0e3; vertical-align: -1px; }
.c-img { display: flex; flex-direction: column; align-items: center; justify-content: center; gap: 6px; height: 140px; background: #f2f3f5; color: #8f959e; border-radius: 6px; font-size: 12px; }
.c-img-small { height: 64px; width: 64px; }
.c-cols { display: flex; align-items: flex-start; }
.c-col { min-width: 0; display: flex; flex-direction: column; gap: 8px; }
.c-bg-grey { background: #f5f6f7; border-radius: 6px; padding: 8px; }
.c-panel { border: 1px solid #dee0e3; border-radius: 6px; }
.c-panel summary { cursor: pointer; padding: 8px 12px; }
.c-panel summary p { display: inline; margin: 0; }
.c-panel-body { padding: 0 12px 12px; display: flex; flex-direction: column; gap: 10px; }
.c-container { border: 1px solid #dee0e3; border-radius: 6px; padding: 8px 12px; cursor: pointer; display: flex; flex-direction: column; gap: 8px; }
.c-container:hover { border-color: #3370ff; }
.c-actions { display: flex; gap: 8px; flex-wrap: wrap; }
.c-actions-grid > * { flex: 1; }
.c-persons { display: flex; gap: 8px; flex-wrap: wrap; }
.c-person { display: inline-flex; align-items: center; gap: 4px; }
.c-avatar { display: inline-grid; place-items: center; width: 20px; height: 20px; border-radius: 50%; background: #3370ff; color: #fff; font-size: 11px; }
.c-unknown { align-self: flex-start; display: inline-block; background: #f2f3f5; color: #8f959e; border: 1px dashed #d0d3d6; border-radius: 4px; padding: 1px 8px; font-size: 12px; }

.c-tag { display: inline-block; padding: 0 6px; border-radius: 4px; font-size: 12px; line-height: 20px; font-weight: 400; white-space: nowrap; }
.c-tag-neutral, .c-tag-grey, .c-tag-gray, .c-tag-default { background: #eff0f1; color: #646a73; }
.c-tag-blue { background: #e1eaff; color: #245bdb; }
.c-tag-wathet { background: #d9f3fd; color: #037eaa; }
.c-tag-turquoise { background: #d5f6f2; color: #067062; }
.c-tag-green { background: #d9f5d6; color: #237b19; }
.c-tag-lime { background: #eef6c6; color: #5e7a00; }
.c-tag-yellow { background: #faf1d1; color: #8f6900; }
.c-tag-orange { background: #feead2; color: #c25705; }
.c-tag-red { background: #fde2e2; color: #d83931; }
.c-tag-carmine { background: #fdddef; color: #c71077; }
.c-tag-violet { background: #f8def8; color: #9c2aa0; }
.c-tag-purple { background: #ece2fe; color: #6425d0; }
.c-tag-indigo { background: #e0e3fa; color: #3b44b7; }

.c-btn { height: 32px; padding: 0 14px; border-radius: 6px; border: 1px solid #d0d3d6; background: #fff; color: #1f2329; font-size: 14px; cursor: pointer; white-space: nowrap; }
.c-btn:hover { background: #f2f3f5; }
.c-btn-tiny { height: 24px; padding: 0 8px; font-size: 12px; } .c-btn-small { height: 28px; padding: 0 10px; } .c-btn-large { height: 40px; padding: 0 18px; }
.c-btn-fill { width: 100%; }
.c-btn-primary { border-color: #3370ff; color: #3370ff; } .c-btn-primary:hover { background: #f0f4ff; }
.c-btn-danger { border-color: #f54a45; color: #f54a45; } .c-btn-danger:hover { background: #fef1f1; }
.c-btn-primary_filled { background: #3370ff; border-color: #3370ff; color: #fff; } .c-btn-primary_filled:hover { background: #4e83fd; }
.c-btn-danger_filled { background: #f54a45; border-color: #f54a45; color: #fff; } .c-btn-danger_filled:hover { background: #f76964; }
.c-btn-text, .c-btn-primary_text, .c-btn-danger_text { border-color: transparent; background: transparent; }
.c-btn-primary_text { color: #3370ff; } .c-btn-danger_text { color: #f54a45; }
.c-btn-laser { border: 0; color: #fff; background: linear-gradient(90deg, #3370ff, #7f3bf5, #e22e6f); }
.c-btn[disabled] { opacity: .45; cursor: not-allowed; }
.c-btn.c-busy { opacity: .7; cursor: progress; }

.c-form { display: flex; flex-direction: column; gap: 12px; }
.c-field { display: flex; flex-direction: column; gap: 4px; min-width: 0; }
.c-field-left { flex-direction: row; align-items: center; gap: 8px; }
.c-field-left .c-label { flex: none; min-width: 72px; }
.c-field-inline { display: inline-flex; }
.c-label { font-size: 14px; color: #1f2329; }
.c-req { color: #f54a45; margin-left: 2px; }
.c-input, .c-select { width: 100%; min-height: 32px; border: 1px solid #d0d3d6; border-radius: 6px; padding: 4px 10px; font: inherit; color: #1f2329; background: #fff; outline: none; }
textarea.c-input { resize: vertical; }
.c-input:focus, .c-select:focus { border-color: #3370ff; }
.c-overflow { width: auto; }
.c-multi { display: flex; flex-wrap: wrap; gap: 6px 12px; border: 1px solid #d0d3d6; border-radius: 6px; padding: 6px 10px; }
.c-multi-hint { width: 100%; font-size: 12px; color: #8f959e; }
.c-choice, .c-checker { display: inline-flex; align-items: center; gap: 6px; cursor: pointer; }
.c-missing .c-input, .c-missing .c-select, .c-missing .c-multi { border-color: #f54a45; }
.c-missing::after { content: "必填 · required"; font-size: 12px; color: #f54a45; }

.c-table { border: 1px solid #dee0e3; border-radius: 6px; overflow: hidden; }
.c-table-scroll { overflow-x: auto; }
.c-table table { border-collapse: collapse; width: 100%; font-size: 13px; }
.c-table th, .c-table td { padding: 7px 10px; border-bottom: 1px solid #eff0f1; text-align: left; vertical-align: top; }
.c-table th { font-weight: 400; color: #646a73; white-space: nowrap; }
.c-thead-grey th { background: #f5f6f7; }
.c-thead-bold th { font-weight: 600; color: #1f2329; }
.c-table td .c-md > * + * { margin-top: 0; }
.c-table-empty { color: #8f959e; text-align: center !important; }
.c-pager { display: flex; justify-content: flex-end; align-items: center; gap: 8px; padding: 6px 10px; font-size: 12px; color: #646a73; }
.c-pager button { width: 24px; height: 24px; border: 1px solid #d0d3d6; border-radius: 4px; background: #fff; cursor: pointer; }
.c-pager button:disabled { opacity: .4; cursor: default; }

.c-chart-title { font-weight: 600; margin-bottom: 4px; }
.c-chart-svg { width: 100%; height: auto; display: block; }
.c-chart-note { font-size: 12px; color: #8f959e; margin-bottom: 4px; }
.c-grid { stroke: #eff0f1; }
.c-axis { font-size: 11px; fill: #8f959e; }
.c-legend { font-size: 12px; fill: #646a73; }
`;

const BODY = String.raw`
<div id="app">
  <header id="topbar">
    <div class="brand">
      <div class="brand-logo">业</div>
      <div><div class="brand-name" id="brand-name">业务部助手 · 本地模拟器</div><div class="brand-sub">Salesdesk local simulator</div></div>
    </div>
    <div class="clock">
      <div class="clock-now">
        <span class="clock-label">模拟时间 · Simulated time</span>
        <span><span id="clock-text">—</span><span id="clock-shift" class="badge" hidden>已调整</span></span>
      </div>
      <div class="clock-controls">
        <input type="datetime-local" id="jump-input" title="业务时区的日期时间 · date and time in the business time zone">
        <button class="tb-btn primary" id="jump-go">跳转到 · Jump</button>
        <button class="tb-btn" data-jump="hour">+1小时</button>
        <button class="tb-btn" data-jump="day">+1天</button>
        <button class="tb-btn" data-jump="tomorrow">明天 09:00</button>
        <button class="tb-btn" data-jump="monday">下周一 09:30</button>
        <button class="tb-btn" id="clock-reset" title="回到真实时间 · back to real time">重置 · Reset</button>
        <details id="jobs"><summary>定时任务 · Jobs</summary><div id="jobs-list"></div></details>
      </div>
    </div>
    <button class="tb-btn" id="seed-demo" title="一个月的客户、订单、投诉和合同，经由真实命令和卡片生成 · a month of customers, orders, complaints and contracts, made through the real commands">载入演示数据 · Load demo data</button>
  </header>
  <aside id="sidebar">
    <h2>当前身份<span>Acting as</span></h2>
    <div id="people"></div>
    <h2>会话<span>Chats</span></h2>
    <div id="chats"></div>
  </aside>
  <main id="conversation">
    <div id="chat-head"><div id="chat-title">加载中…</div><div id="chat-sub"></div></div>
    <div id="demo-banner" hidden></div>
    <div id="messages"></div>
    <div id="composer">
      <div class="composer-tools">
        <button class="chip" data-quick="/帮助">/帮助</button>
        <button class="chip" data-quick="/我">/我</button>
        <button class="chip" id="mention-btn" title="提及同事 · mention someone">@ 提及</button>
      </div>
      <div id="mention-menu" hidden></div>
      <div class="composer-row">
        <textarea id="input" rows="1"></textarea>
        <button id="send">发送</button>
      </div>
      <div class="composer-hint" id="composer-hint">Enter 发送，Shift+Enter 换行 · Enter to send</div>
    </div>
  </main>
</div>
<div id="toasts" aria-live="polite"></div>
`;

const CLIENT_JS = String.raw`
(function () {
  'use strict';

  var R = window.CardRender;
  var WEEKDAYS = ['', '周一', '周二', '周三', '周四', '周五', '周六', '周日'];
  var AVATAR_COLORS = ['#3370ff', '#34c724', '#ff8800', '#7f3bf5', '#04b49c', '#f54a45', '#e22e6f', '#4954e6', '#d6a200'];

  var S = {
    me: localStorage.getItem('salesdesk.sim.me') || '',
    chatId: localStorage.getItem('salesdesk.sim.chat') || '',
    chatType: 'group',
    bot: { openId: '', name: '机器人' },
    tz: 'Asia/Shanghai',
    people: [],
    chats: [],
    jobs: [],
    messages: [],
    clock: null,
    clockReceivedAt: 0,
    unread: {},
    demo: { state: 'idle' },
    historyLost: false,
    seedingHere: false,
  };

  var $ = function (id) { return document.getElementById(id); };
  var esc = R.escapeHtml;

  // ── Server API ──────────────────────────────────────────────────────────────

  function post(path, body) {
    return fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body || {}) })
      .then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (data) { data.httpStatus = res.status; return data; });
      });
  }

  function load() {
    return fetch('/local/state?user=' + encodeURIComponent(S.me))
      .then(function (res) { return res.json(); })
      .then(applyState)
      .catch(function () { toast('error', '无法连接本地服务 · cannot reach the local server'); });
  }

  /** Roles can change with any command (/角色): re-read the people after each one. */
  function refreshPeople() {
    return fetch('/local/state?user=' + encodeURIComponent(S.me))
      .then(function (res) { return res.json(); })
      .then(function (data) { S.people = data.people; renderPeople(); renderHeader(); })
      .catch(function () {});
  }

  function applyState(data) {
    S.bot = data.bot;
    S.tz = data.tz;
    S.people = data.people;
    S.chats = data.chats;
    S.jobs = data.jobs;
    S.me = data.user;
    S.messages = data.messages;
    S.historyLost = Boolean(data.historyLost);
    localStorage.setItem('salesdesk.sim.me', S.me);
    if (!S.chats.some(function (c) { return c.chatId === S.chatId; })) {
      // Switching people keeps the kind of chat: the new person's own DM instead of the old one's.
      var sameKind = S.chats.find(function (c) { return c.type === S.chatType; });
      S.chatId = (sameKind || S.chats[0] || {}).chatId || '';
    }
    S.chatType = (currentChat() || {}).type || 'group';
    $('brand-name').textContent = S.bot.name + ' · 本地模拟器';
    setClock(data.clock);
    renderAll();
    setDemo(data.demo || { state: 'idle' });
  }

  // ── Helpers ─────────────────────────────────────────────────────────────────

  function person(openId) {
    return S.people.find(function (p) { return p.openId === openId; });
  }
  function renderContext() {
    var names = {};
    S.people.forEach(function (p) { names[p.openId] = p.name; });
    names[S.bot.openId] = S.bot.name;
    return { names: names, people: S.people, timeZone: S.tz };
  }
  function visible(m) {
    return m.chatType === 'group' || m.dmOf === S.me;
  }
  function currentChat() {
    return S.chats.find(function (c) { return c.chatId === S.chatId; });
  }
  function avatarColor(id) {
    var h = 0;
    for (var i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
    return AVATAR_COLORS[h % AVATAR_COLORS.length];
  }
  function avatar(openId, name, extra) {
    var first = Array.from(name || '?')[0];
    return '<div class="avatar ' + (extra || '') + '" style="background:' + avatarColor(openId) + '">' + esc(first) + '</div>';
  }

  /** Wall-clock fields of an instant in the business time zone. */
  var wallFormat = null;
  function wall(ms) {
    if (!wallFormat || wallFormat.tz !== S.tz) {
      wallFormat = new Intl.DateTimeFormat('en-US', { timeZone: S.tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', weekday: 'short' });
      wallFormat.tz = S.tz;
    }
    var p = {};
    wallFormat.formatToParts(new Date(ms)).forEach(function (x) { p[x.type] = x.value; });
    var wd = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(p.weekday) + 1;
    return { y: p.year, mo: p.month, d: p.day, h: p.hour === '24' ? '00' : p.hour, mi: p.minute, s: p.second, wd: wd };
  }
  function dateKey(ms) { var w = wall(ms); return w.y + '-' + w.mo + '-' + w.d; }
  function hm(ms) { var w = wall(ms); return w.h + ':' + w.mi; }
  function dayLabel(ms) { var w = wall(ms); return w.y + '年' + Number(w.mo) + '月' + Number(w.d) + '日 ' + WEEKDAYS[w.wd]; }
  /** The wall date n days after ms's, as YYYY-MM-DD. */
  function addDays(ms, n) {
    var w = wall(ms);
    var d = new Date(Date.UTC(Number(w.y), Number(w.mo) - 1, Number(w.d) + n));
    return d.toISOString().slice(0, 10);
  }

  // ── Toasts ──────────────────────────────────────────────────────────────────

  function toast(type, text) {
    var node = document.createElement('div');
    node.className = 'toast ' + (type || 'info');
    node.textContent = text;
    $('toasts').appendChild(node);
    setTimeout(function () { node.remove(); }, 2500);
  }

  // ── Sidebar ─────────────────────────────────────────────────────────────────

  function renderPeople() {
    $('people').innerHTML = S.people.map(function (p) {
      var tags = '<span class="role-tag">' + esc(p.roleLabel) + '</span>' + (p.isAdmin ? '<span class="role-tag admin">管理员</span>' : '');
      return '<button class="row' + (p.openId === S.me ? ' active' : '') + '" data-person="' + esc(p.openId) + '">' +
        avatar(p.openId, p.name) +
        '<div class="row-main"><div class="row-title">' + esc(p.name) + tags + '</div><div class="row-sub">' + esc(p.roleEn || '') + '</div></div></button>';
    }).join('');
  }

  function renderChats() {
    $('chats').innerHTML = S.chats.map(function (c) {
      var unread = S.unread[c.chatId] ? '<span class="unread">' + S.unread[c.chatId] + '</span>' : '';
      var icon = c.type === 'group'
        ? '<div class="avatar group">' + esc(Array.from(c.name)[0] || '群') + '</div>'
        : '<div class="avatar bot">助</div>';
      var sub = c.type === 'group' ? (c.isTeam ? '团队群 · team chat' : '群聊 · group') : '单聊 · direct message';
      return '<button class="row' + (c.chatId === S.chatId ? ' active' : '') + '" data-chat="' + esc(c.chatId) + '">' + icon +
        '<div class="row-main"><div class="row-title">' + esc(c.name) + '</div><div class="row-sub">' + sub + '</div></div>' + unread + '</button>';
    }).join('');
  }

  function renderJobs() {
    var note = '<div class="job-note">跳转时钟时：每日、每周、每月的任务按途中每个到期时刻各运行一次（时钟停在那一刻，最多回溯 31 天）；' +
      '每几分钟一次的扫描只在新时间运行一次，途中到期的提醒在那时发出。 · On a jump, daily/weekly/monthly jobs run once per moment they fell due; sweeps run once, at the new time.</div>';
    $('jobs-list').innerHTML = note + (S.jobs.length
      ? S.jobs.map(function (j) {
          return '<div class="job"><div class="job-name">' + esc(j.name) + '</div><div class="job-meta"><code>' + esc(j.schedule) + '</code> · ' + esc(j.description) + '</div></div>';
        }).join('')
      : '<div class="job-empty">还没有定时任务 · no jobs registered</div>');
  }

  // ── Conversation ────────────────────────────────────────────────────────────

  function renderHeader() {
    var chat = currentChat();
    var me = person(S.me);
    $('chat-title').textContent = chat ? chat.name : '—';
    $('chat-sub').textContent = chat
      ? (chat.type === 'group' ? '群聊 · ' + (S.people.length + 1) + ' 人（含机器人）' : '与 ' + S.bot.name + ' 的单聊') + ' · 我是 ' + (me ? me.name + '（' + me.roleLabel + '）' : '')
      : '';
    $('input').placeholder = chat
      ? (chat.type === 'group' ? '发送到 ' + chat.name + '（会自动 @' + S.bot.name + '）' : '发送给 ' + S.bot.name) + '，例如 /帮助'
      : '';
  }

  function messageBody(m) {
    var ctx = renderContext();
    var c = m.content || {};
    if (m.msgType === 'interactive') return R.renderCard(c, ctx);
    if (m.msgType === 'text') return '<div class="bubble">' + R.renderText(c.text, ctx) + '</div>';
    if (m.msgType === 'post') {
      var body = c.content ? c : (c.zh_cn || c[Object.keys(c)[0]] || {});
      var lines = (body.content || []).map(function (line) {
        return line.map(function (n) { return n.tag === 'at' ? '@' + (ctx.names[n.user_id] || n.user_name || n.user_id) : (n.text || ''); }).join('');
      });
      return '<div class="bubble">' + (body.title ? '<b>' + esc(body.title) + '</b><br>' : '') + R.renderText(lines.join('\n'), ctx) + '</div>';
    }
    if (m.msgType === 'file' && m.file) {
      return '<div class="bubble file">📄 <a href="/local/files/' + encodeURIComponent(c.file_key) + '" download>' + esc(m.file.name) + '</a> <span class="msg-time">' + Math.ceil(m.file.size / 1024) + ' KB</span></div>';
    }
    return '<div class="bubble">[' + esc(m.msgType) + ']</div>';
  }

  function quoteOf(m) {
    if (!m.parentId) return '';
    var parent = S.messages.find(function (x) { return x.id === m.parentId; });
    if (!parent) return '';
    var text = parent.msgType === 'text' ? (parent.content || {}).text || '' : '[卡片]';
    return '<div class="msg-quote">回复 ' + esc(parent.from.name) + '：' + esc(text) + '</div>';
  }

  function messageNode(m) {
    var mine = m.from.kind === 'user' && m.from.openId === S.me;
    var isBot = m.from.kind === 'bot';
    var node = document.createElement('div');
    var wide = m.msgType === 'interactive' && ((m.content || {}).config || {}).width_mode === 'fill';
    node.className = 'msg' + (mine ? ' mine' : '') + (m.msgType === 'interactive' ? ' msg-card' : '') + (wide ? ' msg-wide' : '');
    node.dataset.id = m.id;
    var p = person(m.from.openId);
    var tag = isBot ? '<span class="role-tag bot">机器人</span>' : p ? '<span class="role-tag">' + esc(p.roleLabel) + '</span>' : '';
    node.innerHTML = (isBot ? '<div class="avatar big bot">助</div>' : avatar(m.from.openId, m.from.name, 'big')) +
      '<div class="msg-main"><div class="msg-meta"><span class="msg-name">' + esc(m.from.name) + '</span>' + tag +
      '<span class="msg-time">' + hm(m.createTime) + '</span></div>' + quoteOf(m) + messageBody(m) + '</div>';
    return node;
  }

  function renderMessages() {
    var box = $('messages');
    var list = S.messages.filter(function (m) { return m.chatId === S.chatId; });
    box.innerHTML = S.historyLost
      ? '<div class="notice" id="history-notice">聊天记录只保存在本地服务的内存里，重启前的消息和卡片不再显示；数据库里的客户、订单、投诉和合同都还在——发送 <b>/客户 列表</b>、<b>/订单 列表</b> 或 <b>/待办</b> 查看。' +
        ' · Chat history lives in memory only: messages from before the restart are gone, the data is not.</div>'
      : '';
    if (!list.length) {
      box.insertAdjacentHTML('beforeend', '<div class="empty">还没有消息。试试发送 <b>/帮助</b> · Try /help</div>');
      return;
    }
    var lastDay = '';
    list.forEach(function (m) {
      var day = dateKey(m.createTime);
      if (day !== lastDay) {
        var sep = document.createElement('div');
        sep.className = 'day';
        sep.textContent = dayLabel(m.createTime);
        box.appendChild(sep);
        lastDay = day;
      }
      box.appendChild(messageNode(m));
    });
    box.scrollTop = box.scrollHeight;
  }

  function appendMessage(m) {
    var box = $('messages');
    var nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 120;
    var empty = box.querySelector('.empty');
    if (empty) empty.remove();
    var previous = S.messages.filter(function (x) { return x.chatId === m.chatId && x.id !== m.id; }).pop();
    if (!previous || dateKey(previous.createTime) !== dateKey(m.createTime)) {
      var sep = document.createElement('div');
      sep.className = 'day';
      sep.textContent = dayLabel(m.createTime);
      box.appendChild(sep);
    }
    box.appendChild(messageNode(m));
    if (nearBottom || m.from.openId === S.me) box.scrollTop = box.scrollHeight;
  }

  function renderAll() {
    renderPeople();
    renderChats();
    renderJobs();
    renderHeader();
    renderMessages();
  }

  /** A message created, replied, patched or updated (from the event stream or a reply). */
  function upsert(m) {
    if (!visible(m)) return;
    var index = S.messages.findIndex(function (x) { return x.id === m.id; });
    if (index >= 0) {
      S.messages[index] = m;
      var old = document.querySelector('.msg[data-id="' + CSS.escape(m.id) + '"]');
      if (old) {
        var fresh = messageNode(m);
        fresh.classList.add('updated');
        old.replaceWith(fresh);
      }
      return;
    }
    S.messages.push(m);
    if (!S.chats.some(function (c) { return c.chatId === m.chatId; })) {
      S.chats.push({ chatId: m.chatId, type: m.chatType, name: m.chatType === 'group' ? m.chatId : S.bot.name, isTeam: false });
    }
    if (m.chatId === S.chatId) appendMessage(m);
    else {
      S.unread[m.chatId] = (S.unread[m.chatId] || 0) + 1;
      renderChats();
    }
  }

  // ── Composer ────────────────────────────────────────────────────────────────

  function send(text) {
    text = (text || '').trim();
    if (!text || !S.chatId) return;
    var button = $('send');
    button.disabled = true;
    post('/local/send', { from: S.me, chatId: S.chatId, text: text })
      .then(function (res) {
        if (!res.ok) {
          toast('error', '发送失败（HTTP ' + (res.status || res.httpStatus) + '）' + (res.error ? '：' + res.error : ''));
          return;
        }
        if (res.message) upsert(res.message);
        refreshPeople();
      })
      .catch(function () { toast('error', '发送失败 · send failed'); })
      .then(function () { button.disabled = false; });
  }

  function sendFromInput() {
    var input = $('input');
    var text = input.value;
    if (!text.trim()) return;
    input.value = '';
    autosize();
    send(text);
  }

  function autosize() {
    var input = $('input');
    input.style.height = 'auto';
    input.style.height = Math.min(160, input.scrollHeight + 2) + 'px';
  }

  function insertText(text) {
    var input = $('input');
    var start = input.selectionStart || input.value.length;
    input.value = input.value.slice(0, start) + text + input.value.slice(input.selectionEnd || start);
    input.focus();
    input.selectionStart = input.selectionEnd = start + text.length;
    autosize();
  }

  function toggleMentionMenu(show) {
    var menu = $('mention-menu');
    if (show === undefined) show = menu.hidden;
    menu.hidden = !show;
    if (!show) return;
    menu.innerHTML = S.people.map(function (p) {
      return '<button class="row" data-mention="' + esc(p.name) + '">' + avatar(p.openId, p.name) +
        '<div class="row-main"><div class="row-title">' + esc(p.name) + '<span class="role-tag">' + esc(p.roleLabel) + '</span></div></div></button>';
    }).join('');
  }

  // ── Card interactions ───────────────────────────────────────────────────────

  function readJson(node, attr) {
    try { return JSON.parse(node.getAttribute(attr)); } catch (e) { return {}; }
  }

  /** The raw value of a field, by component kind. */
  function fieldRaw(node, info) {
    var kind = info.kind;
    if (kind === 'checker') return node.querySelector('input').checked;
    if (kind === 'multi_select_static' || kind === 'multi_select_person') {
      return Array.from(node.querySelectorAll('input[type=checkbox]:checked')).map(function (x) { return x.value; });
    }
    var control = node.querySelector('input, textarea, select');
    return control ? control.value : '';
  }

  function clickCard(messageId, body, busy) {
    if (busy) { busy.classList.add('c-busy'); busy.disabled = true; }
    body.from = S.me;
    body.messageId = messageId;
    return post('/local/click', body)
      .then(function (res) {
        if (res.toast && res.toast.content) toast(res.toast.type, res.toast.content);
        else if (!res.ok) toast('error', '回调失败（HTTP ' + (res.status || res.httpStatus) + '）' + (res.error ? '：' + res.error : ''));
        if (res.message) upsert(res.message);
        refreshPeople();
      })
      .catch(function () { toast('error', '回调失败 · callback failed'); })
      .then(function () {
        if (busy && busy.isConnected) { busy.classList.remove('c-busy'); busy.disabled = false; }
      });
  }

  function onCardButton(button, payload, messageId) {
    if (payload.url) { window.open(payload.url, '_blank', 'noopener'); if (payload.value === undefined) return; }
    var message = S.messages.find(function (x) { return x.id === messageId; });
    if (payload.form === 'reset') {
      if (message) upsert(message);
      return;
    }
    if (payload.confirm && !window.confirm((payload.confirm.title || '确认') + (payload.confirm.text ? '\n\n' + payload.confirm.text : ''))) return;
    var body = { value: payload.value === undefined ? {} : payload.value, name: payload.name, tag: 'button' };
    if (payload.form === 'submit') {
      var form = button.closest('.c-form') || button.closest('.c-card');
      var nodes = Array.from(form.querySelectorAll('[data-c-field]'));
      var fields = nodes.map(function (node) {
        var info = readJson(node, 'data-c-field');
        return { kind: info.kind, name: info.name, required: info.required, raw: fieldRaw(node, info), node: node };
      });
      var result = R.collectForm(fields, S.clock.offset);
      nodes.forEach(function (node) { node.classList.remove('c-missing'); });
      if (result.missing.length) {
        fields.forEach(function (f) { if (result.missing.indexOf(f.name) >= 0) f.node.classList.add('c-missing'); });
        toast('warning', '请填写必填项 · please fill in the required fields');
        return;
      }
      body.formValue = result.values;
    } else if (payload.value === undefined) {
      return; // a button without a callback does nothing in Feishu either
    }
    clickCard(messageId, body, button);
  }

  /** Interactive components outside a form call back as soon as they change. */
  function onFieldChange(node, info, messageId) {
    if (info.inForm || info.silent) return;
    var raw = fieldRaw(node, info);
    var body = { value: info.value === undefined ? {} : info.value, name: info.name || undefined, tag: info.kind };
    if (typeof raw === 'boolean') body.checked = raw;
    else if (Array.isArray(raw)) body.options = raw;
    else if (info.kind === 'input') body.inputValue = raw;
    else if (raw === '') return;
    else body.option = R.pickerValue(info.kind, raw, S.clock.offset);
    clickCard(messageId, body, null);
  }

  function onTablePage(button) {
    var table = button.closest('[data-c-table]');
    var pages = Array.from(table.querySelectorAll('tbody[data-page]'));
    var current = pages.findIndex(function (p) { return !p.hidden; });
    var next = Math.max(0, Math.min(pages.length - 1, current + (button.dataset.cPage === 'next' ? 1 : -1)));
    pages.forEach(function (p, i) { p.hidden = i !== next; });
    table.querySelector('.c-page-no').textContent = (next + 1) + ' / ' + pages.length;
    table.querySelector('[data-c-page="prev"]').disabled = next === 0;
    table.querySelector('[data-c-page="next"]').disabled = next === pages.length - 1;
  }

  // ── Clock ───────────────────────────────────────────────────────────────────

  function setClock(clock) {
    S.clock = clock;
    S.clockReceivedAt = Date.now();
    $('clock-shift').hidden = !clock.shifted;
    $('jump-input').value = clock.wall;
    paintClock();
  }
  function simulatedNow() {
    return Date.parse(S.clock.now) + (Date.now() - S.clockReceivedAt);
  }
  function paintClock() {
    if (!S.clock) return;
    var w = wall(simulatedNow());
    $('clock-text').textContent = w.y + '-' + w.mo + '-' + w.d + ' ' + WEEKDAYS[w.wd] + ' ' + w.h + ':' + w.mi + ':' + w.s;
  }

  function jump(to) {
    var buttons = Array.from(document.querySelectorAll('.clock-controls button'));
    buttons.forEach(function (b) { b.disabled = true; });
    post('/local/jump', { to: to })
      .then(function (res) {
        if (!res.ok) { toast('error', res.error || '跳转失败 · jump failed'); return; }
        setClock(res.clock);
        var counted = function (status) {
          var n = {};
          res.ran.forEach(function (r) { if (r.status === status) n[r.job] = (n[r.job] || 0) + 1; });
          return Object.keys(n).map(function (job) { return n[job] > 1 ? job + ' ×' + n[job] : job; });
        };
        var done = counted('ok');
        var failed = counted('failed');
        var text = '已跳转到 ' + res.clock.wall.replace('T', ' ') + '；' + (done.length ? '运行了定时任务：' + done.join('、') : '没有到期的定时任务');
        toast(failed.length ? 'warning' : 'success', text + (failed.length ? '；失败：' + failed.join('、') : ''));
      })
      .catch(function () { toast('error', '跳转失败 · jump failed'); })
      .then(function () { buttons.forEach(function (b) { b.disabled = false; }); });
  }

  function quickJump(kind) {
    var now = simulatedNow();
    if (kind === 'hour') return jump(new Date(now + 3600e3).toISOString());
    if (kind === 'day') return jump(new Date(now + 86400e3).toISOString());
    if (kind === 'tomorrow') return jump(addDays(now, 1) + 'T09:00');
    if (kind === 'monday') return jump(addDays(now, 8 - wall(now).wd) + 'T09:30');
  }

  // ── Demo data ───────────────────────────────────────────────────────────────

  var SEED_LABEL = '载入演示数据 · Load demo data';

  function seedDemo() {
    var button = $('seed-demo');
    button.disabled = true;
    button.textContent = '正在载入演示数据…';
    S.seedingHere = true;
    toast('info', '正在载入一个月的演示数据（经由真实命令和卡片），需要一两分钟… · loading demo data');
    post('/local/seed', {})
      .then(function (res) {
        if (!res.ok) { toast(res.already ? 'warning' : 'error', res.error || '载入失败 · failed'); return; }
        toast('success', '已载入演示数据：' + res.customers + ' 个客户，' + res.steps + ' 步操作 · demo data loaded');
        return load();
      })
      .catch(function () { toast('error', '载入失败 · failed'); })
      .then(function () {
        S.seedingHere = false;
        if (S.demo.state !== 'loading') { button.disabled = false; button.textContent = SEED_LABEL; }
      });
  }

  /**
   * While the demo month loads (by itself on a fresh start, or from the button) the clock jumps around and
   * the bot is busy: the composer, the clock and the button wait, and a banner shows the progress.
   */
  function setDemo(demo) {
    var was = S.demo.state;
    S.demo = demo;
    var loading = demo.state === 'loading';
    var banner = $('demo-banner');
    banner.className = demo.state === 'failed' ? 'failed' : '';
    banner.hidden = !(loading || (demo.state === 'failed' && demo.auto));
    if (loading) {
      var pct = demo.total ? Math.round((demo.done / demo.total) * 100) : 0;
      banner.innerHTML = '<span class="demo-bar"><span style="width:' + pct + '%"></span></span><span>正在载入演示数据 ' + demo.done + '/' + demo.total +
        '：一个月的客户、订单、投诉和合同，经由真实命令和卡片生成，完成前请稍候… · loading demo data</span>';
    } else if (demo.state === 'failed') {
      banner.textContent = demo.error;
    }
    Array.prototype.forEach.call(document.querySelectorAll('.clock-controls button, .clock-controls input, #send, #input, .composer-tools .chip'), function (el) { el.disabled = loading; });
    var button = $('seed-demo');
    button.disabled = loading;
    button.textContent = loading ? '正在载入演示数据 ' + demo.done + '/' + demo.total : SEED_LABEL;
    if (was === 'loading' && !S.seedingHere) {
      // Loaded by itself (or from another tab): show the month.
      if (demo.state === 'loaded') { toast('success', '已载入演示数据：' + demo.customers + ' 个客户 · demo data loaded'); load(); }
      else if (demo.state === 'failed') toast('error', demo.error);
    }
  }

  // ── Live updates ────────────────────────────────────────────────────────────

  function connect() {
    var stream = new EventSource('/local/stream');
    var opened = false;
    stream.addEventListener('hello', function () {
      if (opened) load(); // reconnected: catch up on anything missed
      opened = true;
    });
    stream.addEventListener('message', function (e) {
      var data = JSON.parse(e.data);
      upsert(data.message);
    });
    stream.addEventListener('clock', function (e) { setClock(JSON.parse(e.data)); });
    stream.addEventListener('seed', function (e) { setDemo(JSON.parse(e.data)); });
  }

  // ── Wiring ──────────────────────────────────────────────────────────────────

  document.addEventListener('click', function (e) {
    var t = e.target;
    var node;
    if ((node = t.closest('[data-person]'))) {
      S.me = node.dataset.person;
      S.unread = {};
      load();
    } else if ((node = t.closest('[data-chat]'))) {
      S.chatId = node.dataset.chat;
      S.chatType = (currentChat() || {}).type || 'group';
      localStorage.setItem('salesdesk.sim.chat', S.chatId);
      delete S.unread[S.chatId];
      renderChats();
      renderHeader();
      renderMessages();
      $('input').focus();
    } else if ((node = t.closest('[data-quick]'))) {
      send(node.dataset.quick);
    } else if ((node = t.closest('[data-mention]'))) {
      insertText('@' + node.dataset.mention + ' ');
      toggleMentionMenu(false);
    } else if (t.closest('#mention-btn')) {
      toggleMentionMenu();
    } else if ((node = t.closest('[data-jump]'))) {
      quickJump(node.dataset.jump);
    } else if (t.closest('#jump-go')) {
      var value = $('jump-input').value;
      if (value) jump(value);
    } else if (t.closest('#seed-demo')) {
      seedDemo();
    } else if (t.closest('#clock-reset')) {
      post('/local/reset-clock', {}).then(function (res) { if (res.clock) setClock(res.clock); toast('info', '已回到真实时间 · back to real time'); });
    } else if (t.closest('#send')) {
      sendFromInput();
    } else if ((node = t.closest('[data-c-page]'))) {
      onTablePage(node);
    } else if ((node = t.closest('[data-c]'))) {
      if (node.disabled) return;
      var msg = node.closest('.msg');
      onCardButton(node, readJson(node, 'data-c'), msg && msg.dataset.id);
    }
    if (!t.closest('#mention-menu') && !t.closest('#mention-btn')) toggleMentionMenu(false);
  });

  document.addEventListener('change', function (e) {
    var node = e.target.closest('[data-c-field]');
    if (!node) return;
    node.classList.remove('c-missing');
    var msg = node.closest('.msg');
    onFieldChange(node, readJson(node, 'data-c-field'), msg && msg.dataset.id);
  });

  $('input').addEventListener('keydown', function (e) {
    // isComposing: Enter that confirms a Chinese IME candidate must not send.
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      sendFromInput();
    }
  });
  $('input').addEventListener('input', autosize);

  setInterval(paintClock, 1000);
  load().then(connect);
})();
`;

/** The whole page. The card renderer is embedded once, as source; `</script` can never appear in it unescaped. */
export function simulatorPage(opts: { botName: string }): string {
  const renderer = cardRendererSource().replace(/<\/script/gi, '<\\/script');
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(opts.botName)} · 本地模拟器</title>
<style>${PAGE_CSS}${CARD_CSS}</style>
</head>
<body>${BODY}
<script>
// tsx/esbuild keep function names by wrapping them in __name(); the serialised renderer expects that helper.
var __name = function (fn) { return fn; };
var CardRender = (${renderer})();
</script>
<script>${CLIENT_JS}</script>
</body>
</html>
`;
}
