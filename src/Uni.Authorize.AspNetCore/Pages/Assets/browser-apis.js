// What the browser can run behind a scope's API, for the demo page and its worker mode: the position from the
// Geolocation API, a file from the file picker, a code read from a picked image (BarcodeDetector, where the browser has it), a short recording from the microphone (getUserMedia + MediaRecorder),
// a download for the save APIs, an .ics file for the calendar ones.
// Nothing is made up: an API without a browser counterpart has no provider here. Each resolves with
// { payload, note, extra }: the API's success fields, a line for the person, and an element to show.
import { h } from './host.js';

const PROVIDERS = [
  [/Location|^getFuzzyLocation$|^choosePoi$/, locate],
  // Only a browser with the Shape Detection API reads codes; elsewhere scanCode has no provider ("not supported").
  [/^scanCode$/, 'BarcodeDetector' in globalThis ? scan : null],
  [/^choose(Image|Video|Media)$|^CameraContext\.takePhoto$/, pick],
  [/^save(Image|Video)/, download],
  [/^startRecord$|^RecorderManager\.start$/, record],
  [/Calendar$/, calendarEvent],
];

// A failure with the reason the bridge turns into the platform's own (cancel, systemDenied, unavailable).
function failed(message, reason) {
  return Object.assign(new Error(message), { reason });
}

export function providerOf(apiName) {
  return PROVIDERS.find(([pattern]) => pattern.test(apiName))?.[1] ?? null;
}

// The API the demo calls for a scope: the first of the platform's own names that the browser can run.
export function apiOf(scope) {
  const names = scope?.nativeApis ?? [];
  return names.find(providerOf) ?? names[0] ?? null;
}

export async function locate() {
  if (!navigator.geolocation) throw failed('geolocation unavailable', 'unavailable');
  const position = await new Promise((resolve, reject) =>
    navigator.geolocation.getCurrentPosition(resolve, e => reject(failed(e.message || 'location unavailable', e.code === 1 ? 'systemDenied' : 'unavailable')),
      { timeout: 15000 }));
  const { latitude, longitude, accuracy, altitude, speed } = position.coords;
  return { payload: { latitude, longitude, accuracy, altitude: altitude ?? 0, speed: speed ?? -1 }, note: `位置 Position: ${latitude}, ${longitude}` };
}

// The file picker needs the user's gesture: the button press, or the press on "allow" in the consent dialog.
export function pick(apiName) {
  const accept = /Video/.test(apiName) ? 'video/*' : /Media/.test(apiName) ? 'image/*,video/*' : 'image/*';
  return new Promise((resolve, reject) => {
    const input = h('input', { type: 'file', accept, hidden: true, 'data-testid': 'file-input' });
    input.addEventListener('change', () => {
      input.remove();
      const file = input.files?.[0];
      if (!file) {
        reject(failed('cancel', 'cancel'));
        return;
      }
      const reader = new FileReader();
      reader.onload = () => resolve({
        payload: { tempFilePaths: [file.name], tempFiles: [{ path: file.name, size: file.size }] },
        note: `已选择 Picked: ${file.name}`,
        extra: file.type.startsWith('image/') ? h('img', { class: 'picked', src: reader.result, alt: file.name, 'data-testid': 'picked-image' }) : null,
      });
      reader.onerror = () => reject(new Error('read failed'));
      reader.readAsDataURL(file);
    });
    input.addEventListener('cancel', () => { input.remove(); reject(failed('cancel', 'cancel')); });
    document.body.append(input);
    input.click();
  });
}

// scanCode: the first code BarcodeDetector finds in a picked image.
export async function scan(apiName) {
  const { extra: image } = await pick(apiName);
  if (!image) throw new Error('not an image');
  await image.decode();
  const [code] = await new globalThis.BarcodeDetector().detect(image);
  if (!code) throw new Error('no code found');
  return {
    payload: { result: code.rawValue, scanType: code.format.toUpperCase(), charSet: 'utf-8', path: '' },
    note: `扫码 Scanned: ${code.rawValue}`,
  };
}

function save(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export async function download(apiName) {
  const canvas = h('canvas', { width: 240, height: 120 });
  const context = canvas.getContext('2d');
  context.fillStyle = '#f4f4f4';
  context.fillRect(0, 0, 240, 120);
  context.fillStyle = '#222';
  context.font = '16px sans-serif';
  context.fillText(`Uni.Authorize ${new Date().toISOString().slice(0, 10)}`, 16, 64);
  const blob = await new Promise(resolve => canvas.toBlob(resolve, 'image/png'));
  const filename = `uni-authorize-${apiName}.png`;
  save(blob, filename);
  return { payload: {}, note: `已下载 Downloaded: ${filename}` };
}

export async function calendarEvent(apiName) {
  const stamp = date => date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const start = new Date(Date.now() + 3_600_000);
  const end = new Date(start.getTime() + 3_600_000);
  const ics = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Uni.Authorize//demo//EN', 'BEGIN:VEVENT',
    `UID:${crypto.randomUUID()}@uni-authorize`, `DTSTAMP:${stamp(new Date())}`, `DTSTART:${stamp(start)}`, `DTEND:${stamp(end)}`,
    'SUMMARY:Uni.Authorize demo', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
  const filename = `uni-authorize-${apiName}.ics`;
  save(new Blob([ics], { type: 'text/calendar' }), filename);
  return { payload: {}, note: `已下载 Downloaded: ${filename}` };
}

// A short recording from the microphone, offered as a download so that it can be listened to.
export async function record() {
  if (!navigator.mediaDevices?.getUserMedia || typeof MediaRecorder !== 'function') throw new Error('recording unavailable');
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  try {
    const recorder = new MediaRecorder(stream);
    const chunks = [];
    recorder.addEventListener('dataavailable', event => chunks.push(event.data));
    const stopped = new Promise(resolve => recorder.addEventListener('stop', resolve));
    const started = performance.now();
    recorder.start();
    await new Promise(resolve => setTimeout(resolve, 1500));
    recorder.stop();
    await stopped;
    const blob = new Blob(chunks, { type: recorder.mimeType || 'audio/webm' });
    const duration = Math.round(performance.now() - started);
    const filename = 'uni-authorize-recording.webm';
    save(blob, filename);
    return { payload: { tempFilePath: filename, duration, fileSize: blob.size }, note: `已录音 Recorded ${duration} ms: ${filename}` };
  } finally {
    for (const track of stream.getTracks()) track.stop();
  }
}
