// Photos are made smaller on the phone before they are stored and sent: at most 2048 px
// on the long side, as JPEG. A phone photo of 4000 × 3000 px and 5 MB becomes about 0.5 MB.
// Drawing on a canvas loses the photo's EXIF block, which carries where it was taken; the
// server reads that position and removes all metadata, so the block is copied over, with
// its orientation set to upright because the pixels already are.

export const MAX_SIDE = 2048;
const SENDABLE = ['image/jpeg', 'image/png', 'image/webp'];

// UnsupportedPhoto is a picture this phone cannot turn into a JPEG and the server would refuse.
export class UnsupportedPhoto extends Error {
  constructor(file) {
    super('unsupported photo: ' + (file.type || 'unknown type'));
    this.file = file;
  }
}
const QUALITY = 0.85;

export async function prepare(file) {
  const name = (file.name || 'photo').replace(/\.[^.]*$/, '') + '.jpg';
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    // A type the server takes that this browser cannot decode: send it as it is and let the
    // server judge it. Anything else (HEIC from some phones) would be refused only at sync,
    // after the member has left the house: say so now.
    if (SENDABLE.includes(file.type)) return { blob: file, name: file.name || 'photo', width: 0, height: 0 };
    throw new UnsupportedPhoto(file);
  }
  const { width, height } = bitmap;
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  if (scale === 1 && file.type === 'image/jpeg' && file.size <= 1.5 * 1024 * 1024) {
    bitmap.close();
    return { blob: file, name, width, height };
  }
  const w = Math.round(width * scale);
  const h = Math.round(height * scale);
  let blob;
  if (typeof OffscreenCanvas === 'function') {
    const canvas = new OffscreenCanvas(w, h);
    canvas.getContext('2d').drawImage(bitmap, 0, 0, w, h);
    blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: QUALITY });
  } else {
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = h;
    canvas.getContext('2d').drawImage(bitmap, 0, 0, w, h);
    blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', QUALITY));
  }
  bitmap.close();
  if (file.type === 'image/jpeg') {
    const exif = await exifSegment(file);
    if (exif) blob = await insertSegment(blob, exif);
  }
  return { blob, name, width: w, height: h };
}

// exifSegment returns the APP1 "Exif" segment of a JPEG with Orientation set to 1, or null.
async function exifSegment(file) {
  const buf = new Uint8Array(await file.slice(0, 256 * 1024).arrayBuffer());
  if (buf[0] !== 0xff || buf[1] !== 0xd8) return null;
  let i = 2;
  while (i + 4 <= buf.length && buf[i] === 0xff) {
    const marker = buf[i + 1];
    const len = (buf[i + 2] << 8) | buf[i + 3];
    if (marker === 0xda || len < 2) return null; // image data starts: no EXIF before it
    if (marker === 0xe1 && i + 2 + len <= buf.length &&
        String.fromCharCode(...buf.subarray(i + 4, i + 10)) === 'Exif\0\0') {
      const seg = buf.slice(i, i + 2 + len);
      uprightOrientation(seg, 10);
      return seg;
    }
    i += 2 + len;
  }
  return null;
}

function uprightOrientation(seg, tiff) {
  const dv = new DataView(seg.buffer);
  if (tiff + 8 > seg.length) return;
  const little = dv.getUint16(tiff) === 0x4949;
  const ifd = tiff + dv.getUint32(tiff + 4, little);
  if (ifd + 2 > seg.length) return;
  const n = dv.getUint16(ifd, little);
  for (let k = 0; k < n; k++) {
    const e = ifd + 2 + k * 12;
    if (e + 12 > seg.length) return;
    if (dv.getUint16(e, little) === 0x0112) dv.setUint16(e + 8, 1, little);
  }
}

// insertSegment puts seg after the JPEG's SOI and JFIF APP0 markers.
async function insertSegment(jpeg, seg) {
  const head = new Uint8Array(await jpeg.slice(0, 64).arrayBuffer());
  let at = 2;
  if (head[2] === 0xff && head[3] === 0xe0) at = 4 + ((head[4] << 8) | head[5]);
  return new Blob([jpeg.slice(0, at), seg, jpeg.slice(at)], { type: 'image/jpeg' });
}
