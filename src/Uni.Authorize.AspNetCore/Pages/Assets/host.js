// Shared by the host's pages: the JSON API, the signed-in user, the sign-in panel and the consent dialog.
// Plain modern JavaScript, no build step. Text from the server is always set with textContent, never as HTML.

// Every platform as the host's catalog describes it (GET /api/v1/scopes): its names, global, colour, the call that asks
// for scopes, its scopes, APIs and failures. The pages hold no platform table of their own.
const catalog = await fetch('/api/v1/scopes', { headers: { Accept: 'application/json' }, cache: 'no-store' })
  .then(response => (response.ok ? response.json() : []))
  .catch(() => []);

export const platforms = catalog.map(entry => ({
  id: entry.platform, zh: entry.nameZh, en: entry.nameEn, global: entry.global, color: entry.color, authorize: entry.authorize, catalog: entry,
}));

export function platformOf(id) {
  return platforms.find(p => p.id === id) ?? platforms[0];
}

/** The call that asks for scopes on the platform, as a mini-app writes it: wx.authorize, my.getAuthCode. */
export function authorizeCall(id) {
  const platform = platformOf(id);
  return `${platform.global}.${platform.authorize.api}`;
}

/** The platform's own failure for `api` (notSupported, cancel, systemDenied…), from the catalog. */
export function failureOf(id, api, kind) {
  const failures = platformOf(id).catalog.failures;
  const template = failures[kind] ?? failures.system;
  return Object.fromEntries(Object.entries(template).map(([key, value]) => [key, typeof value === 'string' ? value.split('{api}').join(api) : value]));
}

/** A success payload as the platform shapes it: with `errMsg: '<api>:ok'` where the platform words its answers. */
export function successOf(id, api, payload) {
  return 'errMsg' in platformOf(id).catalog.failures.system ? { ...payload, errMsg: `${api}:ok` } : payload;
}

/** Creates an element: h('div', { class: 'x', onclick: fn }, 'text', child). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'style' && typeof value === 'object') Object.assign(el.style, value);
    else el.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** A failed API call: the problem details' code and detail. */
export class ApiError extends Error {
  constructor(status, code, detail) {
    super(detail || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
  }
}

let antiforgery = null;

/** Calls the host's JSON API. `state: true` sends the antiforgery token; `token` sends a mini-app session. */
export async function api(path, { method = 'GET', body, state = false, token, signal } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  if (state) {
    antiforgery ??= await api('/api/v1/user/antiforgery');
    headers[antiforgery.headerName] = antiforgery.token;
  }
  const response = await fetch(path, {
    method, headers, signal, credentials: 'same-origin', cache: 'no-store',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!response.ok) {
    if (json?.code === 'antiforgery_invalid') antiforgery = null;
    const error = new ApiError(response.status, json?.code, json?.detail);
    error.problem = json;
    throw error;
  }
  return { status: response.status, ...json };
}

// How a person who is not signed in signs in here: { nameSignIn, signInUrl } from the host's 401 answer.
let signInOptions = { nameSignIn: true, signInUrl: null };

/** The signed-in user, or null. */
export async function currentUser() {
  try {
    return await api('/api/v1/user/me');
  } catch (error) {
    if (error.status !== 401) throw error;
    signInOptions = { nameSignIn: error.problem?.nameSignIn !== false, signInUrl: error.problem?.signInUrl ?? null };
    return null;
  }
}

export async function signIn(name) {
  antiforgery = null;
  const user = await api('/api/v1/user/sign-in', { method: 'POST', body: { name }, state: true });
  antiforgery = null; // the token is bound to the user: fetch a new one
  return user;
}

export async function signOut() {
  await api('/api/v1/user/sign-out', { method: 'POST', state: true });
  antiforgery = null;
  sessionStorage.clear();
}

/** Shows the sign-in panel inside `screen` and resolves with the user once signed in. */
export function showSignIn(screen) {
  if (!signInOptions.nameSignIn) {
    // The host signs people in through the application's own login (OpenID Connect…): go there and come back.
    const url = signInOptions.signInUrl;
    const target = url ? `${url}${url.includes('?') ? '&' : '?'}returnUrl=${encodeURIComponent(location.pathname + location.search)}` : null;
    screen.append(h('div', { class: 'sign-in-overlay', 'data-testid': 'sign-in-panel' },
      h('div', { class: 'sign-in' },
        h('div', { class: 'sign-in-logo', 'aria-hidden': 'true' }, 'U'),
        h('h2', {}, '登录 Sign in'),
        target ? h('a', { class: 'button primary', href: target, 'data-testid': 'sign-in-external' }, '登录 Sign in')
          : h('p', { class: 'muted' }, '此主机未提供登录方式。', h('br'), 'This host offers no way to sign in here.'))));
    return new Promise(() => {});
  }
  return new Promise(resolve => {
    const input = h('input', {
      id: 'sign-in-name', 'data-testid': 'sign-in-name', type: 'text', value: 'demo', maxlength: '64',
      autocomplete: 'username', 'aria-label': '用户名 Name',
    });
    const error = h('p', { class: 'form-error', role: 'alert' });
    const button = h('button', { class: 'primary', type: 'submit', 'data-testid': 'sign-in' }, '登录 Sign in');
    const form = h('form', {
      class: 'sign-in',
      onsubmit: async event => {
        event.preventDefault();
        button.disabled = true;
        error.textContent = '';
        try {
          const user = await signIn(input.value.trim());
          overlay.remove();
          resolve(user);
        } catch (e) {
          error.textContent = e.message;
        } finally {
          button.disabled = false;
        }
      },
    },
    h('div', { class: 'sign-in-logo', 'aria-hidden': 'true' }, 'U'),
    h('h2', {}, '登录 Sign in'),
    h('p', { class: 'muted' }, '演示用户：输入任意名字即可登录。', h('br'), 'Demo users: any name signs you in.'),
    h('label', { for: 'sign-in-name' }, '名字 Name'),
    input, error, button);
    const overlay = h('div', { class: 'sign-in-overlay', 'data-testid': 'sign-in-panel' }, form);
    screen.append(overlay);
    input.focus();
    input.select();
  });
}

/** The user bar: name and a sign-out link. */
export function userBar(user) {
  return h('div', { class: 'user-bar' },
    h('span', { class: 'avatar small', 'aria-hidden': 'true' }, initial(user.name)),
    h('span', { 'data-testid': 'user-name' }, user.name),
    h('button', {
      class: 'link', type: 'button', 'data-testid': 'sign-out',
      onclick: async () => { await signOut(); location.reload(); },
    }, '退出 Sign out'));
}

export function initial(name) {
  return (name ?? '?').trim().charAt(0).toUpperCase() || '?';
}

// The letter drawn as an app's icon: the one its operator chose (the API sends the default too); an app the host no
// longer knows has none.
export function appLetter(app) {
  return app.iconLetter || initial(app.name || app.id);
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

/**
 * Watches the signed-in user's pending consents (long polling) and shows each one as a dialog in `screen`.
 * `onAnswered(consent, answer)` runs after each answer; `onIdle(waiting)` tells whether a dialog is open.
 */
export function watchConsents(screen, { onAnswered, onIdle, onSignedOut } = {}) {
  const answered = new Set();
  let stopped = false;
  (async () => {
    while (!stopped) {
      let list;
      try {
        list = (await api('/api/v1/user/consents?wait=25')).consents ?? [];
      } catch (error) {
        if (error.status === 401) { onSignedOut?.(); return; }
        await sleep(2000);
        continue;
      }
      const next = list.find(c => !answered.has(c.id));
      if (!next) {
        // An answered consent lingers for a moment while the engine stores the answer.
        if (list.length > 0) await sleep(250);
        continue;
      }
      onIdle?.(false);
      const answer = await showConsentDialog(screen, next);
      answered.add(next.id);
      onIdle?.(true);
      onAnswered?.(next, answer);
    }
  })();
  return () => { stopped = true; };
}

/** Shows one consent as the platform's dialog; sends the user's answer; resolves with it. */
export function showConsentDialog(screen, consent) {
  return new Promise(resolve => {
    const platform = platformOf(consent.app.platform);
    const status = h('p', { class: 'form-error', role: 'alert' });
    let answered = false;
    const answer = async value => {
      if (answered) return;
      answered = true;
      for (const b of sheet.querySelectorAll('button')) b.disabled = true;
      try {
        const dontAskAgain = value === 'deny' && keep?.checked === true;
        await api(`/api/v1/user/consents/${encodeURIComponent(consent.id)}/answer`, {
          method: 'POST', body: dontAskAgain ? { answer: value, dontAskAgain } : { answer: value }, state: true,
        });
      } catch (error) {
        status.textContent = error.code === 'consent_not_found'
          ? '请求已过期 This request has expired.'
          : error.message;
        await sleep(1200);
      }
      close();
      resolve(value);
    };
    const scopes = consent.scopes.map(scope => h('li', { class: 'consent-scope', 'data-testid': 'consent-scope', 'data-scope': scope.name },
      h('span', { class: 'dot', 'aria-hidden': 'true' }),
      h('div', {},
        h('div', { class: 'scope-zh' }, scope.descriptionZh),
        h('div', { class: 'scope-en' }, scope.descriptionEn),
        // The app's declared purpose, in its own words: shown as text, never as markup.
        scope.purpose ? h('p', { class: 'scope-purpose', 'data-testid': 'consent-purpose' },
          h('span', { class: 'scope-purpose-label' }, '用途 Purpose: '), scope.purpose) : null,
        h('code', {}, scope.nativeName))));
    // Alipay's "保持以上选择，不再询问": without it a refusal is asked again next time, as on Alipay.
    const keep = consent.offersDontAskAgain ? h('input', { type: 'checkbox', 'data-testid': 'consent-dontAskAgain' }) : null;
    const sheet = h('div', {
      class: 'sheet', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'consent-title', tabindex: '-1', 'data-testid': 'consent-dialog',
    },
      h('button', { class: 'sheet-close', type: 'button', 'aria-label': '关闭 Close', 'data-testid': 'consent-dismiss', onclick: () => answer('dismiss') }, '×'),
      h('div', { class: 'sheet-app' },
        h('span', { class: 'avatar', style: { background: platform.color }, 'aria-hidden': 'true' }, appLetter(consent.app)),
        h('span', { class: 'sheet-app-name', 'data-testid': 'consent-app' }, consent.app.name)),
      h('h3', { id: 'consent-title' }, '申请获取以下权限', h('span', { class: 'en' }, 'asks for your permission to use')),
      h('ul', { class: 'consent-scopes' }, scopes),
      keep ? h('label', { class: 'sheet-keep' }, keep, '保持以上选择，不再询问 ', h('small', {}, "Don't ask again")) : null,
      status,
      h('div', { class: 'sheet-buttons' },
        h('button', { class: 'deny', type: 'button', 'data-testid': 'consent-deny', onclick: () => answer('deny') }, '拒绝', h('small', {}, 'Deny')),
        h('button', { class: 'allow', type: 'button', 'data-testid': 'consent-allow', style: { background: platform.color }, onclick: () => answer('allow') },
          '允许', h('small', {}, 'Allow'))),
      // Answers with a lifetime: this call only, or (for location) until the mini-app session ends.
      h('div', { class: 'sheet-lifetimes' },
        h('button', { class: 'link', type: 'button', 'data-testid': 'consent-allowOnce', onclick: () => answer('allowOnce') },
          '仅本次允许 ', h('small', {}, 'Allow once')),
        consent.offersWhileUsing
          ? h('button', { class: 'link', type: 'button', 'data-testid': 'consent-allowWhileUsing', onclick: () => answer('allowWhileUsing') },
            '使用期间允许 ', h('small', {}, 'Allow while using'))
          : null));
    const overlay = h('div', { class: 'sheet-overlay' }, sheet);
    const release = holdFocus(overlay, sheet, () => answer('dismiss'));
    const close = () => {
      release();
      overlay.remove();
    };
    screen.append(overlay);
    // Focus starts on the dialog itself, not on a button: a stray Enter or Space answers nothing.
    sheet.focus();
  });
}

/**
 * Keeps keyboard focus inside `dialog` while it is open, as a modal dialog must: everything else on the page is inert,
 * Tab and Shift+Tab cycle through the dialog's controls, focus that lands elsewhere is brought back, and Escape calls
 * `dismiss` wherever focus is. Returns the function that lets go and gives focus back to where it was.
 */
function holdFocus(overlay, dialog, dismiss) {
  const before = document.activeElement;
  const madeInert = [];
  const controls = () => [...dialog.querySelectorAll('button, [href], input, select, textarea, [tabindex]:not([tabindex="-1"])')]
    .filter(el => !el.disabled && el.getClientRects().length > 0);
  const onKeyDown = event => {
    if (event.key === 'Escape') {
      event.preventDefault();
      dismiss();
      return;
    }
    if (event.key !== 'Tab') return;
    event.preventDefault();
    const list = controls();
    if (list.length === 0) {
      dialog.focus();
      return;
    }
    const at = list.indexOf(document.activeElement);
    const next = at === -1
      ? (event.shiftKey ? list.length - 1 : 0)
      : (at + (event.shiftKey ? -1 : 1) + list.length) % list.length;
    list[next].focus();
  };
  const onFocusIn = event => {
    if (!overlay.contains(event.target)) dialog.focus();
  };
  // Everything beside the dialog's branch of the page, up to <body>, is inert until it closes.
  for (let node = overlay; node.parentElement && node !== document.body; node = node.parentElement) {
    for (const sibling of node.parentElement.children) {
      if (sibling !== node && !sibling.inert) {
        sibling.inert = true;
        madeInert.push(sibling);
      }
    }
  }
  document.addEventListener('keydown', onKeyDown, true);
  document.addEventListener('focusin', onFocusIn, true);
  return () => {
    document.removeEventListener('keydown', onKeyDown, true);
    document.removeEventListener('focusin', onFocusIn, true);
    for (const el of madeInert) el.inert = false;
    if (before instanceof HTMLElement && before.isConnected && before !== document.body) before.focus();
  };
}

/**
 * Asks `question` in a modal dialog and resolves with true on `ok`, false on `cancel` or Escape. Focus starts on
 * cancel, so a stray Enter changes nothing.
 */
export function confirmDialog(question, { ok = '确定 OK', cancel = '取消 Cancel', danger = false } = {}) {
  return new Promise(resolve => {
    const cancelButton = h('button', { type: 'button', class: 'secondary', 'data-testid': 'confirm-cancel', onclick: () => dialog.close() }, cancel);
    const dialog = h('dialog', { class: 'confirm', 'data-testid': 'confirm-dialog', 'aria-labelledby': 'confirm-question' },
      h('p', { id: 'confirm-question' }, question),
      h('div', { class: 'confirm-buttons' }, cancelButton,
        h('button', { type: 'button', class: danger ? 'danger' : 'primary', 'data-testid': 'confirm-ok', onclick: () => dialog.close('ok') }, ok)));
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(dialog.returnValue === 'ok');
    });
    document.body.append(dialog);
    dialog.showModal();
    cancelButton.focus();
  });
}

/** A short message over the screen. */
export function toast(screen, text) {
  const el = h('div', { class: 'toast', role: 'status' }, text);
  screen.append(el);
  setTimeout(() => el.remove(), 1800);
}
