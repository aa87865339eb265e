// The demo's mini-app logic layer, in a Web Worker as on a real mini-program: it sees only the platform's global,
// installed by the host's bridge, and writes plain platform code. The worker is started inside the host's sandbox
// (mini-app.js), which loads the bridge before this file; the page shows the consent dialog meanwhile.
/* global UniBridge */

const post = (message) => self.postMessage(message);
const log = (text) => post({ type: 'log', text });

// The platform as the host's catalog describes it (the bridge the host serves carries it): its global and the call
// that asks for scopes (wx.authorize({scope}), my.getAuthCode({scopes})).
const entryOf = (platform) => UniBridge.catalog.find((entry) => entry.platform === platform);
const globalOf = (platform) => self[UniBridge.globals[platform]];

// The mini-app's own code: ask for the scope under the platform's own name (auth_user on Alipay), then read the settings.
function ask(platform, scope, done) {
  const entry = entryOf(platform);
  const { api, option } = entry.authorize;
  const name = `${entry.global}.${api}`;
  const native = entry.scopes.find((s) => s.name === scope)?.nativeName ?? scope;
  log(`worker: calling ${name}(${native}), waiting for the user…`);
  globalOf(platform)[api]({
    [option]: native,
    success: (res) => done(name, 'success', res),
    fail: (res) => done(name, 'fail', res),
  });
}

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
  const target = owner === 'CameraContext' ? globalOf(data.platform).createCameraContext() : globalOf(data.platform);
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
      // The page says why a browser API failed (cancel, systemDenied, unavailable): the bridge fails the platform's way.
      reject(Object.assign(new Error(data.error), { reason: data.reason }));
    }

    return;
  }

  if (data && data.type === 'call' && entryOf(data.platform) && typeof data.api === 'string') {
    callApi(data);
    return;
  }

  if (!data || data.type !== 'run' || !entryOf(data.platform)) {
    return;
  }

  install(data);
  const global = UniBridge.globals[data.platform];
  log(`worker: ${global} installed by /bridge/uni-bridge.js, origin ${self.origin}`);
  ask(data.platform, data.scope, (api, status, payload) => {
    post({ type: 'result', api, status, payload });
    globalOf(data.platform).getSetting({
      success: (res) => post({ type: 'setting', payload: res }),
      fail: (res) => log(`getSetting failed: ${JSON.stringify(res)}`),
    });
  });
};

post({ type: 'ready' });
