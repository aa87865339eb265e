// The consent page: every authorize call that waits for the signed-in user shows up here as the platform's dialog,
// whichever app or device made it. Only this user's cookie and antiforgery token can answer.
import { currentUser, h, showSignIn, toast, userBar, watchConsents } from './host.js';

const screen = document.getElementById('screen');
const content = document.getElementById('content');
const words = { allow: '已允许 Allowed', deny: '已拒绝 Denied', dismiss: '已关闭 Dismissed' };

async function start() {
  const user = await currentUser() ?? await showSignIn(screen);
  const waiting = h('div', { class: 'empty', 'data-testid': 'consent-waiting' },
    h('span', { class: 'pulse', 'aria-hidden': 'true' }),
    h('p', {}, '没有等待中的授权请求'),
    h('p', { class: 'muted' }, 'No consent request is waiting. Requests from your mini-apps appear here as they arrive.'));
  const history = h('ul', { class: 'history', 'data-testid': 'consent-history' });
  content.replaceChildren(userBar(user), h('section', { class: 'card' }, waiting),
    h('section', { class: 'card' }, h('h2', {}, '刚才的回答 ', h('span', { class: 'en' }, 'Recent answers')), history));
  watchConsents(screen, {
    onSignedOut: () => location.reload(),
    onAnswered: (consent, answer) => {
      toast(screen, words[answer]);
      history.prepend(h('li', { 'data-testid': 'consent-answer' },
        h('span', {}, consent.app.name),
        h('span', { class: 'muted' }, consent.scopes.map(s => s.descriptionZh).join('、')),
        h('span', { class: `chip ${answer === 'allow' ? 'granted' : answer === 'deny' ? 'denied' : 'waiting'}` }, words[answer])));
    },
  });
}

start().catch(error => {
  content.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, `出错了 Something went wrong: ${error.message}`));
});
