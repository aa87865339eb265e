// The demo's worker mode (/?mode=worker): the mini-app's code runs in the host's sandbox, a framed document with an
// opaque origin (no cookies, no user API), where it starts its logic layer in a Web Worker on the bridge, as a
// mini-program's logic layer runs apart from its view. The page shows what the mini-app reports and the host's consent
// dialog; no message from the sandbox ever answers a consent or changes a setting.
import { api, authorizeCall, h, platformOf, platforms, userBar, watchConsents } from './host.js';
import { apiOf, providerOf } from './browser-apis.js';

const catalogOf = async (platformId) => platformOf(platformId).catalog.scopes;
const scopesOf = async (platformId) => (await catalogOf(platformId))
  .filter((s) => s.promptMode !== 'silent' && s.promptMode !== 'settingsOnly');

// What the page does for the sandbox: show its lines and results, and run a browser API for a granted scope.
const RELAYED = new Set(['ready', 'provide', 'log', 'toast', 'result', 'setting']);

export async function startWorkerMode({ screen, content, user, apps }) {
  let platform = platforms.some((p) => p.id === new URLSearchParams(location.search).get('platform'))
    ? new URLSearchParams(location.search).get('platform') : platforms[0]?.id;
  // The running mini-app: its sandbox frame, its app, and what the page sends it once it is ready.
  let running = null;
  const logList = h('ol', { class: 'worker-log', 'data-testid': 'worker-log' });
  const payload = h('pre', { class: 'payload', 'data-testid': 'worker-payload', hidden: true });
  const status = h('span', { class: 'chip waiting', 'data-testid': 'worker-status' }, 'idle');
  const setting = h('pre', { class: 'payload', 'data-testid': 'worker-setting', hidden: true });
  const sandboxHolder = h('div', { class: 'sandbox-holder', 'data-testid': 'sandbox-holder', hidden: true });
  const log = (text) => logList.append(h('li', {}, String(text)));

  const appFor = (id) => apps.find((a) => a.id === `demo-${id}`) ?? apps.find((a) => a.platform === id) ?? null;

  function stop() {
    running?.frame.remove();
    running = null;
  }

  // The sandbox's origin is opaque, so no target origin names it; the page posts only to the frame it made.
  const send = (target, message) => target?.frame.contentWindow?.postMessage(message, '*');

  // The sandbox asks the page to run the browser's API behind a call. A message is only a request: the page runs it
  // only when the user has granted this app the API's scope (or the API needs none), as the platform would.
  async function provide({ id, api: apiName }) {
    const current = running;
    const reply = (answer) => send(current, { type: 'provided', id, ...answer });
    const provider = typeof apiName === 'string' ? providerOf(apiName) : null;
    if (!provider) {
      // The browser has nothing to run it on: the device lacks the feature.
      reply({ ok: false, error: 'no browser counterpart', reason: 'unavailable' });
      return;
    }

    const { app } = current;
    const scope = (await catalogOf(app.platform)).find((s) => (s.nativeApis ?? []).includes(apiName));
    if (scope) {
      const settings = await api(`/api/v1/user/apps/${encodeURIComponent(app.id)}/settings`);
      if (!settings.entries?.some((entry) => entry.scope === scope.name && entry.state === 'granted')) {
        log(`page: refused ${apiName}: ${scope.name} is not granted`);
        reply({ ok: false, error: 'auth deny' });
        return;
      }
    }

    try {
      const outcome = await provider(apiName);
      if (outcome.note) log(`page: ${outcome.note}`);
      reply({ ok: true, payload: outcome.payload });
    } catch (error) {
      reply({ ok: false, error: error.message, reason: error.reason });
    }
  }

  function receive(data) {
    switch (data.type) {
      case 'ready':
        send(running, running.first);
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
        status.textContent = String(data.status);
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
  }

  addEventListener('message', (event) => {
    if (running && event.source === running.frame.contentWindow && RELAYED.has(event.data?.type)) {
      receive(event.data);
    }
  });

  async function run(scope, apiName) {
    const app = appFor(platform);
    if (!app) {
      log('没有这个平台的应用 No app for this platform');
      return;
    }

    stop();
    logList.replaceChildren();
    payload.hidden = true;
    setting.hidden = true;
    status.className = 'chip waiting';
    status.textContent = 'pending';
    const { token, sandboxUrl } = await api(`/api/v1/user/apps/${encodeURIComponent(app.id)}/launch`, { method: 'POST', state: true });
    log(`page: session for ${app.name}; starting the mini-app in the sandbox`);
    const frame = h('iframe', { sandbox: 'allow-scripts', src: sandboxUrl, title: 'mini-app sandbox', 'data-testid': 'mini-app-sandbox' });
    const current = { frame, app, first: apiName ? { type: 'call', api: apiName } : { type: 'run', scope } };
    running = current;
    let loads = 0;
    frame.addEventListener('load', () => {
      loads += 1;
      if (running !== current) {
        return;
      }

      // The token goes to the sandbox document the page framed, once; a frame that navigated elsewhere gets nothing more.
      if (loads > 1) {
        log('page: the sandbox navigated away; stopped');
        stop();
        return;
      }

      send(current, { type: 'start', token, platform, scripts: ['/assets/mini-app.js'] });
    });
    sandboxHolder.replaceChildren(frame);
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
        h('p', { class: 'muted' }, '小程序代码在沙箱中运行，逻辑层在 Web Worker 中通过桥接脚本运行。The mini-app runs in the host\'s sandbox, its logic in a Web Worker on the bridge.'),
        h('div', { class: 'segmented', role: 'group', 'aria-label': '平台 Platform' },
          platforms.map((p) => h('button', {
            type: 'button', 'data-testid': `worker-platform-${p.id}`, 'aria-pressed': String(p.id === platform),
            onclick: async () => { platform = p.id; stop(); await render(); },
          }, p.zh, h('small', {}, p.en))))),
      h('section', { class: 'card' }, h('h2', {}, '权限 ', h('span', { class: 'en' }, 'Scope')), select),
      h('div', { class: 'actions' },
        h('button', { class: 'primary', type: 'button', 'data-testid': 'worker-run', onclick: () => run(select.value) },
          `${authorizeCall(platform)} · Worker`),
        callButton),
      h('section', { class: 'card result' },
        h('div', { class: 'result-head' }, h('code', {}, 'worker'), status),
        payload, setting, logList),
      sandboxHolder);
  }

  await render();
  watchConsents(screen, { onSignedOut: () => location.reload() });
}
