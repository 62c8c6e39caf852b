import { addEqualityTesters } from "@effect/vitest"

// Lets expect(...).toEqual compare Effect data types (Option, Exit, Data classes) structurally.
addEqualityTesters()
