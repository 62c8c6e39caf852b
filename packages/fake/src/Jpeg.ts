/**
 * A minimal baseline JPEG encoder for flat grey images of any size: every 8x8 block has DC and AC
 * coefficients of zero, so the entropy-coded data is two bits per block with one-symbol Huffman tables.
 * Real decoders accept the result, and it is a few kilobytes at 800x600: the right thing for fixtures
 * that must pass Unico's format and resolution checks without shipping binary files.
 *
 * @since 0.1.0
 */

const u16 = (n: number) => [(n >> 8) & 0xff, n & 0xff]

const segment = (marker: number, body: ReadonlyArray<number>) => [0xff, marker, ...u16(body.length + 2), ...body]

export interface JpegOptions {
  readonly width: number
  readonly height: number
  /** Pads the file with comment segments up to at least this many bytes (to exercise size limits). */
  readonly minBytes?: number
  /** A comment segment (ASCII) written after the JFIF header: what makes two flat grey images two captures. */
  readonly comment?: string
}

export const encodeGrey = (options: JpegOptions): Uint8Array => {
  const { height, width } = options
  if (
    !Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 65535 || height > 65535
  ) {
    throw new RangeError("width and height must be whole numbers from 1 to 65535")
  }
  const jfif = segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, ...u16(1), ...u16(1), 0x00, 0x00])
  const quantisation = segment(0xdb, [0x00, ...new Array<number>(64).fill(1)])
  const frame = segment(0xc0, [0x08, ...u16(height), ...u16(width), 0x01, 0x01, 0x11, 0x00])
  // One code of length 1 ("0") per table: DC difference category 0, and AC end-of-block.
  const oneSymbolTable = (tableClass: number) =>
    segment(0xc4, [tableClass << 4, 1, ...new Array<number>(15).fill(0), 0x00])
  const scanHeader = segment(0xda, [0x01, 0x01, 0x00, 0x00, 0x3f, 0x00])
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8)
  const bits = blocks * 2
  const scan = new Uint8Array(Math.ceil(bits / 8))
  // Pad the last byte with 1 bits, as the standard requires.
  if (bits % 8 !== 0) scan[scan.length - 1] = 0xff >> (bits % 8)
  const comment = options.comment === undefined
    ? []
    : segment(0xfe, Array.from(options.comment.slice(0, 65533), (char) => char.charCodeAt(0) & 0x7f))
  const head = [
    0xff,
    0xd8,
    ...jfif,
    ...comment,
    ...quantisation,
    ...frame,
    ...oneSymbolTable(0),
    ...oneSymbolTable(1)
  ]
  const padding: Array<number> = []
  const base = head.length + scanHeader.length + scan.length + 2
  let missing = (options.minBytes ?? 0) - base
  while (missing > 0) {
    const size = Math.max(1, Math.min(65533, missing - 4))
    padding.push(...segment(0xfe, new Array<number>(size).fill(0x20)))
    missing -= size + 4
  }
  const out = new Uint8Array(base + padding.length)
  out.set(head, 0)
  out.set(padding, head.length)
  out.set(scanHeader, head.length + padding.length)
  out.set(scan, head.length + padding.length + scanHeader.length)
  out.set([0xff, 0xd9], out.length - 2)
  return out
}
