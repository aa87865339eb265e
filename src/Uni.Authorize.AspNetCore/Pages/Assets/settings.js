// The settings page, like WeChat's: one switch per scope the app has asked for. On grants, off denies, and reset
// forgets the answer so that the next call asks again. Every change takes effect on the app's next call.
import { api, appLetter, currentUser, h, platformOf, showSignIn, toast, userBar } from './host.js';

const screen = document.getElementById('screen');
const content = document.getElementById('content');
const params = new URLSearchParams(location.search);
const appId = params.get('app');

// Only a page of this host. The browser's own URL parser resolves the value as a link would (percent-escaped dots,
// dot segments, backslashes, the tabs and newlines browsers drop), so "/\t/elsewhere" stays home. A resolved path
// that starts with "//" ("/.//x", "/%2e//x", "/a/..//x") would be read as another host once written back into href:
// it falls back to "/", as does anything that does not resolve to the same path on this origin a second time.
function sameOriginPath(value) {
  if (value === null) return '/';
  try {
    const target = new URL(value, location.origin);
    if (target.origin !== location.origin) return '/';
    const path = target.pathname + target.search + target.hash;
    if (!path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\')) return '/';
    const again = new URL(path, location.origin);
    return again.origin === location.origin && again.pathname + again.search + again.hash === path ? path : '/';
  } catch {
    return '/';
  }
}

const back = sameOriginPath(params.get('return'));
document.querySelector('[data-testid=back]')?.setAttribute('href', back);

// The start of the user's own day, so that "today" is theirs and not the server's.
function startOfToday() {
  const day = new Date();
  day.setHours(0, 0, 0, 0);
  return day.toISOString();
}

function clock(instant) {
  const at = new Date(instant);
  const time = `${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')}`;
  return at >= new Date(startOfToday()) ? time : `${at.getMonth() + 1}-${String(at.getDate()).padStart(2, '0')} ${time}`;
}

// Which app used what, and when: one line per scope ("used your location 3 times today, last at 10:42").
function renderAccess(settings, access) {
  const uses = access?.apps?.find(a => a.app.id === settings.app.id)?.scopes ?? [];
  const days = access ? Math.round((Date.now() - new Date(access.since)) / 86_400_000) : 0;
  const describe = use => settings.entries.find(e => e.scope === use.scope)
    ?? { descriptionZh: use.apis.join('、'), descriptionEn: use.apis.join(', ') };
  const rows = uses.map(use => {
    const { descriptionZh, descriptionEn } = describe(use);
    return h('li', { class: 'setting-row access-row', 'data-testid': `access-${use.scope || use.apis.join(',')}` },
      h('div', { class: 'setting-text' },
        h('span', { class: 'scope-zh' }, `今天使用${descriptionZh} ${use.today} 次，最近一次 ${clock(use.lastAt)}`),
        h('span', { class: 'scope-en' }, `Used ${descriptionEn.toLowerCase()} ${use.today} ${use.today === 1 ? 'time' : 'times'} today, last at ${clock(use.lastAt)}`),
        h('span', { class: 'setting-state' }, `${days} 天内 ${use.count} 次 · ${use.count} in ${days} days · `, h('code', {}, use.apis.join(', ')))));
  });
  return [
    h('p', { class: 'group-title' }, '使用记录 ', h('span', { class: 'en' }, 'Access report')),
    rows.length > 0
      ? h('ul', { class: 'settings', 'data-testid': 'access-report' }, rows)
      : h('div', { class: 'card empty', 'data-testid': 'access-empty' },
        h('p', {}, `${days} 天内没有使用记录`), h('p', { class: 'muted' }, `No use in the last ${days} days.`)),
  ];
}

function renderSettings(user, settings, access) {
  const app = settings.app;
  const platform = platformOf(app.platform);
  document.documentElement.style.setProperty('--accent', platform.color);
  const change = async (entry, next) => {
    try {
      const updated = await api(`/api/v1/user/apps/${encodeURIComponent(app.id)}/settings`, {
        method: 'PUT', body: { scope: entry.scope, state: next }, state: true,
      });
      renderSettings(user, updated, access);
      toast(screen, { granted: '已允许 Allowed', denied: '已拒绝 Denied', notDetermined: '已重置 Reset' }[next]);
    } catch (error) {
      toast(screen, error.message);
      renderSettings(user, settings, access);
    }
  };
  const rows = settings.entries.map(entry => h('li', { class: 'setting-row', 'data-testid': `setting-${entry.scope}`, 'data-state': entry.state },
    h('div', { class: 'setting-text' },
      h('span', { class: 'scope-zh' }, entry.descriptionZh),
      h('span', { class: 'scope-en' }, entry.descriptionEn),
      h('span', { class: 'setting-state' }, h('code', {}, entry.key), ' · ',
        { granted: '已允许 Allowed', denied: '已拒绝 Denied', notDetermined: '未设置 Not set' }[entry.state],
        entry.state === 'granted' && entry.lifetime === 'whileUsing'
          ? h('span', { 'data-testid': `lifetime-${entry.scope}` }, ' · 使用期间 While using')
          : null)),
    entry.state === 'notDetermined' ? null : h('button', {
      class: 'link reset', type: 'button', 'data-testid': `reset-${entry.scope}`, onclick: () => change(entry, 'notDetermined'),
    }, '重置 Reset'),
    h('label', { class: 'switch' },
      h('input', {
        type: 'checkbox', role: 'switch', checked: entry.state === 'granted', 'data-testid': `switch-${entry.scope}`,
        'aria-label': `${entry.descriptionZh} ${entry.descriptionEn}`,
        onchange: event => change(entry, event.target.checked ? 'granted' : 'denied'),
      }),
      h('span', { class: 'slider', 'aria-hidden': 'true' }))));
  content.replaceChildren(
    userBar(user),
    h('section', { class: 'app-header' },
      h('span', { class: 'avatar large', style: { background: platform.color }, 'aria-hidden': 'true' }, appLetter(app)),
      h('h2', { 'data-testid': 'settings-app' }, app.name),
      h('p', { class: 'muted' }, `${platform.zh} ${platform.en} · ${app.id}`)),
    h('p', { class: 'group-title' }, `允许“${app.name}”使用`, h('br'), h('span', { class: 'en' }, 'Allow this app to use')),
    rows.length > 0
      ? h('ul', { class: 'settings', 'data-testid': 'settings-list' }, rows)
      : h('div', { class: 'card empty', 'data-testid': 'settings-empty' },
        h('p', {}, '这个小程序还没有申请过任何权限'), h('p', { class: 'muted' }, 'This app has not asked for any permission yet.')),
    ...renderAccess(settings, access),
    h('p', { class: 'footnote muted' }, '更改在小程序下一次调用时生效；重置后下次调用会重新询问。',
      h('br'), 'Changes apply to the next call; after a reset, the next call asks again.'));
}

// What apps see when they ask for user info (WeChat apps see its anonymous profile whatever is set here).
function profileForm(profile) {
  const nickName = h('input', {
    id: 'profile-nickname', 'data-testid': 'profile-nickname', type: 'text', value: profile.nickName, maxlength: '64', required: true,
  });
  const avatarUrl = h('input', {
    id: 'profile-avatar', 'data-testid': 'profile-avatar', type: 'url', value: profile.avatarUrl ?? '', placeholder: 'https://…',
  });
  const error = h('p', { class: 'form-error', role: 'alert', 'data-testid': 'profile-error' });
  const button = h('button', { class: 'primary', type: 'submit', 'data-testid': 'profile-save' }, '保存 Save');
  return h('form', {
    class: 'card profile-form', 'data-testid': 'profile-form',
    onsubmit: async event => {
      event.preventDefault();
      button.disabled = true;
      error.textContent = '';
      try {
        await api('/api/v1/user/profile', { method: 'PUT', body: { nickName: nickName.value, avatarUrl: avatarUrl.value }, state: true });
        toast(screen, '已保存 Saved');
      } catch (e) {
        error.textContent = e.message;
      } finally {
        button.disabled = false;
      }
    },
  },
  h('h2', {}, '个人资料 Profile'),
  h('p', { class: 'muted' }, '小程序获取用户信息时看到的昵称和头像。', h('br'), 'The nickname and avatar apps get when they ask for your user info.'),
  h('label', { for: 'profile-nickname' }, '昵称 Nickname'), nickName,
  h('label', { for: 'profile-avatar' }, '头像 Avatar URL (https)'), avatarUrl,
  error, button);
}

async function renderAppList(user) {
  const [apps, profile] = await Promise.all([
    api('/api/v1/user/apps').then(list => list.apps ?? []),
    api('/api/v1/user/profile'),
  ]);
  content.replaceChildren(userBar(user), profileForm(profile),
    h('p', { class: 'group-title' }, '小程序 ', h('span', { class: 'en' }, 'Mini-apps')),
    h('ul', { class: 'settings' }, apps.map(app => h('li', { class: 'setting-row' },
      h('a', { class: 'app-link', href: `?app=${encodeURIComponent(app.id)}` },
        h('span', { class: 'avatar small', style: { background: platformOf(app.platform).color } }, appLetter(app)),
        h('span', {}, app.name), h('span', { class: 'muted' }, '›'))))),
    h('p', { class: 'group-title' }, '我的数据 ', h('span', { class: 'en' }, 'My data')),
    h('ul', { class: 'settings' }, h('li', { class: 'setting-row' },
      h('a', { class: 'app-link', href: '/my-data', 'data-testid': 'my-data-link' },
        h('span', {}, '查看、下载或删除我的数据 See, download or erase my data'), h('span', { class: 'muted' }, '›')))));
}

async function start() {
  const user = await currentUser() ?? await showSignIn(screen);
  if (!appId) {
    await renderAppList(user);
    return;
  }
  try {
    const path = encodeURIComponent(appId);
    const [settings, access] = await Promise.all([
      api(`/api/v1/user/apps/${path}/settings`),
      api(`/api/v1/user/access?appId=${path}&today=${encodeURIComponent(startOfToday())}`),
    ]);
    renderSettings(user, settings, access);
  } catch (error) {
    content.replaceChildren(userBar(user), h('p', { class: 'form-error', role: 'alert', 'data-testid': 'settings-error' },
      error.code === 'app_not_found' ? '没有这个小程序 No such app.' : error.message));
  }
}

start().catch(error => {
  content.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, `出错了 Something went wrong: ${error.message}`));
});
