// A photo field for any form: take or choose photos, made smaller on the phone, previewed
// and removable. Each photo gets its id here, so the outbox can send it and name it later.

import { h, id, toast } from './ui.js';
import { prepare, UnsupportedPhoto } from './photo.js';
import { newId } from './outbox.js';

// photoPicker returns { el, photos, ready, clear }: el goes in the form; photos is the live
// list of { id, blob, name }; await ready() before reading it (photos are still being made
// smaller); clear() empties it. signal, when given, frees the previews with the page.
export function photoPicker({ label = '现场照片', max = 9, signal, inputId = id('photos') } = {}) {
  const photos = [];
  const previews = h('ul', { class: 'previews', 'aria-label': '已选照片' });
  const input = h('input', { type: 'file', accept: 'image/*', capture: 'environment', multiple: true, id: inputId, class: 'file' });
  const msg = h('p', { class: 'hint', role: 'status' });
  const draw = () => {
    for (const p of photos) p.url = p.url || URL.createObjectURL(p.blob);
    previews.replaceChildren(...photos.map((p, i) => h('li', {},
      h('img', { src: p.url, alt: label + ' ' + (i + 1) }),
      h('button', { type: 'button', class: 'remove', 'aria-label': '删除照片 ' + (i + 1), onclick: () => {
        URL.revokeObjectURL(p.url);
        photos.splice(i, 1);
        draw();
      } }, '×'))));
    msg.textContent = photos.length ? '已选 ' + photos.length + ' 张照片' : '';
  };
  let preparing = Promise.resolve();
  input.addEventListener('change', () => {
    const files = [...input.files];
    input.value = '';
    preparing = preparing.then(async () => {
      for (const f of files) {
        if (photos.length >= max) { toast('最多 ' + max + ' 张照片。'); break; }
        msg.textContent = '正在处理照片…';
        try {
          const p = await prepare(f);
          photos.push({ id: newId(), blob: p.blob, name: p.name });
        } catch (e) {
          toast(e instanceof UnsupportedPhoto
            ? '这张照片的格式（' + (f.type || '未知') + '）无法上传。请在相机设置中选择“兼容性最佳”或 JPEG 后重拍：' + (f.name || '')
            : '这张照片无法读取：' + (f.name || ''), { kind: 'error', timeout: 10000 });
        }
      }
      draw();
    });
  });
  const clear = () => {
    for (const p of photos) if (p.url) URL.revokeObjectURL(p.url);
    photos.length = 0;
    draw();
  };
  if (signal) signal.addEventListener('abort', clear);
  const el = h('div', { class: 'field' },
    h('span', { class: 'label' }, label), input,
    h('label', { for: inputId, class: 'btn file-label' }, '拍照或选择照片'), msg, previews);
  return { el, photos, ready: () => preparing, clear };
}
