/**
 * A provider choice that must not start: it names the setting and the fix, and it is raised while the
 * app builds its runtime, before it serves anything.
 *
 * @since 0.1.0
 */
import { SettingError } from "@liveness/core"

export class ProviderConfigError extends SettingError.tagged("ProviderConfigError") {}
