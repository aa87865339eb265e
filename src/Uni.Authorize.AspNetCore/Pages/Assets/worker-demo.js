// The demo's worker mode (/?mode=worker): the mini-app's logic runs in a Web Worker on the bridge, as a mini-program's
// logic layer runs apart from its view; the page only shows what the worker reports and the host's consent dialog.
import { api, h, platformOf, platforms, userBar, watchConsents } from './host.js';
import { apiOf, providerOf } from './browser-apis.js';

const scopesOf = async (platformId) => (await api(`/api/v1/scopes/${platformId}`)).scopes
  .filter((s) => s.promptMode !== 'silent' && s.promptMode !== 'settingsOnly');

export async function startWorkerMode({ screen, content, user, apps }) {
  let platform = platforms.some((p) => p.id === new URLSearchParams(location.search).get('platform'))
    ? new URLSearchParams(location.search).get('platform') : 'wechat';
  let worker = null;
  const logList = h('ol', { class: 'worker-log', 'data-testid': 'worker-log' });
  const payload = h('pre', { class: 'payload', 'data-testid': 'worker-payload', hidden: true });
  const status = h('span', { class: 'chip waiting', 'data-testid': 'worker-status' }, 'idle');
  const setting = h('pre', { class: 'payload', 'data-testid': 'worker-setting', hidden: true });
  const log = (text) => logList.append(h('li', {}, text));

  const appFor = (id) => apps.find((a) => a.id === `demo-${id}`) ?? apps.find((a) => a.platform === id) ?? null;

  // The worker asks the page to run the browser's API behind a call (its providers relay here).
  async function provide({ id, api: apiName }) {
    const provider = providerOf(apiName);
    if (!provider) {
      worker.postMessage({ type: 'provided', id, ok: false, error: 'not supported' });
      return;
    }
    try {
      const outcome = await provider(apiName);
      if (outcome.note) log(`page: ${outcome.note}`);
      worker.postMessage({ type: 'provided', id, ok: true, payload: outcome.payload });
    } catch (error) {
      worker.postMessage({ type: 'provided', id, ok: false, error: error.message });
    }
  }

  async function run(scope, apiName) {
    const app = appFor(platform);
    if (!app) {
      log('没有这个平台的应用 No app for this platform');
      return;
    }

    worker?.terminate();
    logList.replaceChildren();
    payload.hidden = true;
    setting.hidden = true;
    status.className = 'chip waiting';
    status.textContent = 'pending';
    const { token } = await api(`/api/v1/user/apps/${encodeURIComponent(app.id)}/launch`, { method: 'POST', state: true });
    log(`page: session for ${app.name}; starting the worker`);
    worker = new Worker('/assets/mini-app.worker.js');
    worker.onmessage = ({ data }) => {
      switch (data.type) {
        case 'ready':
          worker.postMessage(apiName ? { type: 'call', token, platform, api: apiName } : { type: 'run', token, platform, scope });
          break;
        case 'provide':
          provide(data);
          break;
        case 'log':
          log(data.text);
          break;
        case 'toast':
          log(`toast: ${data.title}`);
          break;
        case 'result':
          log(`worker: ${data.api} → ${data.status}`);
          status.className = `chip ${data.status === 'success' ? 'granted' : 'denied'}`;
          status.textContent = data.status;
          payload.textContent = JSON.stringify(data.payload, null, 2);
          payload.hidden = false;
          break;
        case 'setting':
          setting.textContent = JSON.stringify(data.payload, null, 2);
          setting.hidden = false;
          break;
        default:
          break;
      }
    };
    worker.onerror = (event) => log(`worker error: ${event.message}`);
  }

  async function render() {
    const info = platformOf(platform);
    document.documentElement.style.setProperty('--accent', info.color);
    const scopes = await scopesOf(platform);
    const select = h('select', { 'data-testid': 'worker-scope', 'aria-label': '权限 Scope' },
      scopes.map((s) => h('option', { value: s.name }, `${s.descriptionZh} ${s.descriptionEn} (${s.nativeName})`)));
    const target = () => apiOf(scopes.find((s) => s.name === select.value));
    const callButton = h('button', {
      class: 'secondary', type: 'button', 'data-testid': 'worker-call',
      onclick: () => { const name = target(); if (name) run(select.value, name); },
    });
    const updateCall = () => {
      const name = target();
      callButton.textContent = name ? `${info.global}.${name} · Worker` : '没有接口 No API';
      callButton.disabled = !name;
    };
    select.addEventListener('change', updateCall);
    updateCall();
    content.replaceChildren(
      userBar(user),
      h('section', { class: 'card' },
        h('div', { class: 'card-head' }, h('h2', {}, 'Worker 模式 ', h('span', { class: 'en' }, 'Worker mode')),
          h('a', { href: '/', class: 'muted' }, '普通模式 Page mode')),
        h('p', { class: 'muted' }, '小程序逻辑在 Web Worker 中通过桥接脚本运行。The mini-app logic runs in a Web Worker on the bridge.'),
        h('div', { class: 'segmented', role: 'group', 'aria-label': '平台 Platform' },
          platforms.map((p) => h('button', {
            type: 'button', 'data-testid': `worker-platform-${p.id}`, 'aria-pressed': String(p.id === platform),
            onclick: async () => { platform = p.id; worker?.terminate(); await render(); },
          }, p.zh, h('small', {}, p.en))))),
      h('section', { class: 'card' }, h('h2', {}, '权限 ', h('span', { class: 'en' }, 'Scope')), select),
      h('div', { class: 'actions' },
        h('button', { class: 'primary', type: 'button', 'data-testid': 'worker-run', onclick: () => run(select.value) },
          `${info.global}.${platform === 'alipay' ? 'getAuthCode' : 'authorize'} · Worker`),
        callButton),
      h('section', { class: 'card result' },
        h('div', { class: 'result-head' }, h('code', {}, 'worker'), status),
        payload, setting, logList));
  }

  await render();
  watchConsents(screen, { onSignedOut: () => location.reload() });
}
