/**
 * @liveness/fake: the in-memory liveness provider, its scenario engine and fixtures.
 *
 * @since 0.1.0
 */
export * as FakeProvider from "./FakeProvider.js"
export * as Fixtures from "./Fixtures.js"
export * as ImageInfo from "./ImageInfo.js"
export * as Jpeg from "./Jpeg.js"
export * as Leaks from "./Leaks.js"
export * as MagicValues from "./MagicValues.js"
export * as Scenario from "./Scenario.js"
export * as ScenarioEngine from "./ScenarioEngine.js"
export * as Submissions from "./Submissions.js"
