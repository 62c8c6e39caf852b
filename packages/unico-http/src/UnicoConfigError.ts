/**
 * A configuration problem found while building the adapter from options (`UnicoHttp.layer`): it names the option
 * and says how to fix it. Raised at layer construction, never later. From the environment (`layerConfig`), the
 * same problem is a ConfigError at the variable (see UnicoConfig).
 *
 * @since 0.1.0
 */
import { SettingError } from "@liveness/core"

export class UnicoConfigError extends SettingError.tagged("UnicoConfigError") {}
