// Photos are resized on the device (longest side ≤ 1600 px, JPEG, ≤ 400 KB) and hashed
// with Web Crypto before they are stored; the hash is the photo's identity everywhere.
export const MAX_SIDE = 1600;
export const MAX_BYTES = 400 * 1024;

export async function sha256Hex(blob) {
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function decode(file) {
  if (typeof createImageBitmap === "function") {
    try {
      return await createImageBitmap(file, { imageOrientation: "from-image" });
    } catch {
      // fall through to <img>
    }
  }
  const url = URL.createObjectURL(file);
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    return img;
  } finally {
    URL.revokeObjectURL(url);
  }
}

function toBlob(canvas, quality) {
  return new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("encode failed"))), "image/jpeg", quality),
  );
}

/** Resize and re-encode; lowers quality, then size, until the JPEG fits MAX_BYTES. */
export async function shrinkPhoto(file) {
  const img = await decode(file);
  let side = MAX_SIDE;
  for (let attempt = 0; attempt < 6; attempt++) {
    const scale = Math.min(1, side / Math.max(img.width, img.height));
    const w = Math.max(1, Math.round(img.width * scale));
    const hgt = Math.max(1, Math.round(img.height * scale));
    const canvas = document.createElement("canvas");
    canvas.width = w;
    canvas.height = hgt;
    canvas.getContext("2d").drawImage(img, 0, 0, w, hgt);
    for (const q of [0.82, 0.72, 0.62]) {
      const blob = await toBlob(canvas, q);
      if (blob.size <= MAX_BYTES) return { blob, width: w, height: hgt };
    }
    side = Math.round(side * 0.8);
  }
  throw new Error("photo too large");
}

/** Resize, hash and describe a captured file: {blob, sha256, content_type, size}. */
export async function preparePhoto(file) {
  const { blob, width, height } = await shrinkPhoto(file);
  return { blob, sha256: await sha256Hex(blob), content_type: "image/jpeg", size: blob.size, width, height };
}
