import { describe, expect, it } from "@effect/vitest"
import { SelfiePayload } from "@liveness/core"
import * as Either from "effect/Either"
import { imageBase64, imageBytes, jwePayload, sdkPayload } from "./support.js"

const reasonOf = (value: string): string =>
  Either.match(SelfiePayload.classify(value), {
    onLeft: (reason) => reason,
    onRight: (kind) => expect.unreachable(`expected a rejection, got ${kind._tag}`)
  })

describe("SelfiePayload.classify", () => {
  describe("SDK payloads", () => {
    it("a compact JWT with three base64url parts is an SDK payload", () => {
      expect(SelfiePayload.classify(sdkPayload())).toEqual(Either.right({ _tag: "SdkPayload" }))
    })

    it("base64url characters - and _ are accepted in the parts", () => {
      expect(SelfiePayload.classify("ab-c_d.e_f-g.h-i_j")).toEqual(Either.right({ _tag: "SdkPayload" }))
    })

    it("a five-part compact JWE (empty encrypted key) is an SDK payload", () => {
      expect(SelfiePayload.classify(jwePayload())).toEqual(Either.right({ _tag: "SdkPayload" }))
    })

    it("SDK payloads are replay safe, images are not", () => {
      expect(SelfiePayload.isReplaySafe({ _tag: "SdkPayload" })).toBe(true)
      expect(SelfiePayload.isReplaySafe({ _tag: "Image", format: "jpeg", bytes: 10 })).toBe(false)
    })

    it.each([
      ["two parts", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0"],
      ["four parts", "a.b.c.d"],
      ["an empty part", "eyJhbGciOiJSUzI1NiJ9..c2ln"],
      ["standard base64 characters in a part", "ab+c.de/f.ghi"],
      ["padding in a part", "abc=.def.ghi"]
    ])("%s is rejected", (_, value) => {
      expect(Either.isLeft(SelfiePayload.classify(value))).toBe(true)
    })
  })

  describe("plain images", () => {
    it.each(
      [
        ["jpeg", 2048],
        ["png", 3000],
        ["webp", 4097]
      ] as const
    )("a %s signature gives Image with the format and the decoded byte count (%i)", (format, size) => {
      expect(SelfiePayload.classify(imageBase64(format, size))).toEqual(
        Either.right({ _tag: "Image", format, bytes: size })
      )
    })

    it("byte counts are exact for every padding length", () => {
      for (const size of [12, 13, 14, 15]) {
        const result = SelfiePayload.classify(imageBase64("jpeg", size))
        expect(result).toEqual(Either.right({ _tag: "Image", format: "jpeg", bytes: size }))
      }
    })

    it("the limit is 800 KB decoded", () => {
      expect(SelfiePayload.MAX_IMAGE_BYTES).toBe(800 * 1024)
    })

    it("an image of exactly 800 * 1024 bytes is accepted", () => {
      expect(SelfiePayload.classify(imageBase64("jpeg", 800 * 1024))).toEqual(
        Either.right({ _tag: "Image", format: "jpeg", bytes: 800 * 1024 })
      )
    })

    it("one byte more is rejected, with the size and the limit in the reason", () => {
      const reason = reasonOf(imageBase64("png", 800 * 1024 + 1))
      expect(reason).toContain(String(800 * 1024 + 1))
      expect(reason).toContain("800 KB")
    })

    it("base64 of bytes without an image signature is rejected", () => {
      const value = Buffer.from("hello, this is not an image at all").toString("base64")
      expect(reasonOf(value)).toBe("is base64 but not a JPEG, PNG or WebP image, nor an SDK payload")
    })

    it("a RIFF container that is not WebP is rejected", () => {
      const bytes = imageBytes("webp", 64)
      bytes.write("WAVE", 8, "latin1")
      expect(Either.isLeft(SelfiePayload.classify(bytes.toString("base64")))).toBe(true)
    })
  })

  describe("rejections", () => {
    it("empty", () => {
      expect(reasonOf("")).toBe("must not be empty")
    })

    it.each([
      ["characters outside base64", "!!!!****"],
      ["a length that is not a multiple of 4", imageBase64("jpeg", 30).slice(0, -1)],
      ["spaces", "/9j/ 4AAQ"],
      ["padding in the middle", "/9j=4AAQ"]
    ])("not base64: %s", (_, value) => {
      expect(reasonOf(value)).toBe("is not valid base64 (nor an SDK payload from Unico's capture SDK)")
    })

    it("a data: URL prefix is rejected with a hint to remove it", () => {
      const reason = reasonOf(`data:image/jpeg;base64,${imageBase64()}`)
      expect(reason).toContain("data:")
      expect(reason).toContain("remove")
    })

    it("a value with dots that is no JWT is rejected", () => {
      expect(reasonOf("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0")).toBe(
        "is neither an SDK payload (a compact JWT of three base64url parts) nor base64"
      )
    })

    it("no reason quotes the value", () => {
      const values = [
        "!!!!****",
        "abc.def",
        `data:image/png;base64,${imageBase64("png", 64)}`,
        Buffer.from("secret selfie bytes that are not an image").toString("base64"),
        imageBase64("jpeg", 800 * 1024 + 3)
      ]
      for (const value of values) {
        const reason = reasonOf(value)
        expect(reason).not.toContain(value)
        expect(reason).not.toContain(value.slice(0, 12))
      }
    })
  })
})

describe("SelfiePayload.kindOfAccepted", () => {
  it("gives classify's kind for every accepted value, without classifying again", () => {
    const accepted = [
      sdkPayload(),
      jwePayload(),
      "ab-c_d.e_f-g.h-i_j",
      imageBase64("jpeg", 4096),
      imageBase64("png", 1001),
      imageBase64("webp", 1002),
      imageBase64("jpeg", SelfiePayload.MAX_IMAGE_BYTES)
    ]
    for (const value of accepted) {
      expect(Either.right(SelfiePayload.kindOfAccepted(value))).toEqual(SelfiePayload.classify(value))
    }
  })

  it("throws rather than guess for a value without a dot that classify refuses", () => {
    expect(() => SelfiePayload.kindOfAccepted("not base64!")).toThrow(/not an accepted payload/)
  })
})
