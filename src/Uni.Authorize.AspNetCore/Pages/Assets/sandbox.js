// The host's side of the mini-app sandbox. The document is served with `Content-Security-Policy: sandbox allow-scripts`,
// so its origin is opaque: mini-app code here has no cookie of the user, no storage, no same-origin access to the host's
// pages and no user API (those never answer CORS); it reaches the mini-app API with its bearer session token only.
// The page that framed it starts it with one message, { type: 'start', token, platform, scripts }, and relays what the
// mini-app sends; the page trusts none of it with a decision (consents are answered in the host's own dialog).
(() => {
  'use strict';
  // The URL's origin is the host's; the document's own origin (self.origin) is "null".
  const host = location.origin;
  const listeners = [];
  let started = false;

  const load = (src) => new Promise((resolve) => {
    const script = document.createElement('script');
    script.src = new URL(src, host).href;
    script.onload = resolve;
    script.onerror = resolve;
    document.head.append(script);
  });

  async function start({ token, platform, scripts }) {
    started = true;
    Object.defineProperty(globalThis, 'UniSandbox', {
      value: Object.freeze({
        host,
        token,
        platform,
        // To the framing page only (the host's origin), never to whatever else might hold this window.
        send: (message) => parent.postMessage(message, host),
        listen: (listener) => { listeners.push(listener); },
      }),
    });
    for (const src of Array.isArray(scripts) ? scripts : []) {
      if (typeof src === 'string') {
        await load(src);
      }
    }
  }

  addEventListener('message', (event) => {
    // Only the page that framed the sandbox, on the host's origin, talks to it.
    if (event.source !== parent || parent === window || event.origin !== host || typeof event.data?.type !== 'string') {
      return;
    }

    if (event.data.type === 'start') {
      if (!started) {
        start(event.data);
      }

      return;
    }

    for (const listener of listeners) {
      listener(event.data);
    }
  });
})();
