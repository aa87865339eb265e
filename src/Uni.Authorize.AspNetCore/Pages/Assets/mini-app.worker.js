// The demo's mini-app logic layer, in a Web Worker as on a real mini-program: it sees only the platform's global,
// installed by the host's bridge, and writes plain platform code. The worker is started inside the host's sandbox
// (mini-app.js), which loads the bridge before this file; the page shows the consent dialog meanwhile.
/* global UniBridge, wx, my, tt, swan, ks */

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

// The bridge's providers for "call the API": the worker has no screen, no geolocation and no file picker, so each
// provider asks the page (which runs the browser's own API) and waits for its answer.
const provided = new Map();
let nextProvide = 0;
const relay = (api) => (options) => new Promise((resolve, reject) => {
  nextProvide += 1;
  provided.set(nextProvide, { resolve, reject });
  post({ type: 'provide', id: nextProvide, api, options: JSON.parse(JSON.stringify(options)) });
});

function install(data, providers) {
  UniBridge.install({
    host: data.host,
    token: data.token,
    platform: data.platform,
    ui: { showToast: ({ title }) => post({ type: 'toast', title }) },
    providers,
    onError: (error) => log(`bridge: ${error.message}`),
  });
}

// The mini-app's code for "call the API": the platform's own function (wx.getLocation), or a member of the object the
// platform creates for it (wx.createCameraContext().takePhoto).
function callApi(data) {
  install(data, { [data.api]: relay(data.api) });
  const global = UniBridge.globals[data.platform];
  const [owner, member] = data.api.includes('.') ? data.api.split('.') : [null, data.api];
  const target = owner === 'CameraContext' ? globals[data.platform]().createCameraContext() : globals[data.platform]();
  const name = `${global}.${data.api}`;
  log(`worker: calling ${name}, waiting for the user…`);
  target[member]({
    success: (res) => post({ type: 'result', api: name, status: 'success', payload: res }),
    fail: (res) => post({ type: 'result', api: name, status: 'fail', payload: res }),
  });
}

self.onmessage = ({ data }) => {
  if (data && data.type === 'provided' && provided.has(data.id)) {
    const { resolve, reject } = provided.get(data.id);
    provided.delete(data.id);
    if (data.ok) {
      resolve(data.payload);
    } else {
      reject(new Error(data.error));
    }

    return;
  }

  if (data && data.type === 'call' && Object.hasOwn(miniApps, data.platform) && typeof data.api === 'string') {
    callApi(data);
    return;
  }

  if (!data || data.type !== 'run' || !Object.hasOwn(miniApps, data.platform)) {
    return;
  }

  install(data);
  const global = UniBridge.globals[data.platform];
  log(`worker: ${global} installed by /bridge/uni-bridge.js, origin ${self.origin}`);
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
