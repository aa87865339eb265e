// The demo mini-app: the seed's preview. Pick a platform and a scope, press authorize, answer the dialog, see the
// native payload; press again (no dialog); change it in settings; press again. The page acts as the mini-app through a
// mini-app session the signed-in user launches, and shows the host's consent dialog for that user.
import { api, ApiError, authorizeCall, currentUser, failureOf, h, platformOf, platforms, showSignIn, successOf, userBar, watchConsents } from './host.js';
import { apiOf, providerOf } from './browser-apis.js';

const screen = document.getElementById('screen');
const content = document.getElementById('content');
const state = {
  user: null,
  apps: [],
  platform: initialPlatform(),
  selected: new Map(), // platform → Set of scope names
  authSetting: {},
  busy: false,
};

function initialPlatform() {
  const asked = new URLSearchParams(location.search).get('platform') ?? sessionStorage.getItem('uni.demo.platform');
  return platforms.some(p => p.id === asked) ? asked : platforms[0]?.id;
}

function appFor(platformId) {
  return state.apps.find(a => a.id === `demo-${platformId}`) ?? state.apps.find(a => a.platform === platformId) ?? null;
}

async function catalog(platformId) {
  return platformOf(platformId).catalog.scopes;
}

// A mini-app session for the signed-in user and the app, kept for this tab only.
async function session(app, renew = false) {
  const key = `uni.session.${state.user.id}.${app.id}`;
  const kept = JSON.parse(sessionStorage.getItem(key) ?? 'null');
  if (!renew && kept && Date.parse(kept.expiresAt) > Date.now() + 60_000) return kept.token;
  const issued = await api(`/api/v1/user/apps/${encodeURIComponent(app.id)}/launch`, { method: 'POST', state: true });
  sessionStorage.setItem(key, JSON.stringify({ token: issued.token, expiresAt: issued.expiresAt }));
  return issued.token;
}

// Calls the mini-app API as the app; a session the host no longer knows is renewed once.
async function asApp(app, path, options = {}) {
  try {
    return await api(path, { ...options, token: await session(app) });
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== 'session_invalid') throw error;
    return api(path, { ...options, token: await session(app, true) });
  }
}

async function refreshSettings(app) {
  try {
    state.authSetting = (await asApp(app, '/api/v1/settings')).authSetting ?? {};
  } catch {
    state.authSetting = {};
  }
}

function selectedScopes() {
  if (!state.selected.has(state.platform)) state.selected.set(state.platform, new Set());
  return state.selected.get(state.platform);
}

async function render() {
  const platform = platformOf(state.platform);
  const app = appFor(state.platform);
  const scopes = await catalog(state.platform);
  const chosen = selectedScopes();
  if (chosen.size === 0 && scopes.length > 0) chosen.add(scopes.find(s => s.name === 'scope.userLocation')?.name ?? scopes[0].name);
  // Alipay's getAuthCode takes several scopes at once.
  const multiple = platform.authorize.option === 'scopes';
  document.documentElement.style.setProperty('--accent', platform.color);

  const platformPicker = h('div', { class: 'segmented', role: 'group', 'aria-label': '平台 Platform' },
    platforms.map(p => h('button', {
      type: 'button', 'data-testid': `platform-${p.id}`, 'aria-pressed': String(p.id === state.platform),
      onclick: () => choosePlatform(p.id),
    }, p.zh, h('small', {}, p.en))));

  // "Call the API" follows the chosen scope (the first one chosen, on Alipay).
  const target = () => apiOf(scopes.find(s => chosen.has(s.name)));
  const callButton = h('button', {
    class: 'secondary', type: 'button', 'data-testid': 'call-api', title: '调用这个权限的接口 Call the API behind the scope',
    onclick: () => { const name = target(); if (name) run(app, a => callApi(a, name)); },
  });
  const updateCall = () => {
    const name = target();
    callButton.textContent = name ? `${platform.global}.${name}` : '没有接口 No API';
    callButton.disabled = !app || !name;
  };
  updateCall();

  const scopeList = h('div', { class: 'scope-grid' }, scopes.map(scope => {
    const key = scope.settingKey;
    const decided = key && Object.hasOwn(state.authSetting, key) ? state.authSetting[key] : undefined;
    const mode = { silent: '静默 silent', settingsOnly: '仅设置 settings only' }[scope.promptMode];
    return h('label', { class: 'scope-tile', title: `${scope.descriptionZh}\n${scope.descriptionEn}\n${scope.apis.join(', ')}` },
      h('input', {
        type: multiple ? 'checkbox' : 'radio', name: 'scope', value: scope.name, checked: chosen.has(scope.name),
        'data-testid': `scope-${scope.name}`,
        onchange: event => {
          if (!multiple) chosen.clear();
          if (event.target.checked) chosen.add(scope.name); else chosen.delete(scope.name);
          updateCall();
        },
      }),
      h('span', { class: 'scope-name' }, h('span', { class: 'scope-zh' }, scope.descriptionZh), ' ', h('span', { class: 'scope-en' }, scope.descriptionEn)),
      h('code', {}, scope.nativeName, mode ? h('span', { class: 'tag' }, ` · ${mode}`) : null),
      decided === undefined ? null : h('span', {
        class: `chip ${decided ? 'granted' : 'denied'}`, 'data-testid': `state-${scope.name}`,
      }, decided ? '已允许 Allowed' : '已拒绝 Denied'));
  }));

  const actions = h('div', { class: 'actions' },
    h('button', { class: 'primary', type: 'button', 'data-testid': 'authorize', disabled: !app, onclick: () => run(app, authorize) },
      authorizeCall(state.platform)),
    callButton,
    h('div', { class: 'row' },
      h('button', { class: 'secondary', type: 'button', 'data-testid': 'get-setting', disabled: !app, onclick: () => run(app, getSetting) }, 'getSetting'),
      h('button', { class: 'secondary', type: 'button', 'data-testid': 'open-setting', disabled: !app, onclick: () => run(app, openSetting) }, 'openSetting')));

  content.replaceChildren(
    userBar(state.user),
    h('section', { class: 'card' },
      h('div', { class: 'card-head' }, h('h2', {}, '平台 ', h('span', { class: 'en' }, 'Platform')),
        h('span', { class: 'muted app-line', 'data-testid': 'app-name' }, app ? app.name : '没有这个平台的应用 No app for this platform')),
      platformPicker),
    h('section', { class: 'card' }, h('h2', {}, '权限 ', h('span', { class: 'en' }, multiple ? 'Scopes (one or several)' : 'Scope')), scopeList),
    actions,
    resultCard);
}

const resultCard = h('section', { class: 'card result', 'data-testid': 'result', hidden: true });

function showResult(api, status, payload, note, extra) {
  const label = { ok: 'success', fail: 'fail', pending: 'pending' }[status] ?? status;
  const lines = status === 'pending'
    ? [h('p', { class: 'muted' }, note ?? '等待用户在弹窗中选择… Waiting for the user to answer the dialog…')]
    : [h('pre', { class: 'payload', 'data-testid': 'payload' }, payload === undefined ? 'undefined' : JSON.stringify(payload, null, 2)),
       note ? h('p', { class: 'muted', 'data-testid': 'result-note' }, note) : null,
       extra ?? null,
       h('p', { class: 'callbacks' }, h('code', {}, `${label}(res)`), ' → ', h('code', {}, 'complete(res)'))];
  resultCard.replaceChildren(...[
    h('div', { class: 'result-head' },
      h('code', {}, api),
      h('span', { class: `chip ${status === 'ok' ? 'granted' : status === 'fail' ? 'denied' : 'waiting'}`, 'data-testid': 'result-status' }, label)),
    ...lines].filter(Boolean));
  resultCard.hidden = false;
  resultCard.scrollIntoView({ block: 'nearest' });
}

async function run(app, action) {
  if (state.busy) return;
  state.busy = true;
  for (const b of content.querySelectorAll('.actions button')) b.disabled = true;
  try {
    await action(app);
  } catch (error) {
    showResult('error', 'fail', { code: error.code, detail: error.message });
  } finally {
    state.busy = false;
    await refreshSettings(app);
    await render();
  }
}

async function authorize(app) {
  const scopes = [...selectedScopes()];
  const name = authorizeCall(state.platform);
  if (scopes.length === 0) {
    showResult(name, 'fail', { detail: '请选择权限 Pick a scope first.' });
    return;
  }
  const body = scopes.length === 1 ? { scope: scopes[0] } : { scopes };
  let answer = await asApp(app, '/api/v1/authorize?wait=0', { method: 'POST', body });
  while (answer.status === 'pending') {
    showResult(name, 'pending');
    answer = await asApp(app, `${answer.pollUrl}?wait=25`);
  }
  showResult(name, answer.status, answer.native, answer.authCode ? `authCode: ${answer.authCode}` : undefined);
}

// User info is the host's (the profile set on the settings page). WeChat and ByteDance sign it with the session_key the
// app's server got from its code exchange; the demo has no server, so without one it shows the unsigned form.
const USER_INFO_APIS = /^(getUserInfo|getUserProfile|getOpenUserInfo)$/;

async function showUserInfo(app, name, apiName) {
  const path = `/api/v1/apis/${encodeURIComponent(apiName)}/data`;
  let answer = await asApp(app, path, { method: 'POST', body: {} });
  let note = answer.native?.signature
    ? `signature = sha1(rawData + session_key): ${answer.native.signature}; 应用服务器用 session_key 校验 The app's server checks it with its session_key`
    : undefined;
  if (answer.status !== 'ok' && state.platform !== 'alipay') {
    answer = await asApp(app, path, { method: 'POST', body: { withCredentials: false } });
    note = '未签名：应用服务器还没有用登录 code 换取 session_key。 Unsigned: the app\'s server has not exchanged a login code for a session_key yet.';
  }
  const payload = answer.status !== 'ok' ? answer.native : successOf(state.platform, apiName, answer.native);
  showResult(name, answer.status, payload, note);
}

// "Call the API": the host's API gate first (the scope's consent when undetermined, the native denial at once), then
// the browser does the work (browser-apis.js).
async function callApi(app, apiName) {
  const name = `${platformOf(state.platform).global}.${apiName}`;
  let answer = await asApp(app, `/api/v1/apis/${encodeURIComponent(apiName)}/authorize?wait=0`, { method: 'POST' });
  while (answer.status === 'pending') {
    showResult(name, 'pending');
    answer = await asApp(app, `${answer.pollUrl}?wait=25`);
  }
  if (answer.status !== 'ok') {
    showResult(name, answer.status, answer.native);
    return;
  }
  if (USER_INFO_APIS.test(apiName)) {
    await showUserInfo(app, name, apiName);
    return;
  }
  const provider = providerOf(apiName);
  if (!provider) {
    showResult(name, 'fail', failureOf(state.platform, apiName, 'notSupported'),
      '浏览器里没有这个接口 The browser has nothing to run this API on');
    return;
  }
  let outcome;
  try {
    outcome = await provider(apiName);
  } catch (error) {
    // A browser API that fails says why (browser-apis.js): the person cancelled, the browser's permission is off…
    showResult(name, 'fail', failureOf(state.platform, apiName, error.reason ?? 'system'), error.message);
    return;
  }
  showResult(name, 'ok', successOf(state.platform, apiName, outcome.payload), outcome.note, outcome.extra);
}

async function getSetting(app) {
  const answer = await asApp(app, '/api/v1/settings');
  showResult(`${platformOf(state.platform).global}.getSetting`, 'ok', answer.native);
}

// Opens the host's settings page; coming back shows openSetting's answer with the new settings.
async function openSetting(app) {
  const answer = await asApp(app, '/api/v1/settings/open', { method: 'POST' });
  sessionStorage.setItem('uni.demo.openSetting', app.id);
  const back = `/?platform=${encodeURIComponent(state.platform)}`;
  location.assign(`${answer.settingsUrl}&return=${encodeURIComponent(back)}`);
  await new Promise(() => { }); // the page is leaving
}

async function afterOpenSetting(app) {
  if (sessionStorage.getItem('uni.demo.openSetting') !== app?.id) return;
  sessionStorage.removeItem('uni.demo.openSetting');
  const answer = await asApp(app, '/api/v1/settings/open', { method: 'POST' });
  showResult(`${platformOf(state.platform).global}.openSetting`, 'ok', answer.native,
    '从设置页返回 Back from the settings page');
}

async function choosePlatform(id) {
  state.platform = id;
  sessionStorage.setItem('uni.demo.platform', id);
  history.replaceState(null, '', `/?platform=${id}`);
  resultCard.hidden = true;
  const app = appFor(id);
  state.authSetting = {};
  if (app) await refreshSettings(app);
  await render();
}

async function start() {
  state.user = await currentUser() ?? await showSignIn(screen);
  state.apps = (await api('/api/v1/user/apps')).apps ?? [];
  if (new URLSearchParams(location.search).get('mode') === 'worker') {
    // The mini-app's logic in a Web Worker on the bridge (worker-demo.js).
    const { startWorkerMode } = await import('./worker-demo.js');
    await startWorkerMode({ screen, content, user: state.user, apps: state.apps });
    return;
  }
  const app = appFor(state.platform);
  if (app) await refreshSettings(app);
  await render();
  await afterOpenSetting(app);
  watchConsents(screen, { onSignedOut: () => location.reload() });
}

start().catch(error => {
  content.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, `出错了 Something went wrong: ${error.message}`));
});
