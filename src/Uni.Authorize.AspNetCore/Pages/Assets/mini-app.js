// The demo mini-app, started in the host's sandbox: its logic layer runs in a Web Worker, as a mini-program's does,
// made from a blob so that it keeps the sandbox's opaque origin. The worker loads the bridge and the app's code from
// the host; this script only carries messages between the worker and the page.
/* global UniSandbox */
(() => {
  'use strict';
  const { host, token, platform } = UniSandbox;
  const source = `importScripts(${JSON.stringify(`${host}/bridge/uni-bridge.js`)}, ${JSON.stringify(`${host}/assets/mini-app.worker.js`)});`;
  const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })), { name: 'mini-app' });
  worker.onmessage = ({ data }) => UniSandbox.send(data);
  worker.onerror = (event) => UniSandbox.send({ type: 'log', text: `worker error: ${event.message}` });
  UniSandbox.listen((message) => worker.postMessage({ ...message, host, token, platform: message.platform ?? platform }));
})();
