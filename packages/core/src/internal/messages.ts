import * as Schema from "effect/Schema"

/**
 * A string schema whose type failure says what was expected without echoing the value: inputs here are
 * selfies and personal data, which must not end up in error messages or logs.
 */
export const string = (expected: string) => Schema.String.annotations({ message: () => `must be ${expected}` })
