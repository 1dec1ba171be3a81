// Offline once loaded (lecture halls have bad Wi-Fi): the page, its assets, the model list and every
// model file fetched are kept in a cache. GETs go to the network first and fall back to the cache, so
// an online page is always current; the model calls (POST) cannot be cached, and the page switches to
// running the models in the browser when it goes offline.
// The page's TypeScript program has the DOM types, which clash with the webworker lib; these few
// declarations are all this file needs of ServiceWorkerGlobalScope.
declare const __DEMO_VERSION__: string;
interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  request: Request;
  respondWith(response: Promise<Response>): void;
}
interface ServiceWorkerScope {
  location: Location;
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
}
const worker = self as unknown as ServiceWorkerScope;

const CACHE = `pretext-demo-${__DEMO_VERSION__}`;
const SHELL = ['/', '/styles.css', '/build/app.js', '/data/index.json', '/data/gallery.bin', '/v1/models'];

worker.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => worker.skipWaiting()),
  );
});

worker.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys.filter((k) => k.startsWith('pretext-demo-') && k !== CACHE).map((k) => caches.delete(k)),
        ),
      )
      .then(() => worker.clients.claim()),
  );
});

worker.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== worker.location.origin) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      try {
        const response = await fetch(request);
        if (response.ok) await cache.put(request, response.clone());
        return response;
      } catch (error) {
        const cached = await cache.match(request, { ignoreSearch: url.pathname === '/' });
        if (cached) return cached;
        throw error;
      }
    })(),
  );
});
