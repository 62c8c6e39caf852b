/**
 * A configuration problem found while building the adapter: it names the setting (an option, or the
 * environment variable it came from) and says how to fix it. Raised at layer construction, never later.
 *
 * @since 0.1.0
 */
import { SettingError } from "@liveness/core"

export class UnicoConfigError extends SettingError.tagged("UnicoConfigError") {}
