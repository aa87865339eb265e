// The operator's console: apps, users and their decisions, live figures. Talks to the admin API with the operator's
// cookie (or the app's own sign-in); the admin key is sent once to exchange it for that cookie and is never kept.
import { appLetter, confirmDialog, h, initial, platforms, platformOf } from '/assets/host.js';

const main = document.getElementById('main');
const who = document.getElementById('who');
let antiforgery = null;

class Problem extends Error {
  constructor(status, json) { super(json?.detail || json?.code || `HTTP ${status}`); this.status = status; this.code = json?.code; }
}

async function call(path, { method = 'GET', body, form } = {}) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') {
    antiforgery ??= await call(form ? '/api/v1/user/antiforgery' : '/admin/v1/antiforgery');
    headers[antiforgery.headerName] = antiforgery.token;
  }
  let payload;
  if (form) { headers['Content-Type'] = 'application/x-www-form-urlencoded'; payload = new URLSearchParams(form).toString(); }
  else if (body !== undefined) { headers['Content-Type'] = 'application/json'; payload = JSON.stringify(body); }
  const response = await fetch(path, { method, headers, body: payload, credentials: 'same-origin', cache: 'no-store' });
  const text = await response.text();
  const json = text ? JSON.parse(text) : {};
  if (!response.ok) {
    if (json?.code === 'antiforgery_invalid') antiforgery = null;
    throw new Problem(response.status, json);
  }
  return json;
}

function errorLine(error) { return h('p', { class: 'error', role: 'alert' }, error.message); }

function showSignIn(problem) {
  const key = h('input', { type: 'password', name: 'key', autocomplete: 'off', required: true, 'data-testid': 'admin-key' });
  const status = h('p', { 'aria-live': 'polite' });
  const form = h('form', {
    onsubmit: async event => {
      event.preventDefault();
      try {
        antiforgery = null;
        await call('/admin/v1/sign-in', { method: 'POST', form: { key: key.value } });
        key.value = '';
        antiforgery = null; // the token is bound to the operator now
        await start();
      } catch (error) { status.replaceChildren(errorLine(error)); }
    },
  }, h('label', {}, '管理密钥 Admin key', key), h('button', { class: 'primary', type: 'submit' }, '登录 Sign in'));
  main.replaceChildren(h('section', {}, h('h2', {}, '运营人员登录 Operator sign-in'),
    h('p', { class: 'muted' }, problem?.message ?? ''), form, status));
  key.focus();
}

// An app's icon is its letter on the platform's colour, as every page draws it.
function iconOf(app) {
  const color = platformOf(app.platform).color;
  return h('span', { class: 'icon', style: { background: color }, 'aria-hidden': 'true', 'data-testid': 'app-icon' }, appLetter(app));
}

function appsSection() {
  const list = h('tbody');
  const out = h('div', { 'aria-live': 'polite' });
  const name = h('input', { name: 'name', required: true, maxlength: 64, 'data-testid': 'app-name' });
  const platform = h('select', { name: 'platform', 'data-testid': 'app-platform' }, platforms.map(p => h('option', { value: p.id }, `${p.zh} ${p.en}`)));
  const letter = h('input', { name: 'iconLetter', maxlength: 16, size: 3, 'data-testid': 'app-icon-letter' });
  const preview = h('span', { class: 'icon-preview', 'data-testid': 'icon-preview' });
  // The letter follows the name until the operator types one of their own.
  let ownLetter = false;
  const showPreview = () => {
    if (!ownLetter) letter.value = name.value.trim() ? initial(name.value) : '';
    preview.replaceChildren(iconOf({ iconLetter: letter.value.trim(), name: name.value.trim() || '?', platform: platform.value }));
  };
  name.addEventListener('input', showPreview);
  letter.addEventListener('input', () => { ownLetter = letter.value !== ''; showPreview(); });
  platform.addEventListener('change', showPreview);
  showPreview();
  const showSecret = (title, secret) => out.replaceChildren(h('p', {}, title), h('p', { class: 'secret', 'data-testid': 'secret' }, secret),
    h('p', { class: 'muted' }, '只显示这一次，请妥善保存。Shown once: keep it now.'));
  async function load() {
    const { apps } = await call('/admin/v1/apps');
    list.replaceChildren(...apps.map(app => h('tr', { 'data-app': app.id, 'data-state': app.disabledAt ? 'disabled' : 'active' },
      h('td', {}, iconOf(app), app.name, h('div', { class: 'muted' }, app.id)),
      h('td', {}, platformOf(app.platform).zh),
      h('td', {}, app.disabledAt ? '已停用 Disabled' : '正常 Active', app.privacyContract ? h('div', { class: 'muted' }, app.privacyContract.name) : null),
      h('td', {},
        h('button', { type: 'button', 'data-testid': 'rotate', onclick: async () => {
          try { const r = await call(`/admin/v1/apps/${encodeURIComponent(app.id)}/secret`, { method: 'POST' }); showSecret(`${app.name} 的新密钥 New secret`, r.secret); }
          catch (error) { out.replaceChildren(errorLine(error)); }
        } }, '轮换密钥 Rotate'), ' ',
        app.platform === 'wechat' ? h('button', { type: 'button', 'data-testid': 'privacy', onclick: () => privacyDialog(app, load, out) }, '隐私指引 Privacy') : null, ' ',
        app.platform === 'alipay' ? h('button', { type: 'button', 'data-testid': 'alipay-key', onclick: () => alipayKeyDialog(app, load) },
          app.alipayPublicKey ? '网关公钥 Gateway key ✓' : '网关公钥 Gateway key') : null, ' ',
        h('button', { type: 'button', 'data-testid': 'manifest', onclick: () => manifestDialog(app) }, '声明 Manifest'), ' ',
        app.disabledAt ? null : h('button', { type: 'button', class: 'danger', 'data-testid': 'disable', onclick: async () => {
          if (!await confirmDialog(`停用 ${app.name}？它的会话立即失效，未兑换的登录码作废。Disable ${app.id}? Its sessions stop now and its unredeemed codes die.`,
            { ok: '停用 Disable', danger: true })) return;
          try { const r = await call(`/admin/v1/apps/${encodeURIComponent(app.id)}/disable`, { method: 'POST' }); out.replaceChildren(h('p', {}, `已停用 Disabled: ${r.sessions} sessions, ${r.authCodes} codes`)); await load(); }
          catch (error) { out.replaceChildren(errorLine(error)); }
        } }, '停用 Disable')))));
  }
  const form = h('form', {
    onsubmit: async event => {
      event.preventDefault();
      try {
        const iconLetter = letter.value.trim() || undefined;
        const created = await call('/admin/v1/apps', { method: 'POST', body: { name: name.value, platform: platform.value, iconLetter } });
        name.value = '';
        ownLetter = false;
        showPreview();
        showSecret(`${created.name} (${created.id}) 的密钥 Secret`, created.secret);
        await load();
      } catch (error) { out.replaceChildren(errorLine(error)); }
    },
  }, h('label', {}, '名称 Name', name), h('label', {}, '平台 Platform', platform), h('label', {}, '图标字 Icon letter', letter, preview),
  h('button', { class: 'primary', type: 'submit', 'data-testid': 'register' }, '注册 Register'));
  load().catch(error => out.replaceChildren(errorLine(error)));
  // The host's own gateway key: app servers set it as alipayPublicKey to verify the gateway's answers.
  const gatewayKey = h('p', { class: 'muted', 'data-testid': 'gateway-key' });
  call('/admin/v1/alipay/gateway-key').then(key => gatewayKey.replaceChildren('支付宝网关公钥 Alipay gateway public key (alipayPublicKey): ',
    h('code', { class: 'secret' }, key.publicKey), ' ',
    h('button', { type: 'button', onclick: () => navigator.clipboard?.writeText(key.publicKey) }, '复制 Copy'))).catch(() => {});
  return h('section', { 'aria-labelledby': 'apps-title' }, h('h2', { id: 'apps-title' }, '应用 Apps'), form, out, gatewayKey,
    h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, '应用 App'), h('th', {}, '平台'), h('th', {}, '状态 State'), h('th', {}, ''))), list));
}

function privacyDialog(app, reload, out) {
  const name = h('input', { name: 'name', required: true, maxlength: 64, value: app.privacyContract?.name ?? '' });
  const url = h('input', { name: 'url', required: true, value: app.privacyContract?.url ?? '' });
  const dialog = h('dialog', {});
  const close = () => { dialog.close(); dialog.remove(); };
  dialog.append(h('form', {
    onsubmit: async event => {
      event.preventDefault();
      try { await call(`/admin/v1/apps/${encodeURIComponent(app.id)}/privacy-contract`, { method: 'PUT', body: { name: name.value, url: url.value } }); close(); await reload(); }
      catch (error) { dialog.append(errorLine(error)); }
    },
  }, h('h2', {}, `${app.name} · 隐私保护指引 Privacy contract`), h('label', {}, '名称 Name', name), h('label', {}, '地址 URL', url),
  h('button', { class: 'primary', type: 'submit' }, '保存 Save'), h('button', { type: 'button', onclick: close }, '取消 Cancel')));
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal(); // Escape closes it
  name.focus();
  return out;
}

// An Alipay app's RSA2 public key (应用公钥), which the gateway verifies its server's calls with.
function alipayKeyDialog(app, reload) {
  const key = h('textarea', { name: 'publicKey', rows: 6, cols: 64, required: true, 'data-testid': 'alipay-key-input' }, app.alipayPublicKey ?? '');
  const dialog = h('dialog', {});
  const close = () => { dialog.close(); dialog.remove(); };
  const send = async (method, body) => {
    try { await call(`/admin/v1/apps/${encodeURIComponent(app.id)}/alipay-public-key`, { method, body }); close(); await reload(); }
    catch (error) { dialog.append(errorLine(error)); }
  };
  dialog.append(h('form', {
    onsubmit: async event => { event.preventDefault(); await send('PUT', { publicKey: key.value }); },
  }, h('h2', {}, `${app.name} · 应用公钥 App public key (RSA2)`),
  h('p', { class: 'muted' }, '换新公钥后，旧公钥下签发的访问令牌作废。A new key ends the access tokens issued under the old one.'),
  h('label', {}, '公钥 Public key (base64 / PEM)', key),
  h('button', { class: 'primary', type: 'submit', 'data-testid': 'alipay-key-save' }, '保存 Save'),
  app.alipayPublicKey ? h('button', { type: 'button', class: 'danger', onclick: () => send('DELETE') }, '移除 Remove') : null,
  h('button', { type: 'button', onclick: close }, '取消 Cancel')));
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  key.focus();
}

// The app's declarations as its app.json holds them; each change of a purpose text makes the next call for that scope ask again.
async function manifestDialog(app) {
  const path = `/admin/v1/apps/${encodeURIComponent(app.id)}/manifest`;
  const version = h('p', { class: 'muted', 'data-testid': 'manifest-version' });
  const text = h('textarea', { name: 'manifest', rows: 12, cols: 60, spellcheck: 'false', 'aria-label': 'app.json', 'data-testid': 'manifest-json' });
  const status = h('div', { 'aria-live': 'polite' });
  const show = manifest => {
    version.textContent = manifest ? `版本 Version ${manifest.version}` : '尚未声明 No manifest yet';
    const permission = Object.fromEntries(Object.entries(manifest?.permission ?? {}).map(([scope, purpose]) => [scope, { desc: purpose.desc }]));
    text.value = JSON.stringify({ permission, requiredPrivateInfos: manifest?.requiredPrivateInfos ?? [] }, null, 2);
  };
  const dialog = h('dialog', { class: 'manifest' });
  const close = () => { dialog.close(); dialog.remove(); };
  dialog.append(h('form', {
    onsubmit: async event => {
      event.preventDefault();
      let body;
      try { body = JSON.parse(text.value); } catch (error) { status.replaceChildren(errorLine(new Error(`JSON 无效 Not valid JSON: ${error.message}`))); return; }
      try { show(await call(path, { method: 'PUT', body })); status.replaceChildren(h('p', {}, '已保存 Saved')); }
      catch (error) { status.replaceChildren(errorLine(error)); }
    },
  }, h('h2', {}, `${app.name} · 权限声明 Manifest`), version,
  h('p', { class: 'muted' }, 'app.json: permission { scope: { desc } }, requiredPrivateInfos'), text,
  h('button', { class: 'primary', type: 'submit', 'data-testid': 'manifest-save' }, '保存 Save'), h('button', { type: 'button', onclick: close }, '关闭 Close'), status));
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal(); // Escape closes it
  try { show(await call(path)); }
  catch (error) { if (error.status === 404 && error.code === 'manifest_not_found') show(null); else status.replaceChildren(errorLine(error)); }
  text.focus();
}

function usersSection() {
  const query = h('input', { name: 'query', required: true, 'data-testid': 'user-query', placeholder: 'id / 名字前缀 name prefix' });
  const results = h('div', { 'aria-live': 'polite' });
  const detail = h('div', {});
  async function open(userId) {
    try {
      const data = await call(`/admin/v1/users/${encodeURIComponent(userId)}/decisions`);
      detail.replaceChildren(h('h3', { 'data-testid': 'user-title' }, data.profile ? `${data.profile.name} (${data.userId})` : data.userId),
        ...(data.apps.length === 0 ? [h('p', { class: 'muted', 'data-testid': 'nothing-recorded' }, '没有记录 Nothing recorded')] : []),
        ...data.apps.map(app => h('div', { 'data-history': app.app.id }, h('h4', {}, iconOf(app.app), app.app.name),
          h('table', {}, h('tbody', {}, ...app.scopes.map(scope => h('tr', { 'data-scope': scope.scope, 'data-state': scope.decision?.state ?? 'notDetermined' },
            h('td', {}, scope.scope), h('td', {}, scope.decision ? `${scope.decision.state} (${scope.decision.source})` : 'notDetermined'),
            h('td', {}, h('ol', { class: 'trail' }, ...scope.history.map(e => h('li', { 'data-testid': 'trail-entry' },
              `${e.from} → ${e.to} · ${e.source} · ${new Date(e.at).toLocaleString('zh-CN', { hour12: false })}`)))),
            h('td', {}, ...['granted', 'denied', 'notDetermined'].map(state => h('button', { type: 'button', 'data-testid': `set-${state}`, onclick: async () => {
              try { await call(`/admin/v1/users/${encodeURIComponent(userId)}/apps/${encodeURIComponent(app.app.id)}/decisions`, { method: 'PUT', body: { scope: scope.scope, state } }); await open(userId); }
              catch (error) { detail.append(errorLine(error)); }
            } }, state === 'notDetermined' ? '重置 Reset' : state === 'granted' ? '允许 Grant' : '拒绝 Deny'))))))))),
        h('p', {}, h('button', { type: 'button', class: 'danger', 'data-testid': 'erase-user', onclick: () => erase(userId, data) }, '删除该用户的数据 Erase this user\'s data')));
    } catch (error) { detail.replaceChildren(errorLine(error)); }
  }
  async function erase(userId, data) {
    const name = data.profile?.name ?? userId;
    if (!await confirmDialog(`删除 ${name} 的全部数据？审计记录只保留次数。Erase every record of ${userId}? The audit keeps its counts only.`,
      { ok: '删除 Erase', danger: true })) return;
    try {
      const erased = await call(`/admin/v1/users/${encodeURIComponent(userId)}/data`, { method: 'DELETE' });
      results.replaceChildren();
      detail.replaceChildren(h('p', { 'data-testid': 'erased', role: 'status' },
        `已删除 Erased ${userId}: ${erased.decisions} decisions, ${erased.sessions} sessions, ${erased.authCodes} codes; `,
        h('span', { 'data-testid': 'audit-kept' }, String(erased.auditEntriesKept)), ' audit entries kept without the user\'s identity.'));
    } catch (error) { detail.append(errorLine(error)); }
  }
  const form = h('form', {
    onsubmit: async event => {
      event.preventDefault();
      try {
        const { users } = await call(`/admin/v1/users?query=${encodeURIComponent(query.value)}`);
        results.replaceChildren(...(users.length === 0 ? [h('p', { class: 'muted', 'data-testid': 'no-user' }, '没有找到 No user found')] : []),
          ...users.map(user => h('button', { type: 'button', 'data-user': user.id, onclick: () => open(user.id) }, `${user.name} · ${user.id}`)));
      } catch (error) { results.replaceChildren(errorLine(error)); }
    },
  }, h('label', {}, '查找用户 Find a user', query), h('button', { class: 'primary', type: 'submit' }, '查找 Find'));
  return h('section', { 'aria-labelledby': 'users-title' }, h('h2', { id: 'users-title' }, '用户 Users'), form, results, detail);
}

const series = [
  ['prompts', '弹窗 Prompts', '#1677ff'], ['grants', '允许 Grants', '#07c160'], ['denials', '拒绝 Denials', '#d83931'], ['fastFails', '直接失败 Fast fails', '#ff8800'],
];

function chart(minutes, key, color) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 60 20');
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('role', 'img');
  const max = Math.max(1, ...minutes.map(m => m[key]));
  minutes.forEach((m, i) => {
    const bar = document.createElementNS(ns, 'rect');
    const height = (m[key] / max) * 20;
    bar.setAttribute('x', i); bar.setAttribute('width', 0.8); bar.setAttribute('y', 20 - height); bar.setAttribute('height', height);
    bar.setAttribute('fill', color);
    svg.append(bar);
  });
  return svg;
}

function figuresSection() {
  const body = h('div', { 'aria-live': 'off' });
  async function load() {
    try {
      const f = await call('/admin/v1/figures');
      body.replaceChildren(
        h('p', {}, '待处理授权 Pending consents: ', h('span', { class: 'pending', 'data-testid': 'pending' }, String(f.pendingConsents))),
        h('div', { class: 'charts' }, ...series.map(([key, label, color]) => {
          const total = f.minutes.reduce((sum, m) => sum + m[key], 0);
          const svg = chart(f.minutes, key, color);
          svg.setAttribute('aria-label', `${label}: ${total} / 60 min`);
          return h('figure', { class: 'chart', 'data-series': key }, svg, h('figcaption', {}, `${label} · ${total} / 60 min`));
        })),
        h('p', { class: 'muted' }, '每分钟数字只计本实例。Per-minute figures are this instance\'s only.'));
    } catch (error) { body.replaceChildren(errorLine(error)); }
  }
  load();
  const timer = setInterval(() => (main.contains(body) ? load() : clearInterval(timer)), 15000);
  return h('section', { 'aria-labelledby': 'figures-title' }, h('h2', { id: 'figures-title' }, '实时数字 Live figures (1 h)'), body);
}

async function start() {
  let me;
  try { me = await call('/admin/v1/me'); }
  catch (error) {
    if (error.status === 401 || error.status === 403) return showSignIn(error);
    main.replaceChildren(errorLine(error));
    return;
  }
  who.replaceChildren(`运营人员 Operator: ${me.name} `, me.byKey ? '' : h('button', { type: 'button', onclick: async () => {
    await call('/admin/v1/sign-out', { method: 'POST' }); antiforgery = null; who.replaceChildren(); showSignIn(null);
  } }, '退出 Sign out'));
  main.replaceChildren(appsSection(), usersSection(), figuresSection());
}

start();

// The access report: every user's uses of gated APIs per app, scope and API. It lives in its own section below the
// console and shows once the operator is signed in (their name is shown and the other sections are there).
const accessSection = document.getElementById('access-report');
accessSection.style.margin = '0 24px 16px'; // set from script: the page's policy allows no inline style

// Built once: a later re-render of the console (or signing in again) keeps the operator's filter.
let loadAccessReport = null;

function showAccessReport() {
  loadAccessReport ??= buildAccessReport();
  accessSection.hidden = false;
  loadAccessReport();
}

function buildAccessReport() {
  const appId = h('input', { type: 'text', name: 'appId', placeholder: 'app_…', 'data-testid': 'access-app' });
  const span = h('select', { name: 'since', 'data-testid': 'access-since' },
    h('option', { value: '1' }, '24 小时 24 hours'), h('option', { value: '7' }, '7 天 7 days'),
    h('option', { value: '', selected: true }, '保留期 Retention'));
  const body = h('tbody', { 'data-testid': 'access-rows' });
  const status = h('p', { 'aria-live': 'polite' });
  let latest = 0;
  async function load() {
    // Only the newest request may fill the table: an earlier, slower answer (say, unfiltered) must not overwrite it.
    const mine = ++latest;
    const query = new URLSearchParams();
    if (appId.value.trim()) query.set('appId', appId.value.trim());
    if (span.value) query.set('since', new Date(Date.now() - Number(span.value) * 86_400_000).toISOString());
    try {
      const report = await call(`/admin/v1/access-report?${query}`);
      if (mine !== latest) return;
      status.replaceChildren(h('span', { class: 'muted' }, `自 Since ${new Date(report.since).toLocaleString()}`));
      body.replaceChildren(...report.uses.map(use => h('tr', { 'data-app': use.appId, 'data-api': use.api },
        h('td', {}, use.appId), h('td', {}, h('code', {}, use.scope || '—')), h('td', {}, h('code', {}, use.api)),
        h('td', { 'data-testid': 'access-count' }, String(use.count)), h('td', {}, String(use.users)),
        h('td', {}, new Date(use.lastAt).toLocaleString()))));
      if (report.uses.length === 0) body.replaceChildren(h('tr', {}, h('td', { colspan: '6', class: 'muted' }, '没有使用记录 No uses')));
    } catch (error) { status.replaceChildren(errorLine(error)); }
  }
  accessSection.replaceChildren(
    h('h2', { id: 'access-title' }, '使用记录 Access report'),
    h('form', { onsubmit: event => { event.preventDefault(); load(); } },
      h('label', {}, '小程序 App ', appId), ' ', h('label', {}, '时间 Window ', span), ' ',
      h('button', { type: 'submit', 'data-testid': 'access-load' }, '查看 Show')),
    status,
    h('table', {}, h('thead', {}, h('tr', {}, ...['小程序 App', '权限 Scope', '接口 API', '次数 Uses', '用户 Users', '最近 Last']
      .map(label => h('th', {}, label)))), body));
  return load;
}

new MutationObserver(() => {
  const signedIn = who.textContent !== '' && main.querySelector('section') !== null;
  if (signedIn && accessSection.hidden) showAccessReport();
  if (!signedIn) accessSection.hidden = true;
}).observe(main, { childList: true });

