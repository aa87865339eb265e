// The demo's mini-app logic layer, in a Web Worker as on a real mini-program: it sees only the platform's global,
// installed by the host's bridge, and writes plain platform code. The page shows the consent dialog meanwhile.
/* global UniBridge, wx, my, tt, swan, ks */
importScripts('/bridge/uni-bridge.js');

const post = (message) => self.postMessage(message);
const log = (text) => post({ type: 'log', text });

// The mini-app's own code, as written for each platform: ask, then read the settings.
const miniApps = {
  wechat: (scope, done) => wx.authorize({
    scope,
    success: (res) => done('wx.authorize', 'success', res),
    fail: (res) => done('wx.authorize', 'fail', res),
  }),
  alipay: (scope, done) => my.getAuthCode({
    scopes: scope === 'scope.userInfo' ? 'auth_user' : scope,
    success: (res) => done('my.getAuthCode', 'success', res),
    fail: (res) => done('my.getAuthCode', 'fail', res),
  }),
  bytedance: (scope, done) => tt.authorize({
    scope,
    success: (res) => done('tt.authorize', 'success', res),
    fail: (res) => done('tt.authorize', 'fail', res),
  }),
  baidu: (scope, done) => swan.authorize({
    scope,
    success: (res) => done('swan.authorize', 'success', res),
    fail: (res) => done('swan.authorize', 'fail', res),
  }),
  kuaishou: (scope, done) => ks.authorize({
    scope,
    success: (res) => done('ks.authorize', 'success', res),
    fail: (res) => done('ks.authorize', 'fail', res),
  }),
};

const globals = { wechat: () => wx, alipay: () => my, bytedance: () => tt, baidu: () => swan, kuaishou: () => ks };

self.onmessage = ({ data }) => {
  if (!data || data.type !== 'run' || !Object.hasOwn(miniApps, data.platform)) {
    return;
  }

  UniBridge.install({
    host: self.location.origin,
    token: data.token,
    platform: data.platform,
    ui: { showToast: ({ title }) => post({ type: 'toast', title }) },
    onError: (error) => log(`bridge: ${error.message}`),
  });
  const global = UniBridge.globals[data.platform];
  log(`worker: ${global} installed by /bridge/uni-bridge.js`);
  log(`worker: calling ${data.platform === 'alipay' ? 'my.getAuthCode' : global + '.authorize'}(${data.scope}), waiting for the user…`);
  miniApps[data.platform](data.scope, (api, status, payload) => {
    post({ type: 'result', api, status, payload });
    globals[data.platform]().getSetting({
      success: (res) => post({ type: 'setting', payload: res }),
      fail: (res) => log(`getSetting failed: ${JSON.stringify(res)}`),
    });
  });
};

post({ type: 'ready' });
