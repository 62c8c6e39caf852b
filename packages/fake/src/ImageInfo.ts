/**
 * Reads the pixel size of a JPEG, PNG or WebP from its header, as the provider does before checking the
 * minimum resolution (Unico error 20807). Only headers are read; nothing is decoded.
 *
 * @since 0.1.0
 */
export interface Dimensions {
  readonly width: number
  readonly height: number
}

const jpeg = (b: Uint8Array): Dimensions | undefined => {
  let i = 2
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return undefined
    const marker = b[i + 1]!
    if (marker === 0xff) {
      i++
      continue
    }
    const length = (b[i + 2]! << 8) | b[i + 3]!
    // Start-of-frame markers C0..CF, except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: (b[i + 5]! << 8) | b[i + 6]!, width: (b[i + 7]! << 8) | b[i + 8]! }
    }
    i += 2 + length
  }
  return undefined
}

const png = (b: Uint8Array): Dimensions | undefined => {
  if (b.length < 24) return undefined
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength)
  return { width: view.getUint32(16), height: view.getUint32(20) }
}

const webp = (b: Uint8Array): Dimensions | undefined => {
  const chunk = String.fromCharCode(...b.slice(12, 16))
  if (chunk === "VP8 " && b.length >= 30) {
    return { width: ((b[27]! << 8) | b[26]!) & 0x3fff, height: ((b[29]! << 8) | b[28]!) & 0x3fff }
  }
  if (chunk === "VP8L" && b.length >= 25) {
    const bits = b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24)
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 }
  }
  if (chunk === "VP8X" && b.length >= 30) {
    return {
      width: 1 + (b[24]! | (b[25]! << 8) | (b[26]! << 16)),
      height: 1 + (b[27]! | (b[28]! << 8) | (b[29]! << 16))
    }
  }
  return undefined
}

export const dimensions = (format: "jpeg" | "png" | "webp", bytes: Uint8Array): Dimensions | undefined => {
  switch (format) {
    case "jpeg":
      return jpeg(bytes)
    case "png":
      return png(bytes)
    case "webp":
      return webp(bytes)
  }
}

/** Unico's minimum resolution, 640x480, in either orientation: the longer side, then the shorter. */
export const MIN_LONG_SIDE = 640
export const MIN_SHORT_SIDE = 480

export const isHighEnough = ({ height, width }: Dimensions): boolean =>
  Math.max(width, height) >= MIN_LONG_SIDE && Math.min(width, height) >= MIN_SHORT_SIDE
