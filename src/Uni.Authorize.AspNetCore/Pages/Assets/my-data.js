// The user's own data: every app that asked them anything, each decision and its history; download everything as one
// JSON file, withdraw every answer given to one app, or erase it all. Reads the same export the download gives.
import { api, appLetter, confirmDialog, currentUser, h, platformOf, showSignIn, toast, userBar } from './host.js';

const screen = document.getElementById('screen');
const content = document.getElementById('content');

const stateNames = { granted: '已允许 Allowed', denied: '已拒绝 Denied', notDetermined: '未设置 Not set' };
const sourceNames = { dialog: '弹窗 dialog', settings: '设置 settings', admin: '运营 admin', policy: '策略 policy' };
const when = at => new Date(at).toLocaleString('zh-CN', { hour12: false });

function appCard(user, app) {
  const platform = platformOf(app.app.platform);
  const scopes = [...new Set([...app.decisions.map(d => d.scope), ...app.audit.map(a => a.scope)])].sort();
  const decided = app.decisions.some(d => d.state !== 'notDetermined');
  return h('section', { class: 'card data-app', 'data-testid': 'data-app', 'data-app': app.app.id },
    h('div', { class: 'card-head' },
      h('span', { class: 'avatar small', style: { background: platform.color }, 'aria-hidden': 'true' }, appLetter(app.app)),
      h('h2', { 'data-testid': 'data-app-name' }, app.app.name),
      h('span', { class: 'muted' }, platform.zh)),
    ...scopes.map(scope => {
      const decision = app.decisions.find(d => d.scope === scope);
      const state = decision?.state ?? 'notDetermined';
      return h('div', { class: 'data-scope', 'data-testid': 'data-scope', 'data-scope': scope, 'data-state': state },
        h('div', { class: 'scope-line' }, h('code', {}, scope),
          h('span', { class: `chip ${state === 'notDetermined' ? 'waiting' : state}` },
            stateNames[state], decision ? ` · ${sourceNames[decision.source] ?? decision.source}` : '')),
        h('ol', { class: 'trail' }, app.audit.filter(a => a.scope === scope).map(entry => h('li', { 'data-testid': 'trail-entry' },
          `${entry.from} → ${entry.to} · ${sourceNames[entry.source] ?? entry.source} · ${when(entry.at)}`))));
    }),
    decided ? h('button', {
      class: 'link', type: 'button', 'data-testid': 'withdraw',
      onclick: async () => {
        try {
          await api(`/api/v1/user/apps/${encodeURIComponent(app.app.id)}/withdraw`, { method: 'POST', state: true });
          toast(screen, '已撤回 Withdrawn');
          await render(user);
        } catch (error) { toast(screen, error.message); }
      },
    }, '撤回对此应用的全部授权 Withdraw everything from this app') : null);
}

async function erase() {
  const sure = await confirmDialog('删除你的全部数据？授权、会话和资料将被删除，审计记录只保留次数，不再关联到你。'
    + ' Erase all your data? Decisions, sessions and profile go; the audit keeps its counts without your identity.',
  { ok: '删除 Erase', danger: true });
  if (!sure) return;
  try {
    const erased = await api('/api/v1/user/data', { method: 'DELETE', state: true });
    content.replaceChildren(h('section', { class: 'card', 'data-testid': 'erased', role: 'status' },
      h('h2', {}, '已删除 Erased'),
      h('p', {}, `授权 Decisions: ${erased.decisions} · 会话 Sessions: ${erased.sessions} · 授权码 Codes: ${erased.authCodes}`),
      h('p', { class: 'muted', 'data-testid': 'audit-kept' },
        `审计记录 ${erased.auditEntriesKept} 条已匿名保留。${erased.auditEntriesKept} audit entries kept, no longer naming you.`)));
  } catch (error) { toast(screen, error.message); }
}

async function render(user) {
  const data = await api('/api/v1/user/data');
  content.replaceChildren(
    userBar(user),
    h('p', { class: 'group-title' }, '询问过你的小程序 ', h('span', { class: 'en' }, 'Apps that asked you')),
    ...(data.apps.length > 0 ? data.apps.map(app => appCard(user, app))
      : [h('div', { class: 'card empty', 'data-testid': 'data-empty' }, h('p', {}, '还没有小程序询问过你'), h('p', { class: 'muted' }, 'No app has asked you anything yet.'))]),
    h('div', { class: 'data-actions' },
      // The endpoint answers with Content-Disposition: attachment, so the link downloads instead of navigating.
      h('a', { class: 'button', href: '/api/v1/user/data', download: 'my-data.json', 'data-testid': 'download' }, '下载我的数据 Download my data (JSON)'),
      h('button', { class: 'danger', type: 'button', 'data-testid': 'erase', onclick: erase }, '删除我的数据 Erase my data')),
    h('p', { class: 'footnote muted' }, '撤回后，小程序下次调用时会重新询问。删除后，审计记录只保留次数。',
      h('br'), 'After a withdrawal the app asks again on its next call. After erasure, the audit keeps counts only.'));
}

async function start() {
  const user = await currentUser() ?? await showSignIn(screen);
  await render(user);
}

start().catch(error => {
  content.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, `出错了 Something went wrong: ${error.message}`));
});
