// 公开照片: those who choose a room's public photos (may.publish_rooms, from the server's
// policy) mark a photo of an activity or of follow-up public as 整改前 or 整改后, or take
// it off the public pages. The marks already made are read from the room's public page
// data: what the public sees is what the choice shows.

import { h, toast, LABELS } from './ui.js';
import * as api from './api.js';
import { may } from './state.js';

const enc = encodeURIComponent;
// marksOf keeps each room's marks for a minute (the public data's own cache time), so one
// screen with many photos reads them once; a change made here updates them at once.
const marksOf = new Map(); // room id → { at, marks: Promise<Map<photo id, label>> }
const KEEP = 60 * 1000;

function marks(roomId) {
  const kept = marksOf.get(roomId);
  if (kept && Date.now() - kept.at < KEEP) return kept.marks;
  const m = fetch('/api/v1/public/rooms/' + enc(roomId), { cache: 'no-cache', headers: { Accept: 'application/json' } })
    .then((res) => (res.ok ? res.json() : null))
    .then((r) => new Map(r ? [...(r.photos || []), ...(r.topics || []).flatMap((t) => t.photos || [])].map((p) => [p.id, p.label]) : []))
    .catch(() => new Map());
  marksOf.set(roomId, { at: Date.now(), marks: m });
  return m;
}

// photoThumbs shows photos as thumbnails that open the full image; for one who chooses the
// room's public photos, each with its choice of 不公开 / 整改前 / 整改后.
export function photoThumbs(photos, what, roomId) {
  if (!photos || !photos.length) return null;
  const mayMark = !!roomId && may().publish_rooms.includes(roomId);
  return h('div', { class: 'thumbs' }, photos.map((p, k) => {
    const name = what + ' ' + (k + 1);
    const img = h('a', { href: p.url, target: '_blank', rel: 'noopener' }, h('img', { src: p.thumb_url || p.url, alt: name, class: 'thumb', loading: 'lazy' }));
    return mayMark ? h('figure', { class: 'photo-mark' }, img, h('figcaption', {}, choice(p, name, roomId))) : img;
  }));
}

function choice(p, name, roomId) {
  const select = h('select', { 'aria-label': name + '是否公开', 'data-testid': 'photo-public', disabled: true },
    h('option', { value: '' }, '不公开'),
    Object.entries(LABELS.photoLabel).map(([code, text]) => h('option', { value: code }, '公开为' + text)));
  let current = '';
  marks(roomId).then((m) => {
    current = m.get(p.id) || '';
    select.value = current;
    select.disabled = false;
  });
  select.addEventListener('change', async () => {
    const label = select.value;
    select.disabled = true;
    try {
      await api.send('PUT', '/api/v1/photos/' + enc(p.id) + '/public', label ? { public: true, label } : { public: false });
      const m = await marks(roomId);
      if (label) m.set(p.id, label); else m.delete(p.id);
      current = label;
      toast(label ? '已在公开页展示为“' + LABELS.photoLabel[label] + '”照片' : '已从公开页撤下', { kind: 'ok', timeout: 3000 });
    } catch (e) {
      select.value = current;
      toast(api.errorText(e), { kind: 'error' });
    }
    select.disabled = false;
  });
  return select;
}
