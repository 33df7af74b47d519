// Draws the app icon (a murmuration of dots on a dusk disc) as a 512×512 PNG without any image
// tooling: raw RGBA → zlib → PNG chunks. Run: node build/make-icon.mjs (output is committed).
import { deflateSync, crc32 } from 'node:zlib';
import { writeFileSync } from 'node:fs';

const size = 512;
const rgba = Buffer.alloc(size * size * 4);
const birds = [];
let seed = 7;
const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
for (let i = 0; i < 140; i++) {
  const t = rand() * Math.PI * 2;
  const r = 60 + rand() * 120;
  birds.push([256 + Math.cos(t) * r * 1.25, 236 + Math.sin(t * 2) * r * 0.45 + (rand() - 0.5) * 30, 4 + rand() * 5]);
}
for (let y = 0; y < size; y++) {
  for (let x = 0; x < size; x++) {
    const dx = x - 256, dy = y - 256, d = Math.hypot(dx, dy);
    const o = (y * size + x) * 4;
    if (d > 240) { rgba[o + 3] = 0; continue; }
    const k = y / size;
    let r = 40 + 180 * k, g = 60 + 70 * k, b = 140 - 40 * k;
    for (const [bx, by, br] of birds) if (Math.hypot(x - bx, y - by) < br) { r = 20; g = 22; b = 40; }
    rgba[o] = r; rgba[o + 1] = g; rgba[o + 2] = b; rgba[o + 3] = d > 236 ? Math.round((240 - d) * 64) : 255;
  }
}
const raw = Buffer.alloc((size * 4 + 1) * size);
for (let y = 0; y < size; y++) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
const chunk = (type, data) => {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
};
const header = Buffer.alloc(13);
header.writeUInt32BE(size, 0); header.writeUInt32BE(size, 4); header[8] = 8; header[9] = 6;
const png = Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header),
  chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
writeFileSync(new URL('./icons/icon.png', import.meta.url), png);
writeFileSync(new URL('../assets/icon.png', import.meta.url), png);
console.log(`icon: ${png.length} bytes`);
